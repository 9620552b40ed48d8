"""Every exception, warning and control-flow signal taskbook raises.

Users catch these by Prefect's names where Prefect has one. Each error a user can trigger
has its own class, derives the matching builtin, and builds its message (fact, then fix)
in a ``from_...`` classmethod.

    BaseException
    ├── TaskbookSignal                 control flow; gets past ``except Exception``
    │   └── CancelRun                  a run was cancelled (interrupt, cancel request)
    └── Exception
        ├── TaskbookError
        │   ├── FailedRun              a run ended Failed (``State.result()``)
        │   ├── CrashedRun             a run ended Crashed
        │   ├── CancelledRun           a run ended Cancelled
        │   ├── UnfinishedRun          ``State.result()`` on a state that is not final
        │   ├── UpstreamTaskError      an upstream task did not complete (NotReady)
        │   ├── MissingResult          a state carries no result (not persisted)
        │   ├── ConfigurationError (ValueError)
        │   │   ├── InvalidOptionError (TypeError too)   bad @task/@flow option
        │   │   ├── InvalidNameError                     banned character in a name
        │   │   ├── ReservedArgumentError (TypeError)    ``return_state``/``wait_for`` as parameter
        │   │   ├── RunNameTemplateError                 run-name template names no parameter
        │   │   ├── DependencyCycleError                 a cycle in the notebook DAG
        │   │   ├── DuplicateTaskNameError               two tasks with one name
        │   │   ├── UnknownTaskError (KeyError-like)     an option names no task
        │   │   ├── UnknownMagicOptionError              a %%task/%flow flag that does not exist
        │   │   ├── HiddenStateError                     a cell reads a name no earlier cell defines
        │   │   ├── UnknownParameterError (KeyError-like)   -p NAME the notebook does not declare
        │   │   ├── ParameterValueError                  a parameter value of the wrong type/range
        │   │   └── NoParametersCellError                -p on a notebook without parameters cell
        │   ├── UnreadableNotebookError                  a notebook file that cannot be read
        │   ├── MissingInputError (NameError)            a cell's input is not in the namespace
        │   ├── UnpicklableOutputError (TypeError)       a cell's output can't be pickled
        │   ├── IsolatedCellCrashError (RuntimeError)    an isolated cell's process died
        │   ├── CellExitError                            a cell raised SystemExit(code != 0)
        │   ├── SchedulerUnreachableError (ConnectionError)  no Dask scheduler at --address
        │   ├── ParameterTypeError (TypeError)           flow parameters failed validation
        │   ├── SignatureMismatchError (TypeError)       call does not bind to the function
        │   ├── MappingLengthMismatch (ValueError)
        │   ├── MappingMissingIterable (ValueError)
        │   ├── UnpicklableInputError (TypeError)        inputs can't go to a process
        │   ├── RunNotFoundError (KeyError)              no run with that id in the store
        │   ├── StoreError                               run store unusable
        │   └── MissingDependencyError (ImportError)     an optional extra is not installed
        └── TimeoutError
            ├── TaskRunTimeoutError    a task attempt exceeded ``timeout_seconds``
            └── FlowRunTimeoutError    a flow run exceeded ``timeout_seconds``
    Warning
    └── TaskbookWarning
        ├── UnpersistableResultWarning   a result could not be stored in the cache
        ├── UnhashableInputsWarning      inputs could not be hashed: task not cached
        ├── CorruptCacheEntryWarning     a cache entry could not be read: treated as a miss
        ├── AbandonedThreadWarning       a timed-out thread could not be stopped
        └── NotebookGraphWarning         hidden state or a star-import barrier in a notebook
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


class TaskbookSignal(BaseException):
    """Base of control-flow signals.

    Derives ``BaseException`` on purpose, so a user's ``except Exception:`` cannot
    swallow a cancellation (Prefect and marimo do the same).
    """


class CancelRun(TaskbookSignal):
    """Raised inside a run to stop it as Cancelled."""


class TaskbookError(Exception):
    """Base of every error taskbook raises on purpose."""


class FailedRun(TaskbookError):
    """Raised by ``State.result()`` when the run failed without an exception to re-raise."""


class CrashedRun(TaskbookError):
    """Raised by ``State.result()`` when the run crashed."""


class CancelledRun(TaskbookError):
    """Raised by ``State.result()`` when the run was cancelled."""


class UnfinishedRun(TaskbookError):
    """Raised by ``State.result()`` on a state that is not final."""


class MissingResult(TaskbookError):
    """Raised when a state has no result attached."""


class UpstreamTaskError(TaskbookError):
    """An upstream task did not reach Completed, so this task is NotReady."""

    @classmethod
    def from_upstream(cls, name: str, state_type: str) -> UpstreamTaskError:
        return cls(
            f"Upstream task run {name!r} did not reach a 'COMPLETED' state "
            f"(it is {state_type}). Wrap it in allow_failure(...) to run anyway."
        )


class ConfigurationError(TaskbookError, ValueError):
    """A task, flow or notebook is configured in a way that cannot work."""


class InvalidOptionError(ConfigurationError, TypeError):
    """An option of ``@task``/``@flow`` (or its magic/CLI flag) has a bad value."""

    @classmethod
    def from_value(
        cls, option: str, value: Any, expected: str, owner: str = "task"
    ) -> InvalidOptionError:
        return cls(
            f"{owner} option {option}={value!r} is invalid: expected {expected}. "
            f"Pass {option} as {expected}."
        )

    @classmethod
    def from_unknown(
        cls, option: str, known: Iterable[str], owner: str = "task"
    ) -> InvalidOptionError:
        return cls(
            f"Unknown {owner} option {option!r}. "
            f"Valid options are: {', '.join(sorted(known))}."
        )


class InvalidNameError(ConfigurationError):
    """A task or flow name contains a character Prefect bans."""

    BANNED = ("/", "%", "&", ">", "<")

    @classmethod
    def from_name(cls, name: str, owner: str = "flow") -> InvalidNameError:
        bad = [c for c in cls.BANNED if c in name]
        return cls(
            f"Name {name!r} of the {owner} contains an invalid character {bad[0]!r}. "
            f"Remove the characters {' '.join(cls.BANNED)} from the name."
        )


class ReservedArgumentError(ConfigurationError, TypeError):
    """A function uses a parameter name that taskbook reserves for calls."""

    @classmethod
    def from_name(cls, name: str, function: str) -> ReservedArgumentError:
        return cls(
            f"{name!r} is a reserved argument name and cannot be used "
            f"(in function {function!r}). Rename the parameter."
        )


class RunNameTemplateError(ConfigurationError):
    """A run-name template refers to a name that is not a parameter."""

    @classmethod
    def from_template(
        cls, template: str, missing: str, parameters: Iterable[str]
    ) -> RunNameTemplateError:
        known = ", ".join(sorted(parameters)) or "none"
        return cls(
            f"Run name template {template!r} refers to {{{missing}}}, which is not a "
            f"parameter (parameters: {known}). Use one of the parameter names or "
            f"pass a callable."
        )


class DependencyCycleError(ConfigurationError):
    """The notebook DAG has a cycle."""

    @classmethod
    def from_cycle(cls, cycle: Sequence[str]) -> DependencyCycleError:
        path = " -> ".join([*cycle, cycle[0]]) if cycle else "?"
        return cls(
            f"Dependency cycle detected: {path}. Remove one of the --after/--needs "
            f"dependencies or split the cell."
        )


class DuplicateTaskNameError(ConfigurationError):
    """Two tasks in one notebook share a name."""

    @classmethod
    def from_name(cls, name: str, cells: Sequence[int]) -> DuplicateTaskNameError:
        where = ", ".join(str(c) for c in cells)
        return cls(
            f"Task name {name!r} is used by more than one cell (cells {where}). "
            f"Give each %%task cell a unique name."
        )


class UnknownTaskError(ConfigurationError, KeyError):
    """An option or command names a task that does not exist."""

    @classmethod
    def from_name(cls, name: str, known: Sequence[str]) -> UnknownTaskError:
        return cls(
            f"No task named {name!r}. Known tasks: {', '.join(sorted(known)) or 'none'}."
        )

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class UnknownMagicOptionError(ConfigurationError):
    """A ``%%task``/``%flow`` line has a flag that does not exist."""

    @classmethod
    def from_flag(
        cls, flag: str, known: Iterable[str], magic: str = "%%task"
    ) -> UnknownMagicOptionError:
        options = ", ".join(sorted(known))
        return cls(f"Unknown option {flag!r} for {magic}. Use one of: {options}.")


class HiddenStateError(ConfigurationError):
    """A cell reads a name that no earlier cell defines (headless runs)."""

    @classmethod
    def from_messages(cls, messages: Sequence[str]) -> HiddenStateError:
        return cls(" ".join(messages))


class UnknownParameterError(ConfigurationError, KeyError):
    """A parameter was given that the notebook does not declare."""

    @classmethod
    def from_name(cls, name: str, valid: Sequence[str]) -> UnknownParameterError:
        listed = ", ".join(valid) or "none"
        return cls(
            f"Unknown parameter {name!r}. The parameters cell declares: {listed}. "
            f"Check the spelling, or declare {name!r} in the parameters cell."
        )

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ParameterValueError(ConfigurationError, TypeError):
    """A parameter value does not fit the declared type or constraint."""

    @classmethod
    def from_value(
        cls, name: str, value: Any, expected: str, valid: Sequence[str] = ()
    ) -> ParameterValueError:
        listed = f" Valid parameters: {', '.join(valid)}." if valid else ""
        return cls(
            f"Parameter {name!r} got {_short(value)}, which is not {expected}. "
            f"Pass {expected}.{listed}"
        )


class NoParametersCellError(ConfigurationError):
    """Parameters were given for a notebook that has no parameters cell."""

    @classmethod
    def from_notebook(cls, path: str, names: Sequence[str]) -> NoParametersCellError:
        return cls(
            f"Notebook {path!r} has no parameters cell, so {', '.join(names)} cannot "
            f"be set. Add a %%params cell (or tag a cell 'parameters') declaring them."
        )


class UnreadableNotebookError(TaskbookError, ValueError):
    """A notebook file does not exist or is not a valid notebook."""

    @classmethod
    def from_path(
        cls, path: str, error: BaseException | str
    ) -> UnreadableNotebookError:
        return cls(
            f"Cannot read notebook {path!r}: {error}. Check the path and that the "
            f"file is a Jupyter notebook (.ipynb, nbformat 4)."
        )


class MissingInputError(TaskbookError, NameError):
    """A cell's input is not in the namespace (its producer has not run)."""

    @classmethod
    def from_name(cls, cell: str, name: str, producer: str | None) -> MissingInputError:
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


