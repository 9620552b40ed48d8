"""Exceptions under Prefect's module name (``from taskbook.exceptions import ...``)."""

from __future__ import annotations

from taskbook.errors import (
    CancelledRun,
    CrashedRun,
    FailedRun,
    FlowRunTimeoutError,
    InvalidNameError,
    MappingLengthMismatch,
    MappingMissingIterable,
    MissingContextError,
    MissingResult,
    ParameterTypeError,
    ReservedArgumentError,
    TaskRunTimeoutError,
    UnfinishedRun,
    UpstreamTaskError,
)

__all__ = (
    "CancelledRun",
    "CrashedRun",
    "FailedRun",
    "FlowRunTimeoutError",
    "InvalidNameError",
    "MappingLengthMismatch",
    "MappingMissingIterable",
    "MissingContextError",
    "MissingResult",
    "ParameterTypeError",
    "ReservedArgumentError",
    "TaskRunTimeoutError",
    "UnfinishedRun",
    "UpstreamTaskError",
)
