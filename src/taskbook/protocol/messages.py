"""Every message between the kernel and the JupyterLab extension, defined once.

The comm ``COMM_TARGET`` carries JSON objects tagged by ``type``. The extension's
TypeScript types are generated from these classes (``typescript.py``); messages
from the frontend are validated here before the kernel acts on them.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args, get_type_hints

__all__ = (
    "COMM_TARGET",
    "FRONTEND_MESSAGES",
    "KERNEL_MESSAGES",
    "PROTOCOL_VERSION",
    "CellSource",
    "CellState",
    "CellsReply",
    "HelloMessage",
    "RegistryMessage",
    "RunFinishedMessage",
    "SourcesMessage",
    "StatesMessage",
    "TaskInfo",
    "encode",
    "message_type",
    "parse_frontend",
)

COMM_TARGET = "taskbook"
PROTOCOL_VERSION = 1

CellKind = Literal["task", "cell", "params", "control"]


# -- frontend -> kernel ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CellSource:
    """One code cell as the editor has it now (saved or not).

    ``index`` is its position among all cells of the notebook, markdown included
    (plain cells are named ``cell-N`` after it).
    """

    id: str
    index: int
    source: str
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SourcesMessage:
    """The notebook's code cells in order: ``%flow`` runs these from now on."""

    type: Literal["sources"]
    cells: list[CellSource]
    path: str = ""


@dataclass(frozen=True, slots=True)
class HelloMessage:
    """The frontend (re)attached to the kernel: send the registry and the states."""

    type: Literal["hello"]


# -- kernel -> frontend ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaskInfo:
    """A cell of the notebook's DAG: which task (or plain cell) it is."""

    cell_id: str
    name: str
    kind: CellKind


@dataclass(frozen=True, slots=True)
class RegistryMessage:
    """The notebook's cells as the kernel sees them (sent when they change)."""

    type: Literal["registry"]
    version: int
    tasks: list[TaskInfo]


@dataclass(frozen=True, slots=True)
class CellState:
    """What a cell's badge shows: its last run in this kernel.

    ``state`` is the state type (``COMPLETED``, ``RUNNING``...), ``name`` the
    state's name (``Cached``, ``Retrying``...), ``duration`` seconds from the
    first Running to the final state (None while it runs), ``attempts`` the run
    count, ``stale`` whether its source changed since it last completed.
    """

    cell_id: str
    state: str
    name: str
    duration: float | None
    attempts: int
    cached: bool
    stale: bool
    message: str | None
    ts: float


@dataclass(frozen=True, slots=True)
class StatesMessage:
    """Changed badges, coalesced: at most one message per ``interval``."""

    type: Literal["states"]
    cells: list[CellState]


@dataclass(frozen=True, slots=True)
class RunFinishedMessage:
    """A flow run ended (the sidebar reloads its history).

    No message has a top-level ``state`` key: nbclient (papermill, nbconvert)
    takes any comm message with one for widget state.
    """

    type: Literal["run_finished"]
    flow_run_id: str
    state_type: str


# -- server extension -> frontend (REST) ---------------------------------------------


@dataclass(frozen=True, slots=True)
class CellsReply:
    """``GET taskbook/api/cells``: the saved file's cells and their last states.

    What the badges show before the kernel has taskbook loaded (after a kernel
    restart, or when a notebook opens).
    """

    tasks: list[TaskInfo]
    cells: list[CellState]


FRONTEND_MESSAGES = (SourcesMessage, HelloMessage)
KERNEL_MESSAGES = (RegistryMessage, StatesMessage, RunFinishedMessage)


def encode(message: Any) -> dict[str, Any]:
    """Return a message as the JSON object the comm sends."""
    return asdict(message)


def parse_frontend(data: Any) -> SourcesMessage | HelloMessage | None:
    """Validate a message from the frontend; None if it is not one of ours.

    A malformed message is dropped, not raised: it comes from a browser tab the
    kernel cannot answer with an error, and must not break the kernel.
    """
    from pydantic import ValidationError

    kind = data.get("type") if isinstance(data, dict) else None
    adapter = _adapters().get(kind) if isinstance(kind, str) else None
    if adapter is None:
        return None
    try:
        message: SourcesMessage | HelloMessage = adapter.validate_python(data)
    except ValidationError:
        return None
    return message


def message_type(message: type) -> str:
    """Return the ``type`` tag of a message class."""
    return str(get_args(get_type_hints(message)["type"])[0])


@functools.cache
def _adapters() -> dict[str, Any]:
    from pydantic import TypeAdapter

    return {message_type(m): TypeAdapter(m) for m in FRONTEND_MESSAGES}
