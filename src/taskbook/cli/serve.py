"""``taskbook serve``: the embedded scheduler, in the foreground.

One server per store (``schedule.lock``). It sleeps until the next due slot or
until woken (a run ended, a schedule changed, a signal); at most ``MAX_SLEEP``
seconds, so a wall-clock jump or a suspended machine is noticed within a minute.
SIGTERM or Ctrl-C stops launching, lets running runs finish for ``--grace``
seconds, then cancels them and records that; exit code 0.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from taskbook.cli.errors import debug_option

if TYPE_CHECKING:
    from taskbook.schedule.lock import ServeLock

__all__ = ("MAX_SLEEP", "RUN_MODULES", "run_server", "serve")

MAX_SLEEP = 60.0
RUN_MODULES = ("taskbook.cli.slot", "taskbook.cli.main", "taskbook.cellflow.headless")
"""What the fork server imports once, so a forked run starts without importing."""


def _say(line: str) -> None:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    click.echo(f"{stamp} {line}")
    sys.stdout.flush()


@click.command("serve")
@click.option(
    "--grace",
    type=click.FloatRange(min=0),
    default=30.0,
    show_default=True,
    metavar="S",
    help="After SIGTERM: seconds running runs may take to finish before they are cancelled.",
)
@debug_option
def serve(grace: float) -> None:
    """Fire the schedules of this project's store until stopped (SIGTERM, Ctrl-C)."""
    from taskbook.engine.home import find_home
    from taskbook.schedule.lock import ServeLock

    home = find_home().resolve()
    lock = ServeLock(home)
    lock.acquire()
    run_server(home, lock, grace)


def run_server(
    home: Path,
    lock: ServeLock,
    grace: float,
    *,
    on_serving: Callable[[], None] | None = None,
    on_stop: Callable[[int], None] | None = None,
) -> None:
    """Fire the due schedules of the store ``home`` until SIGTERM or SIGINT, then
    stop launching, give running runs ``grace`` seconds and release ``lock``
    (acquired by the caller, so it can refuse before changing anything).

    ``on_serving()`` runs once the fork server started and the previous server's
    runs are recovered; ``on_stop(signum)`` when a stop signal arrived.
    """
    from taskbook.cli.slot import run_forked_slot
    from taskbook.engine.clock import RealClock
    from taskbook.engine.store import RunStore
    from taskbook.schedule.launcher import ProcessLauncher, Waker
    from taskbook.schedule.lock import WAKE_SIGNAL
    from taskbook.schedule.notify import send_notice
    from taskbook.schedule.scheduler import Scheduler

    store = RunStore(home)
    waker = Waker()
    stopping: list[int] = []

    def stop(signum: int, _frame: Any) -> None:
        stopping.append(signum)  # no lock here: the wakeup fd does the waking

    previous = {
        signum: signal.signal(signum, handler)
        for signum, handler in (
            (signal.SIGTERM, stop),
            (signal.SIGINT, stop),
            *(((WAKE_SIGNAL, lambda *_: None),) if WAKE_SIGNAL else ()),
        )
    }
    old_fd = signal.set_wakeup_fd(waker.write_fd, warn_on_full_buffer=False)
    # The runs' store is ours; the fork server reads its settings at import.
    os.environ["TASKBOOK_HOME"] = str(home)
    env = dict(os.environ)
    launcher = ProcessLauncher(
        lambda key: [sys.executable, "-m", "taskbook.cli", "schedule", "run-slot", key],
        waker.set,
        env,
        forked=run_forked_slot,
        preload=RUN_MODULES,
    )
    scheduler = Scheduler(store, launcher, RealClock(), notify=send_notice, say=_say)
    try:
        launcher.start()
        _say(f"taskbook serve: serving the schedules of {home} (pid {os.getpid()})")
        scheduler.recover()
        if on_serving is not None:
            on_serving()
        while not stopping:
            next_due = scheduler.tick()
            delay = MAX_SLEEP if next_due is None else next_due - time.time()
            if delay > 0 and not stopping:
                waker.wait(min(delay, MAX_SLEEP))
        if on_stop is not None:
            on_stop(stopping[0])
        running = len(launcher.running())
        _say(
            f"stopping ({signal.Signals(stopping[0]).name}): no new runs; waiting up "
            f"to {grace:g} s for {running} running run(s)"
        )
        scheduler.shutdown(grace, waker.wait)
        _say("stopped")
    finally:
        signal.set_wakeup_fd(old_fd)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        lock.release()
        waker.close()
