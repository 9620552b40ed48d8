"""Every exception, warning and control-flow signal taskbook raises.

Users catch these by Prefect's names where Prefect has one. Each error a user can trigger
has its own class, derives the matching builtin, and builds its message (fact, then fix)
in a ``from_...`` classmethod. Import them from here; the private modules hold them by
family: ``_base`` (the roots), ``_configuration``, ``_execution`` and ``_warnings``.

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
        │   │   ├── UnknownTaskError (KeyError too)      an option names no task
        │   │   ├── UnknownMagicOptionError              a %%task/%flow flag that does not exist
        │   │   ├── HiddenStateError                     a cell reads a name no earlier cell defines
        │   │   ├── UnknownParameterError (KeyError too) -p NAME the notebook does not declare
        │   │   ├── ParameterValueError (TypeError too)  a parameter value of the wrong type/range
        │   │   │   └── ParameterSourceError             a -f/-y/-b value that is no mapping
        │   │   ├── NoParametersCellError                -p on a notebook without parameters cell
        │   │   ├── RunInProgressError                   a run started while another one runs
        │   │   ├── RetentionValueError                  a taskbook gc limit that cannot be read
        │   │   └── CachePolicyError (TypeError too)     ``policy - x`` with x not an input name
        │   ├── UnreadableNotebookError (ValueError)     a notebook file that cannot be read
        │   ├── MissingInputError (NameError)            a cell's input is not in the namespace
        │   ├── MissingOutputFileError (FileNotFoundError)  a --makes file:PATH a cell did not write
        │   ├── UnpicklableOutputError (TypeError)       a cell's output can't be pickled
        │   ├── IsolatedCellCrashError (RuntimeError)    an isolated cell's process died
        │   ├── CellExitError (RuntimeError)             a cell raised SystemExit(code != 0)
        │   ├── CellFailedError                          a task cell or %flow run failed
        │   ├── SchedulerUnreachableError (ConnectionError)  no Dask scheduler at --address
        │   ├── ParameterTypeError (TypeError)           flow parameters failed validation
        │   ├── SignatureMismatchError (TypeError)       call does not bind to the function
        │   ├── MappingLengthMismatch (ValueError)
        │   ├── MappingMissingIterable (ValueError)
        │   ├── UnpicklableInputError (TypeError)        inputs can't go to a process
        │   ├── RunNotFoundError (KeyError)              no run with that id in the store
        │   ├── StoreError                               run store unusable
        │   │   └── StoreUnwritableError (OSError)       its disk is full or read-only
        │   ├── CacheError (OSError)                     result cache cannot be written
        │   ├── MissingContextError (RuntimeError)       get_run_logger() outside a run
        │   ├── HashError (ValueError)                   a value neither JSON nor pickle encodes
        │   │   └── InputHashError                       ... and it is this task input
        │   └── MissingDependencyError (ImportError)     an optional extra is not installed
        └── TimeoutError
            ├── TaskRunTimeoutError    a task attempt exceeded ``timeout_seconds``
            └── FlowRunTimeoutError    a flow run exceeded ``timeout_seconds``
    Warning
    └── TaskbookWarning (UserWarning)
        ├── UnpersistableResultWarning   a result could not be stored in the cache
        ├── UnhashableInputsWarning      inputs could not be hashed: task not cached
        ├── CorruptCacheEntryWarning     a cache entry could not be read: treated as a miss
        ├── CorruptCacheFileWarning      cache.db was no database: moved aside, cache emptied
        ├── CacheWriteWarning            a result could not be written to the cache
        ├── AbandonedThreadWarning       a timed-out thread could not be stopped
        └── NotebookGraphWarning         hidden state or a star-import barrier in a notebook
"""

from __future__ import annotations

from taskbook.errors._base import (
    CancelRun,
    TaskbookError,
    TaskbookSignal,
    TaskbookWarning,
)
from taskbook.errors._configuration import (
    CachePolicyError,
    ConfigurationError,
    DependencyCycleError,
    DuplicateTaskNameError,
    HiddenStateError,
    InvalidNameError,
    InvalidOptionError,
    NoParametersCellError,
    ParameterSourceError,
    ParameterValueError,
    ReservedArgumentError,
    RetentionValueError,
    RunInProgressError,
    RunNameTemplateError,
    UnknownMagicOptionError,
    UnknownParameterError,
    UnknownTaskError,
)
from taskbook.errors._execution import (
    CacheError,
    CancelledRun,
    CellExitError,
    CellFailedError,
    CrashedRun,
    FailedRun,
    FlowRunTimeoutError,
    HashError,
    InputHashError,
    IsolatedCellCrashError,
    MappingLengthMismatch,
    MappingMissingIterable,
    MissingContextError,
    MissingDependencyError,
    MissingInputError,
    MissingOutputFileError,
    MissingResult,
    ParameterTypeError,
    RunNotFoundError,
    SchedulerUnreachableError,
    SignatureMismatchError,
    StoreError,
    StoreUnwritableError,
    TaskRunTimeoutError,
    UnfinishedRun,
    UnpicklableInputError,
    UnpicklableOutputError,
    UnreadableNotebookError,
    UpstreamTaskError,
)
from taskbook.errors._warnings import (
    AbandonedThreadWarning,
    CacheWriteWarning,
    CorruptCacheEntryWarning,
    CorruptCacheFileWarning,
    NotebookGraphWarning,
    UnhashableInputsWarning,
    UnpersistableResultWarning,
)

__all__ = (
    "AbandonedThreadWarning",
    "CacheError",
    "CachePolicyError",
    "CacheWriteWarning",
    "CancelRun",
    "CancelledRun",
    "CellExitError",
    "CellFailedError",
    "ConfigurationError",
    "CorruptCacheEntryWarning",
    "CorruptCacheFileWarning",
    "CrashedRun",
    "DependencyCycleError",
    "DuplicateTaskNameError",
    "FailedRun",
    "FlowRunTimeoutError",
    "HashError",
    "HiddenStateError",
    "InputHashError",
    "InvalidNameError",
    "InvalidOptionError",
    "IsolatedCellCrashError",
    "MappingLengthMismatch",
    "MappingMissingIterable",
    "MissingContextError",
    "MissingDependencyError",
    "MissingInputError",
    "MissingOutputFileError",
    "MissingResult",
    "NoParametersCellError",
    "NotebookGraphWarning",
    "ParameterSourceError",
    "ParameterTypeError",
    "ParameterValueError",
    "ReservedArgumentError",
    "RetentionValueError",
    "RunInProgressError",
    "RunNameTemplateError",
    "RunNotFoundError",
    "SchedulerUnreachableError",
    "SignatureMismatchError",
    "StoreError",
    "StoreUnwritableError",
    "TaskRunTimeoutError",
    "TaskbookError",
    "TaskbookSignal",
    "TaskbookWarning",
    "UnfinishedRun",
    "UnhashableInputsWarning",
    "UnknownMagicOptionError",
    "UnknownParameterError",
    "UnknownTaskError",
    "UnpersistableResultWarning",
    "UnpicklableInputError",
    "UnpicklableOutputError",
    "UnreadableNotebookError",
    "UpstreamTaskError",
)
