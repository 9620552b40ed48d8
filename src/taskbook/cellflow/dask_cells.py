"""Run cells on a Dask cluster (``--runner dask [--address tcp://HOST:PORT]``).

The notebook's namespace stays here: each cell goes to a worker as a ``CellJob``
(its source and the values it reads) and its values and outputs come back, so
states, retries and caching happen in this process as with threads. Without an
address a ``distributed.LocalCluster`` is started for the run and closed after.
Workers run cells in their own working directory.
"""

from __future__ import annotations

import threading
from typing import Any

from taskbook.cellflow.remote import CellJob, finish_job, run_job
from taskbook.engine.runners import DaskTaskRunner
from taskbook.errors import SchedulerUnreachableError

__all__ = ("DaskCells",)

_CONNECT = "10s"
"""How long to try a scheduler before saying it cannot be reached."""


class DaskCells:
    """A connection to a Dask cluster for one notebook run (a context manager).

    Args:
        address: A scheduler address; None starts a ``LocalCluster``.
        max_workers: Worker processes of that LocalCluster (default: 2).
    """

    def __init__(self, address: str | None, max_workers: int | None = None) -> None:
        cluster = {"n_workers": max_workers} if max_workers else None
        self.address = address
        # The engine's Dask runner owns connecting and the LocalCluster's life;
        # here it only lends its client.
        self._runner = DaskTaskRunner(
            address, cluster_kwargs=cluster, client_kwargs={"timeout": _CONNECT}
        )

    def __enter__(self) -> DaskCells:
        try:
            _ = self._runner.client  # connect now: a bad address fails before any cell
        except OSError as error:  # distributed's connect timeout and refusals
            raise SchedulerUnreachableError.from_address(
                self.address or "a new LocalCluster", error
            ) from None
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self._runner.shutdown(wait=exc_type is None)

    def run(self, job: CellJob) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Run ``job`` on a worker; return its values and outputs.

        Raises:
            UnpicklableInputError: An input cannot be sent.
            UnpicklableOutputError: An output cannot come back.
            Exception: What the cell raised, re-raised here.
        """
        future = self._runner.client.submit(run_job, job.pack(), pure=False)
        try:
            answer = _wait(future)
        except BaseException:
            # A timeout or an interrupt reached this thread: the cell is abandoned.
            future.cancel()
            raise
        return finish_job(answer, job)


def _wait(future: Any) -> bytes:
    done = threading.Event()
    future.add_done_callback(lambda _future: done.set())
    # Short waits in a loop: Python code runs between them, so the engine's timeout
    # (an exception injected into this thread) and KeyboardInterrupt get through.
    while not done.wait(0.05):
        pass
    return bytes(future.result())
