"""One cell's code, run away from the notebook's namespace: a child process or a Dask worker.

A ``CellJob`` is what travels (cloudpickle): the cell's Python source, its inputs,
the names to send back and the run it belongs to. ``run_job`` executes it in a
fresh namespace on the other side; ``finish_job`` turns the answer back into
values and outputs here, or re-raises what the cell raised, with the outputs it
showed before failing replayed into the current capture.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cloudpickle

from taskbook.cellflow.capture import current
from taskbook.engine.effects import Recorder, merge
from taskbook.engine.remote_context import RemoteRunContext, capture_run, entered_run
from taskbook.errors import UnpicklableInputError, UnpicklableOutputError

__all__ = ("CellJob", "finish_job", "run_job")

FILENAME_PREFIX = "<taskbook-cell-"


@dataclass(frozen=True, slots=True)
class CellJob:
    """What a remote cell run needs.

    Attributes:
        source: The cell as plain Python (IPython's transforms applied).
        filename: The name tracebacks show (``<taskbook-cell-N>``).
        inputs: The values the cell reads.
        outputs: The names it defines, sent back.
        cell: How messages name the cell ("Task 'load' (cell 4)").
        run: The flow and task run, for ``taskbook.runtime`` over there.
    """

    source: str
    filename: str
    inputs: Mapping[str, Any]
    outputs: Sequence[str]
    cell: str
    run: RemoteRunContext | None = None

    @classmethod
    def here(
        cls,
        source: str,
        filename: str,
        inputs: Mapping[str, Any],
        outputs: Sequence[str],
        cell: str,
    ) -> CellJob:
        """Return a job carrying the run the calling thread is in."""
        return cls(source, filename, dict(inputs), list(outputs), cell, capture_run())

    def pack(self) -> bytes:
        """Return the job as bytes.

        Raises:
            UnpicklableInputError: An input cannot be pickled; names it.
        """
        try:
            return bytes(cloudpickle.dumps(self))
        except Exception as error:
            raise UnpicklableInputError.from_call(
                self.cell, dict(self.inputs), error
            ) from None


@functools.lru_cache(maxsize=1)
def _remote_shell() -> Any:
    """This process's IPython shell, its displays captured per thread (once)."""
    from IPython.core.interactiveshell import InteractiveShell

    from taskbook.cellflow.capture import install

    shell = InteractiveShell.instance()
    install(shell)
    return shell


def _fresh_namespace(shell: Any) -> dict[str, Any]:
    """A namespace like a new kernel's: IPython's own names, nothing of other cells."""
    namespace = {k: v for k, v in shell.user_ns.items() if k in shell.user_ns_hidden}
    namespace["__name__"] = "__main__"
    return namespace


def run_job(payload: bytes) -> bytes:
    """Run a packed ``CellJob``; return ``(status, values, outputs, error, written)``.

    Status is ``ok``, ``error`` (the cell raised), ``exit`` (``SystemExit``) or
    ``unpicklable`` (a value cannot come back; ``values`` is its name); ``written``
    lists the files the cell wrote (``engine.effects``). Runs on the other side: a
    child process or a Dask worker thread, several at once.
    """
    from taskbook.cellflow.capture import OutputCapture, capturing
    from taskbook.cellflow.execute import CellCode, execute, format_error

    job: CellJob = cloudpickle.loads(payload)
    shell = _remote_shell()
    namespace = _fresh_namespace(shell)
    namespace.update(job.inputs)
    capture = OutputCapture()
    result: tuple[str, Any, Any, Any]
    with capturing(capture), entered_run(job.run), Recorder() as seen:
        try:
            code = CellCode(job.source, job.filename)
            execute(code, namespace, capture, shell.display_formatter)
            values = {n: namespace[n] for n in job.outputs if n in namespace}
            result = ("ok", values, capture.outputs, None)
        except SystemExit as stop:
            result = ("exit", {}, capture.outputs, stop.code)
        except Exception as error:
            capture.error(*format_error(error, FILENAME_PREFIX))
            result = ("error", {}, capture.outputs, error)
    written = seen.export()
    try:
        return bytes(cloudpickle.dumps((*result, written)))
    except Exception as error:
        bad = next(
            (n for n, v in result[1].items() if not _picklable(v)), "the exception"
        )
        return bytes(
            cloudpickle.dumps(
                ("unpicklable", bad, capture.outputs, str(error), written)
            )
        )


def finish_job(
    answer: bytes, job: CellJob
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return the values and outputs of a job's answer, or raise what the cell raised.

    The files the cell wrote over there count as written here (``effects.merge``).

    Raises:
        UnpicklableOutputError: A value could not come back.
        SystemExit: The cell raised it.
        Exception: What the cell raised, with its own traceback as a note.
    """
    status, values, captured, error, written = cloudpickle.loads(answer)
    merge(written)
    if status != "ok":
        _show_partial(captured, error)
    if status == "unpicklable":
        raise UnpicklableOutputError.from_name(job.cell, values, RuntimeError(error))
    if status == "error":
        raise error
    if status == "exit":
        raise SystemExit(error)
    return values, captured


def _show_partial(captured: list[dict[str, Any]], error: Any) -> None:
    """Show what a cell printed before it failed or exited, as if it ran here.

    The caller records the exception itself; the remote traceback (the one that
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


def _picklable(value: Any) -> bool:
    try:
        cloudpickle.dumps(value)
        return True
    except Exception:
        return False
