"""taskbook: workflow orchestration that lives inside the Jupyter notebook.

Prefect 3's model (flows, tasks, states, retries, caching) with no server. This
module re-exports the public API only; ``%load_ext taskbook`` loads the notebook
extension lazily, so ``import taskbook`` never imports IPython.
"""

from __future__ import annotations

from typing import Any as _Any  # private: keeps ``taskbook.Any`` out of the API

from taskbook.api import serving as _serving
from taskbook.api.flows import Flow, flow
from taskbook.api.history import get_run, runs
from taskbook.api.serving import serve
from taskbook.api.tasks import Task, task
from taskbook.core.parameter_specs import Param
from taskbook.core.states import State, StateType
from taskbook.engine.annotations import allow_failure, unmapped
from taskbook.engine.context import tags
from taskbook.engine.logs import get_run_logger
from taskbook.engine.transactions import Transaction

__version__ = "0.1.0"

__all__ = (
    "Flow",
    "Param",
    "State",
    "StateType",
    "Task",
    "Transaction",
    "__version__",
    "allow_failure",
    "flow",
    "get_run",
    "get_run_logger",
    "runs",
    "serve",
    "tags",
    "task",
    "unmapped",
)


class _LocalServer:
    """What ``flow.serve`` and ``serve`` use: this store's embedded scheduler.

    Registered here, in the package root, because ``taskbook.api`` may not import
    the scheduler's edges (``taskbook.api.serving`` says why); their modules are
    imported only when a flow is served, so ``import taskbook`` stays fast.
    """

    def schedules(self, **keywords: _Any) -> list[_Any]:
        from taskbook.cli.serve_flows import LocalServer

        return LocalServer().schedules(**keywords)

    def serve(self, deployments: _Any, options: _Any) -> None:
        from taskbook.cli.serve_flows import LocalServer

        LocalServer().serve(deployments, options)


_serving.register_server(_LocalServer())


def load_ipython_extension(ipython: _Any) -> None:
    """Register taskbook's magics (``%load_ext taskbook``)."""
    from taskbook.jupyter.extension import load

    load(ipython)


def unload_ipython_extension(ipython: _Any) -> None:
    """Undo ``load_ipython_extension`` (``%unload_ext taskbook``)."""
    from taskbook.jupyter.extension import unload

    unload(ipython)


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where JupyterLab finds the prebuilt extension (the wheel's shared data)."""
    return [{"src": "labextension", "dest": "taskbook"}]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """The Jupyter server extension: the REST handlers behind the runs sidebar."""
    return [{"module": "taskbook.server"}]
