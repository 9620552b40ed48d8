"""Run one cell's code in a child process (``--isolate process``): hard kills, no crashes.

The job goes to the child over stdin, the answer comes back over stdout
(``cellflow.remote``). The parent polls the child, so an engine timeout or an
interrupt reaches it and the child is killed, never left.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from taskbook.cellflow.remote import CellJob, finish_job, run_job
from taskbook.errors import IsolatedCellCrashError

__all__ = ("run_isolated",)


def run_isolated(job: CellJob) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Execute ``job`` in a fresh process; return its values and outputs.

    Raises:
        UnpicklableInputError: An input cannot be sent to the child.
        UnpicklableOutputError: An output cannot come back.
        IsolatedCellCrashError: The child died without answering.
        Exception: What the cell raised, re-raised here.
    """
    payload = job.pack()
    child = subprocess.Popen(
        [sys.executable, "-m", "taskbook.cellflow.isolate"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        out, err = _communicate(child, payload)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    if child.returncode != 0 or not out:
        raise IsolatedCellCrashError.from_exit(
            job.cell, child.returncode, err.decode(errors="replace")
        )
    return finish_job(out, job)


def _communicate(child: subprocess.Popen[bytes], payload: bytes) -> tuple[bytes, bytes]:
    # Short waits in a loop: Python code runs between them, so the engine's timeout
    # (an exception injected into this thread) and KeyboardInterrupt get through.
    first = True
    while True:
        try:
            out, err = child.communicate(payload if first else None, timeout=0.05)
            return out, err
        except subprocess.TimeoutExpired:
            first = False


def _child() -> None:
    """The child's side: read the job, run it, write the answer."""
    real_stdout = sys.stdout.buffer  # before the cell's output is captured
    answer = run_job(sys.stdin.buffer.read())
    real_stdout.write(answer)
    real_stdout.flush()


if __name__ == "__main__":
    _child()
