"""Errors raised while flows, tasks and cells run: outcomes, calls, I/O, timeouts.

Each builds its message (the offending value, then the fix) in a ``from_...``
classmethod; the timeouts keep Prefect's wording and bases.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from taskbook.errors._base import (
    ObjectNotFound,
    PrefectException,
    TaskbookError,
    short_repr,
)

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11


class FailedRun(PrefectException):
    """Raised by ``State.result()`` when the run failed without an exception to re-raise."""


class CrashedRun(PrefectException):
    """Raised by ``State.result()`` when the run crashed."""


class CancelledRun(PrefectException):
    """Raised by ``State.result()`` when the run was cancelled."""


class UnfinishedRun(PrefectException):
    """Raised by ``State.result()`` on a state that is not final."""


class MissingResult(PrefectException):
    """Raised when a state has no result attached."""


class UpstreamTaskError(PrefectException):
    """An upstream task did not reach Completed, so this task is NotReady."""

    @classmethod
    def from_upstream(cls, name: str, state_type: str) -> Self:
        return cls(
            f"Upstream task run {name!r} did not reach a 'COMPLETED' state "
            f"(it is {state_type}). Wrap it in allow_failure(...) to run anyway."
        )


class UnreadableNotebookError(TaskbookError, ValueError):
    """A notebook file does not exist or is not a valid notebook."""

    @classmethod
    def from_path(cls, path: str, error: BaseException | str) -> Self:
        return cls(
            f"Cannot read notebook {path!r}: {error}. Check the path and that the "
            f"file is a Jupyter notebook (.ipynb, nbformat 4)."
        )


class UnwritableOutputError(TaskbookError, OSError):
    """A file taskbook writes (an exported module) cannot be written there."""

    @classmethod
    def from_path(cls, path: str, error: BaseException | str) -> Self:
        return cls(
            f"Cannot write {path!r}: {error}. Nothing was written; give a path in a "
            f"folder that exists and that you may write to."
        )


class MissingInputError(TaskbookError, NameError):
    """A cell's input is not in the namespace (its producer has not run)."""

    @classmethod
    def from_name(cls, cell: str, name: str, producer: str | None) -> Self:
        """Build the message; ``producer`` is the name of the cell that defines it."""
        if producer is None:
            return cls(
                f"{cell} reads {name!r}, which is not defined and no earlier cell "
                f"defines it. Define {name!r} in a cell above."
            )
        return cls(
            f"{cell} reads {name!r}, which {producer!r} produces but has not run in "
            f"this kernel. Run it first: %flow run --to {producer}"
        )

    @classmethod
    def from_cache(cls, cell: str, name: str, producer: str, why: str) -> Self:
        """The producer was not selected and the cache cannot stand in for it."""
        return cls(
            f"{cell} reads {name!r}, which {producer!r} produces; it has not run in "
            f"this kernel and its cached result cannot be used: {why}. Run it "
            f"first: %flow run --to {producer}"
        )


class MissingOutputFileError(TaskbookError, FileNotFoundError):
    """A cell declares an output file (``--makes file:PATH``) it did not write."""

    @classmethod
    def from_path(cls, cell: str, path: str) -> Self:
        return cls(
            f"{cell} declares the output file {path!r} (--makes file:{path}) but it "
            f"does not exist after the cell ran. Write it in the cell, or fix the "
            f"path (relative to the working directory, {os.getcwd()!r})."
        )


class UnpicklableOutputError(TaskbookError, TypeError):
    """A cell's output cannot be pickled: not back from its process, not cached."""

    @classmethod
    def from_name(cls, cell: str, name: str, error: BaseException) -> Self:
        return cls(
            f"Output {name!r} of {cell} cannot be pickled ({error}), so it cannot "
            f"come back from the isolated process. Drop --isolate process, or "
            f"delete {name!r} at the end of the cell (del {name})."
        )

    @classmethod
    def for_cache(cls, name: str, value: object, error: BaseException) -> Self:
        """A cell's output cannot be pickled, so its result cannot be cached."""
        return cls(
            f"Output {name!r} ({type(value).__name__}) cannot be pickled ({error}), "
            f"so the cell's result cannot be cached. Delete it at the end of the "
            f"cell (del {name}) or mark the cell `%%task --no-cache`."
        )


