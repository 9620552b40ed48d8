"""The current run, as Prefect's ``prefect.runtime``: ``runtime.flow_run.id`` etc.

``flow_run``, ``task_run`` and ``deployment`` are modules, as in Prefect (``import
taskbook.runtime.flow_run`` and ``from taskbook.runtime.flow_run import name``
work). Attributes read the run context of the calling thread or task (or the
copy sent with code that runs in another process); outside a run they are None
(``parameters`` and ``tags`` are empty, ``run_count`` is 0), as in Prefect. There
is no server: URLs and every ``deployment`` attribute but ``flow_run_id`` and
``parameters`` are None, as for a Prefect run started without a deployment.
"""

from __future__ import annotations

from taskbook.runtime import deployment, flow_run, task_run

__all__ = ("deployment", "flow_run", "task_run")
