"""Exceptions under Prefect's module name (``from taskbook.exceptions import ...``).

Those Prefect names derive ``PrefectException``. ``ObjectAlreadyExists`` is
raised by nothing (see its docstring); Prefect's signals ``Abort`` and ``Pause``
are absent: taskbook has no server to abort a run against and no pausing.
"""

from __future__ import annotations

from taskbook.errors import (
    CancelledRun,
    ConfigurationError,
    CrashedRun,
    FailedRun,
    FlowRunTimeoutError,
    HashError,
    InvalidNameError,
    MappingLengthMismatch,
    MappingMissingIterable,
    MissingContextError,
    MissingFlowError,
    MissingResult,
    ObjectAlreadyExists,
    ObjectNotFound,
    ParameterBindError,
    ParameterTypeError,
    PrefectException,
    ReservedArgumentError,
    ScriptError,
    SignatureMismatchError,
    TaskRunTimeoutError,
    UnfinishedRun,
    UpstreamTaskError,
)

__all__ = (
    "CancelledRun",
    "ConfigurationError",
    "CrashedRun",
    "FailedRun",
    "FlowRunTimeoutError",
    "HashError",
    "InvalidNameError",
    "MappingLengthMismatch",
    "MappingMissingIterable",
    "MissingContextError",
    "MissingFlowError",
    "MissingResult",
    "ObjectAlreadyExists",
    "ObjectNotFound",
    "ParameterBindError",
    "ParameterTypeError",
    "PrefectException",
    "ReservedArgumentError",
    "ScriptError",
    "SignatureMismatchError",
    "TaskRunTimeoutError",
    "UnfinishedRun",
    "UpstreamTaskError",
)
