"""Wire the JupyterLab extension's comm into the kernel (``%load_ext taskbook``).

Registers the comm target (a tab that attaches later opens a comm to it) and
opens one comm towards the frontend (a tab already showing the notebook gets the
badges at once). The editor's cells sent over the comm become the notebook that
``%flow`` runs. Only in a kernel: a terminal IPython has no frontend to talk to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskbook.core.cells import SourceCell, classify_all
from taskbook.errors import TaskbookError
from taskbook.protocol.channel import Channel
from taskbook.protocol.messages import COMM_TARGET, SourcesMessage, TaskInfo

if TYPE_CHECKING:
    from taskbook.jupyter.kernel import KernelSide

__all__ = ("connect", "disconnect")


def connect(side: KernelSide) -> Channel | None:
    """Serve the extension's comm for ``side``'s kernel; None outside a kernel."""
    if side.kernel is None:
        return None
    import comm

    from taskbook.engine.session import get_session

    def registry() -> list[tuple[TaskInfo, str]]:
        try:
            source = side.executed.current(side.shell.user_ns)
            specs = classify_all(source.cells)
        except TaskbookError:  # an unreadable file: no badges until it reads
            return []
        return [
            (TaskInfo(s.cell.id, s.name, s.kind), s.cell.source)
            for s in specs
            if s.kind != "control"
        ]

    def on_sources(message: SourcesMessage) -> None:
        cells = tuple(
            SourceCell(c.id, c.index, c.source, tuple(c.tags)) for c in message.cells
        )
        side.executed.use_editor(cells)

    def settle() -> None:  # the sidebar reads the run's records when it ends
        get_session().store.flush()

    channel = Channel(get_session().bus.subscribe, registry, on_sources, settle=settle)
    manager = comm.get_comm_manager()

    def opened(frontend_comm: Any, _message: Any) -> None:
        channel.attach(frontend_comm)

    manager.register_target(COMM_TARGET, opened)
    # A tab that has the notebook open already: it registered the target, and
    # answers with a close if it has no taskbook extension.
    channel.attach(comm.create_comm(target_name=COMM_TARGET, data={"type": "hello"}))
    return channel


def disconnect(channel: Channel | None) -> None:
    """Stop serving the comm (``%unload_ext taskbook``)."""
    if channel is None:
        return
    import comm

    comm.get_comm_manager().unregister_target(COMM_TARGET, None)
    channel.close()