class IsolatedCellCrashError(TaskbookError, RuntimeError):
    """The process of an isolated cell died without answering (killed, segfault)."""

    @classmethod
    def from_exit(cls, cell: str, code: int, stderr: str) -> Self:
        return cls(
            f"{cell} crashed in its isolated process (exit code {code}): "
            f"{stderr.strip()[-2000:]} Fix what the error says, or run the cell "
            f"without --isolate process to debug it in the kernel."
        )


class CellExitError(TaskbookError, RuntimeError):
    """A cell raised ``SystemExit`` with a failure code: the notebook run stops there.

    papermill's convention: ``SystemExit(0)`` or ``SystemExit()`` is a success.
    """

    def __init__(self, message: str, code: int | str | None = None) -> None:
        super().__init__(message)
        self.code = code

    @classmethod
    def from_code(cls, cell: str, code: int | str | None) -> Self:
        return cls(
            f"{cell} raised SystemExit({code!r}), which stops the run as a failure. "
            f"Raise SystemExit(0) to stop it as a success.",
            code,
        )


class CellFailedError(TaskbookError):
    """A task cell or ``%flow run`` ended Failed; its error is shown above.

    Raised by the magics so that IPython marks the cell failed (which stops Run
    All, papermill and nbclient), shown as one line: the cell's own error and
    traceback are already in its output.
    """

    @classmethod
    def from_cell(cls, name: str, message: str | None) -> Self:
        return cls(f"{name}: {message}")

    @classmethod
    def from_flow_run(cls, state: str, names: str) -> Self:
        return cls(f"flow run {state}: {names}")

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback.
        return [f"taskbook: {self}"]


class SchedulerUnreachableError(TaskbookError, ConnectionError):
    """No Dask scheduler answers at the address a run was given."""

    @classmethod
    def from_address(cls, address: str, error: BaseException) -> Self:
        return cls(
            f"Cannot reach a Dask scheduler at {address!r} ({error}). Start the "
            f"cluster or fix the address; leave --address out to run on a "
            f"LocalCluster started for the run."
        )


class ServeAlreadyRunningError(TaskbookError, RuntimeError):
    """A second ``taskbook serve`` was started on a store that one serves already."""

    @classmethod
    def from_pid(cls, store: str, pid: int | None) -> Self:
        who = f"process {pid}" if pid else "another process"
        return cls(
            f"Another `taskbook serve` ({who}) already serves the store {store!r}; "
            f"two would launch the same runs. Stop that one first (kill -TERM "
            f"{pid or 'PID'}), or serve another store with $TASKBOOK_HOME."
        )

    @classmethod
    def from_flow_serve(cls, store: str, pid: int | None, commands: list[str]) -> Self:
        """``flow.serve`` while a ``taskbook serve`` serves the store: nothing stored."""
        who = f"process {pid}" if pid else "another process"
        add = "".join(f"\n    {command}" for command in commands)
        instead = (
            f" Or let that server fire this flow: add its schedule with{add}"
            if commands
            else ""
        )
        return cls(
            f"Another `taskbook serve` ({who}) already serves the store {store!r}; "
            f"two would launch the same runs, so this flow's schedules were not "
            f"stored. Stop that one first (kill -TERM {pid or 'PID'}) and serve "
            f"again.{instead}"
        )


class ParameterTypeError(PrefectException, TypeError):
    """Flow parameters failed validation."""

    @classmethod
    def from_validation(cls, flow: str, errors: list[tuple[str, str]]) -> Self:
        """Build the message from ``(field, problem)`` pairs, Prefect's lines first."""
        lines = "".join(f"\n - {name}: {problem}" for name, problem in errors)
        return cls(
            f"Flow run received invalid parameters:{lines}\n"
            f"Pass values of the annotated types to flow {flow!r}, or set "
            f"validate_parameters=False."
        )


