"""``%load_ext taskbook``: register the magics, remember the cells the user runs.

Also sets how the shell shows taskbook's problems (``jupyter.problems``) and, in
a kernel, masks secrets in what it sends (``jupyter.secret_outputs``) and serves
the JupyterLab extension's comm (``jupyter.labext``). Loading
twice is harmless (the second load is a no-op); unloading removes the hooks. The
kernel-side state lives on the magics instance, not in a global.
"""

from __future__ import annotations

from typing import Any

from taskbook.jupyter import labext, problems, secret_outputs
from taskbook.jupyter.kernel import KernelSide
from taskbook.jupyter.magics import TaskbookMagics

__all__ = ("load", "unload")

_ATTRIBUTE = "_taskbook_magics"


def load(shell: Any) -> None:
    """Register ``%%task``, ``%%params`` and ``%flow`` on ``shell``."""
    if getattr(shell, _ATTRIBUTE, None) is not None:
        return
    side = KernelSide(shell, live_view=lambda: bool(magics.live_view))
    magics = TaskbookMagics(shell, side)
    shell.register_magics(magics)

    def remember(info: Any) -> None:
        source = getattr(info, "raw_cell", "") or ""
        first = source.lstrip().split("\n", 1)[0]
        if first.startswith(("%%task", "%%params")):
            return  # recorded by the magic itself, with its final source
        parent = side.kernel.get_parent() if side.kernel is not None else {}
        side.record_plain_cell(parent, source)

    hooks = {
        "pre_run_cell": (remember, side.views.cell_started),
        "post_run_cell": (side.views.cell_finished,),
    }
    for event, callbacks in hooks.items():
        for callback in callbacks:
            shell.events.register(event, callback)
    side.views.warm_up()
    problems.install(shell)
    unmask = secret_outputs.install(side.kernel)
    channel = labext.connect(side)
    setattr(shell, _ATTRIBUTE, (magics, hooks, channel, unmask))


def unload(shell: Any) -> None:
    """Remove the cell hook (IPython keeps registered magics until restart)."""
    registered = getattr(shell, _ATTRIBUTE, None)
    if registered is None:
        return
    _magics, hooks, channel, unmask = registered
    for event, callbacks in hooks.items():
        for callback in callbacks:
            shell.events.unregister(event, callback)
    problems.uninstall(shell)
    unmask()
    labext.disconnect(channel)
    setattr(shell, _ATTRIBUTE, None)
