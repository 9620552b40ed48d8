"""Live views of runs in the notebook: state graph, Gantt, parameter form, history.

The only package that imports ipywidgets, anywidget and plotly; it never imports
IPython or ipykernel (the kernel comes in as a ``Host``, see ``bridge.kernel_host``).
The pure modules (``viewmodel``, ``details``, ``layout``, ``edges``, ``records``,
``svg``, ``static``, ``form_model``) import none of them; the names below load
lazily.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from taskbook.widgets.bridge import kernel_host
    from taskbook.widgets.form_widget import ParameterForm
    from taskbook.widgets.history_widget import history_view
    from taskbook.widgets.live import LiveView, show_run

__all__ = ("LiveView", "ParameterForm", "history_view", "kernel_host", "show_run")

_HOME = {
    "LiveView": "taskbook.widgets.live",
    "show_run": "taskbook.widgets.live",
    "ParameterForm": "taskbook.widgets.form_widget",
    "history_view": "taskbook.widgets.history_widget",
    "kernel_host": "taskbook.widgets.bridge",
}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'taskbook.widgets' has no attribute {name!r}")
    from importlib import import_module

    try:
        value = getattr(import_module(module), name)
    except ImportError as exc:
        from taskbook.errors import MissingDependencyError

        raise MissingDependencyError.from_extra(
            exc.name or "ipywidgets", "widgets"
        ) from exc
    globals()[name] = value
    return value