class UnpicklableOutputError(TaskbookError, TypeError):
    """A cell's output cannot be pickled: not back from its process, not cached."""

    @classmethod
    def from_name(
        cls, cell: str, name: str, error: BaseException
    ) -> UnpicklableOutputError:
        return cls(
            f"Output {name!r} of {cell} cannot be pickled ({error}), so it cannot "
            f"come back from the isolated process. Drop --isolate process, or "
            f"delete {name!r} at the end of the cell (del {name})."
        )

    @classmethod
    def for_cache(
        cls, name: str, value: object, error: BaseException
    ) -> UnpicklableOutputError:
        """A cell's output cannot be pickled, so its result cannot be cached."""
        return cls(
            f"Output {name!r} ({type(value).__name__}) cannot be pickled ({error}), "
            f"so the cell's result cannot be cached. Delete it at the end of the "
            f"cell (del {name}) or mark the cell `%%task --no-cache`."
        )


class IsolatedCellCrashError(TaskbookError, RuntimeError):
    """The process of an isolated cell died without answering (killed, segfault)."""

    @classmethod
    def from_exit(cls, cell: str, code: int, stderr: str) -> IsolatedCellCrashError:
        return cls(
            f"{cell} crashed in its isolated process (exit code {code}): "
            f"{stderr.strip()[-2000:]} Fix what the error says, or run the cell "
            f"without --isolate process to debug it in the kernel."
        )


