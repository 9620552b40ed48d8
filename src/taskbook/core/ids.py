"""Typed identifiers, so a task-run id can never be passed where a flow-run id is due."""

from __future__ import annotations

from typing import NewType

TaskRunId = NewType("TaskRunId", str)
FlowRunId = NewType("FlowRunId", str)
CacheKey = NewType("CacheKey", str)
ArtifactId = NewType("ArtifactId", str)
