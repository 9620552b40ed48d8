"""Every exception, warning and control-flow signal taskbook raises.

Users catch these by Prefect's names where Prefect has one. Each error a user can trigger
has its own class, derives the matching builtin, and builds its message (fact, then fix)
in a ``from_...`` classmethod. Import them from here; the private modules hold them by
family: ``_base`` (the roots), ``_configuration``, ``_loading``, ``_export``,
``_execution``, ``_blocks``, ``_artifacts``, ``_transactions`` and ``_warnings``.
Those Prefect names also derive ``PrefectException`` (marked ᴾ below; a subclass
of one is one too), so ``except PrefectException`` catches what it catches under
Prefect.

    BaseException
    ├── TaskbookSignal                 control flow; gets past ``except Exception``
    │   └── CancelRun                  a run was cancelled (interrupt, cancel request)
    └── Exception
        ├── TaskbookError
        │   ├── PrefectException       base of the ᴾ classes: Prefect's names
        │   ├── ObjectNotFound         ᴾ a lookup by name or id found nothing
        │   │   └── RunNotFoundError (KeyError)          no run with that id in the store
        │   ├── ObjectAlreadyExists    ᴾ Prefect's 409; taskbook raises ValueErrors
        │   ├── FailedRun              ᴾ a run ended Failed (``State.result()``)
        │   ├── CrashedRun             ᴾ a run ended Crashed
        │   ├── CancelledRun           ᴾ a run ended Cancelled
        │   ├── UnfinishedRun          ᴾ ``State.result()`` on a state that is not final
        │   ├── UpstreamTaskError      ᴾ an upstream task did not complete (NotReady)
        │   ├── MissingResult          ᴾ a state carries no result (not persisted)
        │   ├── ConfigurationError (ValueError)          ᴾ
        │   │   ├── InvalidOptionError (TypeError too)   bad @task/@flow option
        │   │   ├── InvalidNameError                     banned character in a name
        │   │   ├── ReservedArgumentError (TypeError)    ``return_state``/``wait_for`` as parameter
        │   │   ├── RunNameTemplateError                 run-name template names no parameter
        │   │   ├── RunNameTypeError (TypeError too)     a run-name callable returned no str
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
        │   │   ├── CachePolicyError (TypeError too)     ``policy - x`` with x not an input name
        │   │   ├── CachePolicyConflictError             policies added with different settings
        │   │   ├── IsolationLevelNotSupportedError      SERIALIZABLE without a lock manager
        │   │   ├── InvalidIsolationLevelError           neither READ_COMMITTED nor SERIALIZABLE
        │   │   ├── MissingLockManagerError              a lock asked of a store without one
        │   │   ├── InvalidCronError                     a schedule's cron expression is unreadable
        │   │   ├── InvalidIntervalError                 a schedule's interval is not positive
        │   │   ├── InvalidRRuleError                    a schedule's rrule is unreadable
        │   │   ├── UnknownTimeZoneError (KeyError too)  --tz names no IANA zone
        │   │   ├── InvalidScheduleError                 schedule options that do not fit together
        │   │   ├── UnknownScheduleError (KeyError too)  no schedule with that name
        │   │   ├── DuplicateScheduleError               a schedule name that is taken
        │   │   ├── FlowEntrypointError                  a file.py:flow that cannot be loaded
        │   │   │   ├── MissingFlowError                 ᴾ NAME is no @flow in the file
        │   │   │   └── ScriptError                      ᴾ the file raised on import
        │   │   ├── UnservableFlowError                  flow.serve of a flow defined in no .py file
        │   │   ├── UnknownExportTargetError (KeyError too)  ``export --target`` names no exporter
        │   │   ├── UntranslatableMagicError             IPython syntax an export cannot carry
        │   │   ├── NotebookGlobalError                  a function reads a notebook variable
        │   │   ├── ExportConflictError                  two cells give one name two meanings
        │   │   ├── UnparsableCellError                  a cell to export does not parse
        │   │   ├── SecretInExportError                  an export would hold a secret's value
        │   │   ├── UnexportableImportError (ImportError too)  a taskbook name the target lacks
        │   │   └── RetentionValueError                  a taskbook gc limit that cannot be read
        │   ├── UnreadableNotebookError (ValueError)     a notebook file that cannot be read
        │   ├── UnwritableOutputError (OSError)          an output file that cannot be written
        │   ├── MissingInputError (NameError)            a cell's input is not in the namespace
        │   ├── MissingOutputFileError (FileNotFoundError)  a --makes file:PATH a cell did not write
        │   ├── UnpicklableOutputError (TypeError)       a cell's output can't be pickled
        │   ├── IsolatedCellCrashError (RuntimeError)    an isolated cell's process died
        │   ├── CellExitError (RuntimeError)             a cell raised SystemExit(code != 0)
        │   ├── CellFailedError                          a task cell or %flow run failed
        │   ├── SchedulerUnreachableError (ConnectionError)  no Dask scheduler at --address
        │   ├── ServeAlreadyRunningError (RuntimeError)  a second ``taskbook serve`` on one store
        │   ├── ParameterTypeError (TypeError)           ᴾ flow parameters failed validation
        │   ├── SignatureMismatchError (TypeError)       ᴾ arguments that do not fit
        │   │   └── ParameterBindError                   ᴾ a call does not bind to the function
        │   ├── NoExceptionError (ValueError, TypeError)  a state with no exception to get
        │   ├── IncompleteResultError (RuntimeError)     a future to resolve did not complete
        │   ├── MappingLengthMismatch (ValueError)       ᴾ
        │   ├── MappingMissingIterable (ValueError)      ᴾ
        │   ├── UnpicklableInputError (TypeError)        inputs can't go to a process
        │   ├── InvalidArtifactKeyError (ValueError)     an artifact key with banned characters
        │   ├── ArtifactDataError (ValueError, TypeError)  artifact data of the wrong type
        │   ├── ArtifactNotFoundError (KeyError)         update_progress_artifact of an unknown id
        │   ├── StoreError                               run store unusable
        │   │   └── StoreUnwritableError (OSError)       its disk is full or read-only
        │   ├── CacheError (OSError)                     result cache cannot be written
        │   ├── MissingContextError (RuntimeError)       ᴾ get_run_logger() outside a run
        │   ├── InvalidTimeoutError (ValueError)         a negative timeout to wait for futures
        │   ├── HashError (ValueError)                   ᴾ a value neither JSON nor pickle encodes
        │   │   └── InputHashError                       ... and it is this task input
        │   ├── MissingDependencyError (ImportError)     an optional extra is not installed
        │   ├── BlockNotFoundError (ValueError)          Block.load of a name never saved
        │   ├── BlockNameInUseError (ValueError)         Block.save of a saved name, no overwrite
        │   ├── InvalidBlockNameError (ValueError)       a block/variable/limit name with bad characters
        │   ├── UnknownBlockTypeError (ValueError)       Block.load("type/name") of an unknown type
        │   ├── LockNotHeldError (ValueError)            a lock released by who does not hold it
        │   ├── VariableExistsError (ValueError)         Variable.set of an existing name, no overwrite
        │   ├── VariableValueError (TypeError)           Variable.set of a value JSON cannot hold
        │   ├── NotificationError (ConnectionError)      a notification failed after its retries
        │   ├── ConcurrencyLimitNotFoundError (KeyError) a concurrency limit that does not exist
        │   ├── ConcurrencyOccupyError (ValueError)      occupy < 1 or above the limit
        │   ├── RateLimitWithoutDecayError (ValueError)  rate_limit on a limit without slot decay
        │   ├── InvalidSlotDecayError (ValueError)       a negative or non-number slot decay
        │   └── AcquireConcurrencySlotTimeoutError (TimeoutError)  no free slot in time
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

from taskbook.errors._artifacts import (
    ArtifactDataError,
    ArtifactNotFoundError,
    InvalidArtifactKeyError,
)
from taskbook.errors._base import (
    CancelRun,
    ObjectAlreadyExists,
    ObjectNotFound,
    PrefectException,
    TaskbookError,
    TaskbookSignal,
    TaskbookWarning,
)
from taskbook.errors._blocks import (
    AcquireConcurrencySlotTimeoutError,
    BlockNameInUseError,
    BlockNotFoundError,
    ConcurrencyLimitNotFoundError,
    ConcurrencyOccupyError,
    InvalidBlockNameError,
    InvalidSlotDecayError,
    NotificationError,
    RateLimitWithoutDecayError,
    UnknownBlockTypeError,
    VariableExistsError,
    VariableValueError,
)
from taskbook.errors._configuration import (
    CachePolicyError,
    ConfigurationError,
    DependencyCycleError,
    DuplicateScheduleError,
    DuplicateTaskNameError,
    HiddenStateError,
    InvalidCronError,
    InvalidIntervalError,
    InvalidNameError,
    InvalidOptionError,
    InvalidRRuleError,
    InvalidScheduleError,
    NoParametersCellError,
    ParameterSourceError,
    ParameterValueError,
    ReservedArgumentError,
    RetentionValueError,
    RunInProgressError,
    RunNameTemplateError,
    RunNameTypeError,
    UnknownMagicOptionError,
    UnknownParameterError,
    UnknownScheduleError,
    UnknownTaskError,
    UnknownTimeZoneError,
    UnservableFlowError,
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
    IncompleteResultError,
    InputHashError,
    InvalidTimeoutError,
    IsolatedCellCrashError,
    MappingLengthMismatch,
    MappingMissingIterable,
    MissingContextError,
    MissingDependencyError,
    MissingInputError,
    MissingOutputFileError,
    MissingResult,
    NoExceptionError,
    ParameterBindError,
    ParameterTypeError,
    RunNotFoundError,
    SchedulerUnreachableError,
    ServeAlreadyRunningError,
    SignatureMismatchError,
    StoreError,
    StoreUnwritableError,
    TaskRunTimeoutError,
    UnfinishedRun,
    UnpicklableInputError,
    UnpicklableOutputError,
    UnreadableNotebookError,
    UnwritableOutputError,
    UpstreamTaskError,
)
from taskbook.errors._export import (
    ExportConflictError,
    NotebookGlobalError,
    SecretInExportError,
    UnexportableImportError,
    UnknownExportTargetError,
    UnparsableCellError,
    UntranslatableMagicError,
)
from taskbook.errors._loading import (
    FlowEntrypointError,
    MissingFlowError,
    ScriptError,
)
from taskbook.errors._transactions import (
    CachePolicyConflictError,
    InvalidIsolationLevelError,
    IsolationLevelNotSupportedError,
    LockNotHeldError,
    MissingLockManagerError,
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
    "AcquireConcurrencySlotTimeoutError",
    "ArtifactDataError",
    "ArtifactNotFoundError",
    "BlockNameInUseError",
    "BlockNotFoundError",
    "CacheError",
    "CachePolicyConflictError",
    "CachePolicyError",
    "CacheWriteWarning",
    "CancelRun",
    "CancelledRun",
    "CellExitError",
    "CellFailedError",
    "ConcurrencyLimitNotFoundError",
    "ConcurrencyOccupyError",
    "ConfigurationError",
    "CorruptCacheEntryWarning",
    "CorruptCacheFileWarning",
    "CrashedRun",
    "DependencyCycleError",
    "DuplicateScheduleError",
    "DuplicateTaskNameError",
    "ExportConflictError",
    "FailedRun",
    "FlowEntrypointError",
    "FlowRunTimeoutError",
    "HashError",
    "HiddenStateError",
    "IncompleteResultError",
    "InputHashError",
    "InvalidArtifactKeyError",
    "InvalidBlockNameError",
    "InvalidCronError",
    "InvalidIntervalError",
    "InvalidIsolationLevelError",
    "InvalidNameError",
    "InvalidOptionError",
    "InvalidRRuleError",
    "InvalidScheduleError",
    "InvalidSlotDecayError",
    "InvalidTimeoutError",
    "IsolatedCellCrashError",
    "IsolationLevelNotSupportedError",
    "LockNotHeldError",
    "MappingLengthMismatch",
    "MappingMissingIterable",
    "MissingContextError",
    "MissingDependencyError",
    "MissingFlowError",
    "MissingInputError",
    "MissingLockManagerError",
    "MissingOutputFileError",
    "MissingResult",
    "NoExceptionError",
    "NoParametersCellError",
    "NotebookGlobalError",
    "NotebookGraphWarning",
    "NotificationError",
    "ObjectAlreadyExists",
    "ObjectNotFound",
    "ParameterBindError",
    "ParameterSourceError",
    "ParameterTypeError",
    "ParameterValueError",
    "PrefectException",
    "RateLimitWithoutDecayError",
    "ReservedArgumentError",
    "RetentionValueError",
    "RunInProgressError",
    "RunNameTemplateError",
    "RunNameTypeError",
    "RunNotFoundError",
    "SchedulerUnreachableError",
    "ScriptError",
    "SecretInExportError",
    "ServeAlreadyRunningError",
    "SignatureMismatchError",
    "StoreError",
    "StoreUnwritableError",
    "TaskRunTimeoutError",
    "TaskbookError",
    "TaskbookSignal",
    "TaskbookWarning",
    "UnexportableImportError",
    "UnfinishedRun",
    "UnhashableInputsWarning",
    "UnknownBlockTypeError",
    "UnknownExportTargetError",
    "UnknownMagicOptionError",
    "UnknownParameterError",
    "UnknownScheduleError",
    "UnknownTaskError",
    "UnknownTimeZoneError",
    "UnparsableCellError",
    "UnpersistableResultWarning",
    "UnpicklableInputError",
    "UnpicklableOutputError",
    "UnreadableNotebookError",
    "UnservableFlowError",
    "UntranslatableMagicError",
    "UnwritableOutputError",
    "UpstreamTaskError",
    "VariableExistsError",
    "VariableValueError",
)