class CellExitError(TaskbookError):
    """A cell raised ``SystemExit`` with a failure code: the notebook run stops there.

    papermill's convention: ``SystemExit(0)`` or ``SystemExit()`` is a success.
    """

    def __init__(self, message: str, code: int | str | None = None) -> None:
        super().__init__(message)
        self.code = code

    @classmethod
    def from_code(cls, cell: str, code: int | str | None) -> CellExitError:
        return cls(
            f"{cell} raised SystemExit({code!r}), which stops the run as a failure. "
            f"Raise SystemExit(0) to stop it as a success.",
            code,
        )


class SchedulerUnreachableError(TaskbookError, ConnectionError):
    """No Dask scheduler answers at the address a run was given."""

    @classmethod
    def from_address(
        cls, address: str, error: BaseException
    ) -> SchedulerUnreachableError:
        return cls(
            f"Cannot reach a Dask scheduler at {address!r} ({error}). Start the "
            f"cluster or fix the address; leave --address out to run on a "
            f"LocalCluster started for the run."
        )


class ParameterTypeError(TaskbookError, TypeError):
    """Flow parameters failed validation."""

    @classmethod
    def from_validation(cls, flow: str, details: str) -> ParameterTypeError:
        return cls(
            f"Flow run received invalid parameters for flow {flow!r}:\n{details}\n"
            f"Pass values of the annotated types, or set validate_parameters=False."
        )


