"""How the notebook shows problems: the user's frames, taskbook's words, calm INFO.

- A traceback that passes through taskbook (a failing ``@flow`` called in a cell)
  shows the user's frames only; ``%xmode --show`` (IPython's switch for hidden
  frames) shows every frame, ``%xmode --hide`` hides them again.
- taskbook's warnings print as ``NotebookGraphWarning: message``, without the
  path and source line of the taskbook module that issued them.
- INFO log lines of runs go to stdout, so Jupyter does not style them as errors.
``install`` sets all three up for a shell; ``uninstall`` puts back what was there.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

from IPython.core.error import UsageError

from taskbook.cellflow.execute import shows_every_frame, user_traceback
from taskbook.engine.logs import send_info_to_stdout
from taskbook.errors import TaskbookWarning

__all__ = ("install", "uninstall")

_SAVED = "_taskbook_problems"


def install(shell: Any) -> None:
    """Show problems in ``shell`` as this module says (once per shell)."""
    if hasattr(shell, _SAVED):
        return
    previous = (shell.custom_exceptions, shell.CustomTB, warnings.showwarning)
    setattr(shell, _SAVED, previous)
    if not shell.custom_exceptions:  # a handler someone else set stays theirs
        shell.set_custom_exc((Exception,), _show_traceback)
    warnings.showwarning = _warning_shower(warnings.showwarning)
    send_info_to_stdout(True)


def uninstall(shell: Any) -> None:
    """Put back the traceback handler, warning display and log streams."""
    previous = getattr(shell, _SAVED, None)
    if previous is None:
        return
    shell.custom_exceptions, shell.CustomTB, warnings.showwarning = previous
    delattr(shell, _SAVED)
    send_info_to_stdout(False)


def _show_traceback(
    shell: Any,
    etype: type[BaseException],
    value: BaseException,
    tb: Any,
    tb_offset: Any = None,
) -> None:
    """Show an exception from a cell with taskbook's frames left out."""
    hidden = 0
    # UsageError and SyntaxError show no frames; some errors render themselves.
    framed = not isinstance(value, (UsageError, SyntaxError)) and not hasattr(
        value, "_render_traceback_"
    )
    if framed and not shows_every_frame(shell):
        tb, hidden = user_traceback(tb)
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
    if hidden:
        sys.stderr.write(
            f"({hidden} frames inside taskbook hidden; %xmode --show shows them)\n"
        )


def _warning_shower(show: Any) -> Any:
    """Wrap ``warnings.showwarning``: taskbook's warnings by their words alone."""

    def show_warning(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: Any = None,
        line: str | None = None,
    ) -> None:
        if not issubclass(category, TaskbookWarning):
            show(message, category, filename, lineno, file, line)
            return
        stream = file if file is not None else sys.stderr
        try:
            stream.write(f"{category.__name__}: {message}\n")
        except OSError:  # as warnings.showwarning: a closed stream loses it
            pass

    return show_warning
