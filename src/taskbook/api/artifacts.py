"""Artifacts in the run store: record one for the current run, update one, read them back.

Every artifact is an ``ArtifactCreated`` event on the session's bus, which the run
store writes, masked for secrets. An update publishes the event again under the
same id, with the first one's run and time, so the row is replaced in place (Prefect
updates progress artifacts in place rather than versioning them). An artifact made
outside any run is stored without one, with Prefect's ``FutureWarning``.
"""

from __future__ import annotations

import re
import uuid
import warnings
from typing import Any

from taskbook.core.events import ArtifactCreated
from taskbook.engine.context import flow_run_ctx, task_run_ctx
from taskbook.engine.session import Session, session_for_runs
from taskbook.errors import ArtifactNotFoundError, InvalidArtifactKeyError

__all__ = ("check_key", "latest", "read", "record", "update")

_KEY = re.compile(r"^[a-z0-9-]*$")  # Prefect's rule; it lets the empty key through
_OUTSIDE_A_RUN = (
    "Artifact creation outside of a flow or task run is deprecated and will be "
    "removed in a later version."
)


def check_key(key: object) -> None:
    """Raise ``InvalidArtifactKeyError`` unless ``key`` is None or follows Prefect's rule."""
    if key is not None and (not isinstance(key, str) or not _KEY.match(key)):
        raise InvalidArtifactKeyError.from_key(key)


def _session() -> Session:
    tctx = task_run_ctx.get()
    fctx = flow_run_ctx.get()
    return tctx.session if tctx else fctx.session if fctx else session_for_runs()


def record(
    kind: str | None,
    data: Any,
    key: str | None = None,
    description: str | None = None,
    *,
    flow_run_id: str | None = None,
    task_run_id: str | None = None,
) -> uuid.UUID:
    """Record an artifact for the current run (or the run ids given); return its id."""
    check_key(key)
    tctx = task_run_ctx.get()
    fctx = flow_run_ctx.get()
    if tctx is None and fctx is None:
        # record <- _save <- create_* or .create <- async_dispatch <- the caller
        warnings.warn(_OUTSIDE_A_RUN, FutureWarning, stacklevel=5)
    session = _session()
    artifact_id = uuid.uuid4()
    session.bus.publish(
        ArtifactCreated(
            artifact_id=str(artifact_id),
            key=key,
            type=kind or "",
            data=data,
            description=description,
            flow_run_id=flow_run_id or (fctx.flow_run.id if fctx else None),
            task_run_id=task_run_id or (tctx.task_run.id if tctx else None),
            ts=session.clock.now(),
        )
    )
    return artifact_id


def update(
    artifact_id: uuid.UUID | str, data: Any, description: str | None = None
) -> uuid.UUID:
    """Replace the data (and the description, when given) of a stored artifact.

    Raises:
        ArtifactNotFoundError: No artifact in the run store has this id.
    """
    session = _session()
    row = read(artifact_id, session)
    if row is None:
        raise ArtifactNotFoundError.from_id(artifact_id, str(session.store.path))
    session.bus.publish(
        ArtifactCreated(
            artifact_id=row["id"],
            key=row["key"],
            type=row["type"],
            data=data,
            description=description or row["description"],
            flow_run_id=row["flow_run_id"],
            task_run_id=row["task_run_id"],
            ts=row["created"],
        )
    )
    return uuid.UUID(row["id"])


def read(
    artifact_id: uuid.UUID | str, session: Session | None = None
) -> dict[str, Any] | None:
    """Return the stored row of an artifact (its data as stored JSON), or None."""
    store = (session or _session()).store
    rows = store.query("SELECT * FROM artifacts WHERE id = ?", (str(artifact_id),))
    return dict(rows[0]) if rows else None


def latest(key: str | None) -> dict[str, Any] | None:
    """Return the newest stored row of ``key`` (of any artifact when None), or None."""
    store = _session().store
    where, args = ("WHERE key = ?", (key,)) if key is not None else ("", ())
    rows = store.query(
        f"SELECT * FROM artifacts {where} ORDER BY created DESC, rowid DESC LIMIT 1",
        args,
    )
    return dict(rows[0]) if rows else None