class SignatureMismatchError(PrefectException, TypeError):
    """Arguments that do not fit a function's signature.

    Prefect raises it for a parameters mapping that does not match; a call whose
    arguments do not bind raises its subclass ``ParameterBindError``, as in Prefect.
    """


class ParameterBindError(SignatureMismatchError):
    """A call's arguments do not bind to the function's signature."""

    @classmethod
    def from_bind_failure(
        cls,
        function: str,
        error: TypeError,
        signature: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Self:
        return cls(
            f"Error binding parameters for function {function!r}: {error}.\n"
            f"Function {function!r} has signature '{signature.strip('()')}' but "
            f"received args: {short_repr(args)} and kwargs: {list(kwargs)}. Pass "
            f"the arguments the function declares."
        )


class IncompleteResultError(TaskbookError, RuntimeError):
    """``resolve_futures_to_results`` met a future whose run did not complete."""

    @classmethod
    def from_future(cls, task_run: str, state: object) -> Self:
        return cls(
            f"At least one result did not complete successfully: task run "
            f"{task_run!r} ended {state!r}. Resolve to states with "
            f"resolve_futures_to_states() to handle failures."
        )


class NoExceptionError(TaskbookError, ValueError, TypeError):
    """No exception to take from a state, or to build a Failed state from.

    Prefect raises ``ValueError`` (``TypeError`` for data of another kind).
    """

    @classmethod
    def from_state(cls, state: object) -> Self:
        return cls(
            f"Expected failed or crashed state got {state!r}. Pass a Failed, "
            f"Crashed or Cancelled state (check state.is_failed() first)."
        )

    @classmethod
    def from_data(cls, state: object, data: object) -> Self:
        return cls(
            f"Unexpected result for failed state: {short_repr(data)} —— "
            f"{type(data).__name__} cannot be resolved into an exception. Build "
            f"{state!r} with an exception, a message or failed states as data."
        )

    @classmethod
    def from_no_active_exception(cls) -> Self:
        return cls(
            "Exception was not passed and no active exception could be found. "
            "Pass the exception, or call it inside an except block."
        )


class MappingLengthMismatch(PrefectException, ValueError):
    """Iterables passed to ``.map()`` have different lengths."""

    @classmethod
    def from_lengths(cls, lengths: dict[str, int]) -> Self:
        return cls(
            f"Received iterable parameters with different lengths. Parameters for "
            f"map must all be the same length. Got lengths: {lengths}. Wrap a "
            f"parameter in unmapped(...) to pass it whole to every call."
        )


class MappingMissingIterable(PrefectException, ValueError):
    """``.map()`` was called without any iterable argument."""

    @classmethod
    def from_parameters(cls, parameters: dict[str, Any]) -> Self:
        return cls(
            f"No iterable parameters were received. Parameters for map must include "
            f"at least one iterable. Parameters: {parameters!r}"
        )


class UnpicklableInputError(TaskbookError, TypeError):
    """A task's function or inputs cannot be shipped to another process."""

    @classmethod
    def from_call(
        cls, task: str, parameters: dict[str, Any], error: BaseException
    ) -> Self:
        import cloudpickle

        culprit = "the task function"
        for name, value in parameters.items():
            try:
                cloudpickle.dumps(value)
            except Exception:  # any pickling failure identifies the culprit
                culprit = (
                    f"input {name!r} ({type(value).__name__}: {short_repr(value)})"
                )
                break
        return cls(
            f"Task {task!r} cannot run in another process: {culprit} cannot be "
            f"pickled ({error}). Pass picklable values, or run the task with "
            f"ThreadPoolTaskRunner."
        )


class RunNotFoundError(ObjectNotFound, KeyError):
    """No run with the given id is in the store."""

    @classmethod
    def from_id(cls, run_id: str, store: str) -> Self:
        return cls(
            f"No run with id {run_id!r} in the run store at {store}. "
            f"List runs with taskbook.runs()."
        )


class StoreError(TaskbookError):
    """The run store cannot be opened or written."""

    @classmethod
    def from_path(cls, path: str, error: BaseException) -> Self:
        return cls(
            f"Cannot open the run store at {path}: {error}. Check the directory is "
            f"writable, or point TASKBOOK_HOME at another directory."
        )


class StoreUnwritableError(StoreError, OSError):
    """The run store's disk is full or read-only: runs cannot be recorded."""

    @classmethod
    def from_path(cls, path: str, error: BaseException) -> Self:
        return cls(
            f"The run store at {path} cannot be written ({error}): its disk is full "
            f"or read-only, so runs are not recorded. Free space on that disk or make "
            f"it writable (`taskbook gc` removes old runs and cached results), or "
            f"point TASKBOOK_HOME at another directory."
        )


class CacheError(TaskbookError, OSError):
    """The result cache cannot be opened or written: its disk is full or read-only."""

    @classmethod
    def from_path(cls, path: str, error: BaseException) -> Self:
        return cls(
            f"The result cache at {path} cannot be written ({error}). Free space on "
            f"its disk (`taskbook gc --max-cache-size SIZE`) or make that folder "
            f"writable, or move it aside (cached results are then computed again)."
        )


class MissingContextError(PrefectException, RuntimeError):
    """A function that needs a flow or task run was called outside any run."""

    @classmethod
    def from_function(cls, function: str) -> Self:
        return cls(
            f"There is no active flow or task run context. Call {function} inside a "
            f"@flow or @task, or use logging.getLogger() elsewhere; to call a "
            f"task's .fn() in a test, wrap it in disable_run_logger() from "
            f"taskbook.logging."
        )

    @classmethod
    def from_context(cls) -> Self:
        return cls(
            "No run context available. You are not in a flow or task run context. "
            "Call get_run_context() inside a @flow or @task."
        )


class InvalidTimeoutError(TaskbookError, ValueError):
    """A negative ``timeout`` was given to wait for futures."""

    @classmethod
    def from_value(cls, timeout: Any) -> Self:
        return cls(
            f"'timeout' must be a non-negative number, got {timeout}. Pass 0 or more "
            f"seconds, or None to wait until every future is done."
        )


class HashError(PrefectException, ValueError):
    """A value cannot be hashed deterministically: neither JSON nor pickle encodes it.

    The engine catches it and warns with ``UnhashableInputsWarning``, which names the
    task and the fix; this message is the cause that warning quotes.
    """

    @classmethod
    def from_error(cls, error: BaseException) -> Self:
        return cls(f"{type(error).__name__}: {error}")


class InputHashError(HashError):
    """A task input cannot be hashed; ``input_name`` and ``cause`` say which and why."""

    input_name: str
    cause: BaseException

    @classmethod
    def from_input(cls, name: str, cause: BaseException) -> Self:
        error = cls(f"input {name!r}: {cause}")
        error.input_name, error.cause = name, cause
        return error


class MissingDependencyError(TaskbookError, ImportError):
    """An optional dependency is missing."""

    @classmethod
    def from_extra(cls, module: str, extra: str) -> Self:
        return cls(
            f"{module} is required for this feature but is not installed. "
            f'Install it with: pip install "taskbook[{extra}]"'
        )


class TaskRunTimeoutError(TimeoutError):
    """A task attempt exceeded its ``timeout_seconds``."""

    @classmethod
    def from_timeout(cls, name: str, seconds: float) -> Self:
        # Prefect's wording, word for word (users match on it); the run's name and
        # "Task run exceeded timeout of ..." are in the log line and the state.
        return cls(f"Scope timed out after {float(seconds)} second(s).")


class FlowRunTimeoutError(TimeoutError):
    """A flow run exceeded its ``timeout_seconds``."""

    @classmethod
    def from_timeout(cls, name: str, seconds: float) -> Self:
        return cls(f"Scope timed out after {float(seconds)} second(s).")