class SignatureMismatchError(TaskbookError, TypeError):
    """A call's arguments do not bind to the function's signature."""

    @classmethod
    def from_bind_error(
        cls, function: str, error: TypeError, signature: str
    ) -> SignatureMismatchError:
        return cls(
            f"Call of {function!r} does not match its signature {function}{signature}: "
            f"{error}. Pass the arguments the function declares."
        )


class MappingLengthMismatch(TaskbookError, ValueError):
    """Iterables passed to ``.map()`` have different lengths."""

    @classmethod
    def from_lengths(cls, lengths: dict[str, int]) -> MappingLengthMismatch:
        return cls(
            f"Received iterable parameters with different lengths. Parameters for "
            f"map must all be the same length. Got lengths: {lengths}. Wrap a "
            f"parameter in unmapped(...) to pass it whole to every call."
        )


class MappingMissingIterable(TaskbookError, ValueError):
    """``.map()`` was called without any iterable argument."""

    @classmethod
    def from_parameters(cls, parameters: dict[str, Any]) -> MappingMissingIterable:
        return cls(
            f"No iterable parameters were received. Parameters for map must include "
            f"at least one iterable. Parameters: {parameters!r}"
        )


class UnpicklableInputError(TaskbookError, TypeError):
    """A task's function or inputs cannot be shipped to another process."""

    @classmethod
    def from_call(
        cls, task: str, parameters: dict[str, Any], error: BaseException
    ) -> UnpicklableInputError:
        import cloudpickle

        culprit = "the task function"
        for name, value in parameters.items():
            try:
                cloudpickle.dumps(value)
            except Exception:  # any pickling failure identifies the culprit
                culprit = f"input {name!r} ({type(value).__name__}: {_short(value)})"
                break
        return cls(
            f"Task {task!r} cannot run in another process: {culprit} cannot be "
            f"pickled ({error}). Pass picklable values, or run the task with "
            f"ThreadPoolTaskRunner."
        )


