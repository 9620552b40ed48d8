"""The session owns what outlives a run, including the runner of ``.submit()``
outside any flow: created on first use, finished and released when it closes."""

from __future__ import annotations

import threading
from pathlib import Path

from taskbook import task
from taskbook.engine.session import Session, set_session


def test_closing_the_session_finishes_runs_submitted_outside_a_flow(
    isolated_home: Path,
) -> None:
    session = Session(home=isolated_home)
    set_session(session)
    started, release = threading.Event(), threading.Event()
    workers: list[threading.Thread] = []

    @task
    def double(x: int) -> int:
        workers.append(threading.current_thread())
        started.set()
        release.wait(10)
        return 2 * x

    future = double.submit(21)
    assert started.wait(10)
    release.set()
    session.close()

    assert future.done()
    assert future.result() == 42
    assert not workers[0].is_alive()
