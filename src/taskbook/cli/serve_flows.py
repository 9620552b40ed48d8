"""``flow.serve`` and ``taskbook.serve``: store the deployments' schedules, then be
the store's ``taskbook serve`` in this process until SIGINT or SIGTERM.

``taskbook`` registers ``LocalServer`` with ``taskbook.api.serving`` (which may not
import this edge). Order: check everything, take the store's serve lock (a
``taskbook serve`` already running is refused before anything is stored, with
the ``schedule add`` commands that would let it fire the flow instead), store
the schedules, print Prefect's starting message adapted, fire due slots as
``taskbook serve`` does (every schedule of the store, not only these), and on
SIGINT/SIGTERM stop as it does, then pause these schedules if
``pause_on_shutdown``. Returns normally, so a script ends with exit code 0.
"""

from __future__ import annotations

import os
import shlex
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from taskbook.api.deployments import Deployment, ServeOptions
    from taskbook.schedule.served import ServedSchedule

__all__ = ("GRACE_SECONDS", "LocalServer", "serve_deployments")

GRACE_SECONDS = 30.0
"""After SIGINT/SIGTERM: how long running runs may take (``taskbook serve``'s default)."""

# Prefect's names for the two stop signals ("Received KeyboardInterrupt, ...").
_SIGNAL_NAMES = {
    signal.SIGINT: "KeyboardInterrupt",
    signal.SIGTERM: "TerminationSignal",
}


class LocalServer:
    """The server ``taskbook`` registers: this store's embedded scheduler."""

    def schedules(self, **keywords: Any) -> list[Any]:
        """Prefect's rule for the schedule keywords, checked."""
        from taskbook.schedule.objects import construct_schedules

        return construct_schedules(**keywords)

    def serve(self, deployments: Sequence[Deployment], options: ServeOptions) -> None:
        """Serve ``deployments`` until SIGINT or SIGTERM."""
        serve_deployments(deployments, options)


def serve_deployments(deployments: Sequence[Deployment], options: ServeOptions) -> None:
    """Store the deployments' schedules and serve the store until stopped.

    Raises:
        ServeAlreadyRunningError: A ``taskbook serve`` serves the store already.
        The errors of ``served_schedules`` and ``store_served``.
    """
    from taskbook.cli.serve import _say, run_server
    from taskbook.engine.home import find_home
    from taskbook.engine.store import RunStore
    from taskbook.errors import ServeAlreadyRunningError
    from taskbook.schedule.lock import ServeLock, serving_pid
    from taskbook.schedule.served import (
        add_commands,
        pause_served,
        served_schedules,
        store_served,
    )

    served = [s for d in deployments for s in served_schedules(d, options)]
    home = find_home().resolve()
    lock = ServeLock(home)
    try:
        lock.acquire()
    except ServeAlreadyRunningError:
        raise ServeAlreadyRunningError.from_flow_serve(
            str(home), serving_pid(home), add_commands(served)
        ) from None
    store = RunStore(home)
    try:
        upcoming = store_served(store, served, time.time())
    except BaseException:
        lock.release()
        raise

    def started() -> None:
        if options.print_starting_message:
            others = _other_schedules(store, served)
            click.echo(_starting_message(deployments, upcoming, others))
            sys.stdout.flush()

    def stopping(signum: int) -> None:
        name = _SIGNAL_NAMES.get(signal.Signals(signum), signal.Signals(signum).name)
        _say(f"Received {name}, shutting down...")

    try:
        run_server(home, lock, GRACE_SECONDS, on_serving=started, on_stop=stopping)
    finally:
        if options.pause_on_shutdown:
            for name in pause_served(store, served):
                _say(
                    f"paused schedule {name!r} (pause_on_shutdown=True); serve again "
                    f"or `taskbook schedule resume {name}` to fire it"
                )


def _other_schedules(store: Any, served: Sequence[ServedSchedule]) -> list[str]:
    from taskbook.schedule import rows

    ours = {s.spec.name for s in served}
    return [
        r.spec.name
        for r in rows.load_schedules(store)
        if r.spec.name not in ours and not r.paused
    ]


def _starting_message(
    deployments: Sequence[Deployment],
    upcoming: Sequence[tuple[ServedSchedule, list[float]]],
    others: Sequence[str],
) -> str:
    from taskbook.schedule.registry import describe_when, fire_time_text

    if len(deployments) == 1:
        lines = [
            f"Your flow {deployments[0].flow_name!r} is being served and polling "
            "for scheduled runs!",
            "",
        ]
    else:
        lines = [
            "Your deployments are being served and polling for scheduled runs!",
            "",
            "Deployments",
            *(f"  {d.flow_name}/{d.name}" for d in deployments),
            "",
        ]
    for item, times in upcoming:
        spec = item.spec
        state = (
            "paused"
            if item.paused
            else f"next {fire_time_text(times[0], spec.when.zone)}"
        )
        lines.append(f"Schedule {spec.name!r}: {describe_when(spec.when)}; {state}")
    scheduled = {item.deployment for item, _ in upcoming}
    for deployment in deployments:
        if deployment.name not in scheduled:
            lines.append(
                f"{deployment.flow_name}/{deployment.name} has no schedule: it runs "
                "only when its flow is called (pass cron=, interval= or rrule=)."
            )
    if others:
        lines.append(
            f"This store's other schedules fire here too: {', '.join(others)} "
            "(`taskbook schedule ls`)."
        )
    which = "this flow" if len(deployments) == 1 else "any of these deployments"
    lines += [
        "",
        f"To trigger a run of {which}, call the flow from Python (taskbook has no "
        "`deployment run`: there is no server to send it to):",
        "",
        *(f"\t$ {_call_command(d)}" for d in deployments),
        "",
        "Stop serving with Ctrl-C or SIGTERM.",
    ]
    return "\n".join(lines)


def _call_command(deployment: Deployment) -> str:
    from taskbook.schedule.served import flow_target

    path_text, _, name = flow_target(deployment.flow).rpartition(":")
    path = Path(path_text)
    folder = path.parent
    if path.stem.isidentifier():
        code = f"from {path.stem} import {name}; {name}()"
        where = (
            "" if folder == Path(os.getcwd()) else f"cd {shlex.quote(str(folder))} && "
        )
        return f"{where}python -c {shlex.quote(code)}"
    code = f"import runpy; runpy.run_path({str(path)!r})[{name!r}]()"
    return f"python -c {shlex.quote(code)}"