class RunNotFoundError(TaskbookError, KeyError):
    """No run with the given id is in the store."""

    @classmethod
    def from_id(cls, run_id: str, store: str) -> RunNotFoundError:
        return cls(
            f"No run with id {run_id!r} in the run store at {store}. "
            f"List runs with taskbook.runs()."
        )

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class StoreError(TaskbookError):
    """The run store cannot be opened or written."""

    @classmethod
    def from_path(cls, path: str, error: BaseException) -> StoreError:
        return cls(
            f"Cannot open the run store at {path}: {error}. Check the directory is "
            f"writable, or point TASKBOOK_HOME at another directory."
        )


class MissingDependencyError(TaskbookError, ImportError):
    """An optional dependency is missing."""

    @classmethod
    def from_extra(cls, module: str, extra: str) -> MissingDependencyError:
        return cls(
            f"{module} is required for this feature but is not installed. "
            f'Install it with: pip install "taskbook[{extra}]"'
        )


class TaskRunTimeoutError(TimeoutError):
    """A task attempt exceeded its ``timeout_seconds``."""

    @classmethod
    def from_timeout(cls, name: str, seconds: float) -> TaskRunTimeoutError:
        # Prefect's wording; the run's name is in the log line and the state.
        return cls(f"Task run exceeded timeout of {seconds} second(s)")


class FlowRunTimeoutError(TimeoutError):
    """A flow run exceeded its ``timeout_seconds``."""

    @classmethod
    def from_timeout(cls, name: str, seconds: float) -> FlowRunTimeoutError:
        return cls(f"Flow run exceeded timeout of {seconds} second(s)")


class TaskbookWarning(UserWarning):
    """Base of taskbook's warnings."""


class UnpersistableResultWarning(TaskbookWarning):
    """A result could not be serialized into the cache; the task still succeeds."""

    @classmethod
    def from_value(cls, task: str, value: Any, error: BaseException) -> str:
        return (
            f"The result of task {task!r} ({type(value).__name__}: {_short(value)}) "
            f"cannot be stored in the cache ({error}); the task completed but will "
            f"not be cached. Return a picklable value, or set persist_result=False "
            f"(or cache_policy=NO_CACHE) on the task."
        )


class UnhashableInputsWarning(TaskbookWarning):
    """Inputs could not be hashed for a cache key; the task runs uncached."""

    @classmethod
    def from_inputs(cls, task: str, name: str, error: BaseException) -> str:
        return (
            f"Input {name!r} of task {task!r} cannot be hashed for the cache key "
            f"({error}); the task will run without caching. Exclude it with "
            f"cache_policy=INPUTS - {name!r} (plus other policies), or pass a "
            f"cache_key_fn."
        )


class CorruptCacheEntryWarning(TaskbookWarning):
    """A cache entry could not be read and was treated as a miss."""

    @classmethod
    def from_key(cls, key: str, error: BaseException) -> str:
        return (
            f"Cache entry {key!r} is corrupt ({error}); it was removed and the task "
            f"runs again. Nothing to do unless this repeats: then clear the cache "
            f"directory."
        )


class AbandonedThreadWarning(TaskbookWarning):
    """A timed-out sync task kept running in a thread that could not be stopped."""

    @classmethod
    def from_task(cls, task: str, seconds: float) -> str:
        return (
            f"Task {task!r} timed out after {seconds} s but its thread is blocked in "
            f"code that cannot be interrupted; the thread was abandoned and may keep "
            f"running. Use --isolate process (ProcessPoolTaskRunner) for a hard kill."
        )


class NotebookGraphWarning(TaskbookWarning):
    """A notebook's dependencies rely on hidden state or a star-import barrier."""


def _short(value: Any, limit: int = 60) -> str:
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not hide the real warning
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."
