"""Run one cell's code in a child process (``--isolate process``): hard kills, no crashes.

The inputs go to the child with cloudpickle over stdin; the outputs (values and what
the cell printed or displayed) come back over stdout. The parent polls the child, so
an engine timeout or an interrupt reaches it and the child is killed, never left.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import cloudpickle

from taskbook.cellflow.capture import current
from taskbook.errors import UnpicklableInputError, UnpicklableOutputError

__all__ = ("run_isolated",)


def run_isolated(
    source: str,
    filename: str,
    inputs: Mapping[str, Any],
    outputs: Sequence[str],
    cell: str,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Execute ``source`` in a fresh process with ``inputs``; return its values and outputs.

    Raises:
        UnpicklableInputError: An input cannot be sent to the child.
        UnpicklableOutputError: An output cannot come back.
        Exception: What the cell raised, re-raised here.
    """
    try:
        payload = cloudpickle.dumps(
            (source, filename, dict(inputs), list(outputs), cell)
        )
    except Exception as error:
        raise UnpicklableInputError.from_call(cell, dict(inputs), error) from None
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
        raise RuntimeError(
            f"{cell} crashed in its isolated process (exit code {child.returncode}): "
            f"{err.decode(errors='replace').strip()[-2000:]}"
        )
    status, values, captured, error = cloudpickle.loads(out)
    if status != "ok":
        _show_partial(captured, error)
    if status == "unpicklable":
        raise UnpicklableOutputError.from_name(cell, values, RuntimeError(error))
    if status == "error":
        raise error
    if status == "exit":
        raise SystemExit(error)
    return values, captured


def _show_partial(captured: list[dict[str, Any]], error: Any) -> None:
    """Show what a cell printed before it failed or exited, as if it ran here.

    The caller records the exception itself; the child's traceback (the one that
    points at the cell's lines) goes on the exception as a note.
    """
    capture = current()
    for output in captured:
        kind = output["output_type"]
        if kind == "error":
            if isinstance(error, BaseException):
                error.add_note("\n".join(output["traceback"]))
        elif capture is None:
            continue
        elif kind == "stream":
            capture.stream(output["name"], output["text"])
        elif kind == "display_data":
            capture.display(output["data"], output["metadata"])
        elif kind == "execute_result":
            capture.result(output["data"], output["metadata"], None)


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
    """The child's side: run the cell, send back values and outputs."""
    from IPython.core.interactiveshell import InteractiveShell

    from taskbook.cellflow.capture import OutputCapture, capturing, install
    from taskbook.cellflow.execute import CellCode, execute, format_error

    source, filename, inputs, outputs, _cell = cloudpickle.loads(
        sys.stdin.buffer.read()
    )
    real_stdout = sys.stdout.buffer
    shell = InteractiveShell.instance()
    install(shell)
    namespace = shell.user_ns
    namespace.update(inputs)
    capture = OutputCapture()
    result: tuple[str, Any, Any, Any]
    with capturing(capture):
        try:
            execute(
                CellCode(source, filename), namespace, capture, shell.display_formatter
            )
            values = {n: namespace[n] for n in outputs if n in namespace}
            result = ("ok", values, capture.outputs, None)
        except SystemExit as stop:
            result = ("exit", {}, capture.outputs, stop.code)
        except Exception as error:
            capture.error(*format_error(error, "<taskbook-cell-"))
            result = ("error", {}, capture.outputs, error)
    try:
        data = cloudpickle.dumps(result)
    except Exception as error:
        bad = next(
            (n for n, v in result[1].items() if not _picklable(v)), "the exception"
        )
        data = cloudpickle.dumps(("unpicklable", bad, capture.outputs, str(error)))
    real_stdout.write(data)
    real_stdout.flush()


def _picklable(value: Any) -> bool:
    try:
        cloudpickle.dumps(value)
        return True
    except Exception:
        return False


if __name__ == "__main__":
    _child()
