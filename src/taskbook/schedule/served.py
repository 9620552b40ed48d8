"""Schedules of served flows (``flow.serve``, ``taskbook.serve``) as rows of the store.

A deployment ``NAME`` of a flow stores one schedule per ``Schedule``: ``NAME``
when it has one, else ``NAME.SLUG`` or ``NAME.1``, ``NAME.2``... Its target is
the flow's ``/abs/file.py:NAME_IN_MODULE``, so each run loads the flow from its
file as ``taskbook schedule add`` runs would. Serving again replaces the
deployment's schedules in one transaction (same name and target: same row, its
history kept; slots count from now), so re-running a script after an edit
never doubles them. A schedule of that name for another target is an error.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskbook.api.deployments import Deployment, ServeOptions
from taskbook.api.flows import Flow
from taskbook.core.schedule import Cron, Interval, Overlap, ScheduleSpec, When
from taskbook.engine.store import RunStore
from taskbook.errors import (
    DuplicateScheduleError,
    InvalidScheduleError,
    ParameterTypeError,
    UnservableFlowError,
)
from taskbook.schedule import rows
from taskbook.schedule.lock import wake_serve
from taskbook.schedule.objects import Schedule, to_when
from taskbook.schedule.times import next_fire_times

__all__ = (
    "ServedSchedule",
    "add_commands",
    "flow_target",
    "pause_served",
    "served_schedules",
    "store_served",
)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(frozen=True, slots=True)
class ServedSchedule:
    """One schedule of a served deployment, checked, ready to store."""

    deployment: str
    spec: ScheduleSpec
    paused: bool


def flow_target(flow: Flow[..., Any]) -> str:
    """Return ``/abs/file.py:NAME``, where a run loads ``flow`` from.

    Raises:
        UnservableFlowError: It was defined in a notebook, an interactive session
            or ``python -c`` (no ``.py`` file), or it is no top-level name there.
    """
    module = sys.modules.get(getattr(flow.fn, "__module__", "") or "")
    path = getattr(module, "__file__", None)
    code = getattr(getattr(flow.fn, "__code__", None), "co_filename", None)
    if (
        module is None
        or not isinstance(path, str)
        or not path.endswith(".py")
        or not Path(path).is_file()
        or (code is not None and Path(code).resolve() != Path(path).resolve())
    ):
        raise UnservableFlowError.from_interactive(flow.name)
    names = vars(module).items()
    found = [n for n, v in names if v is flow] or [
        n for n, v in names if isinstance(v, Flow) and v.fn is flow.fn
    ]
    if not found:
        raise UnservableFlowError.from_unreachable(flow.name, path)
    return f"{Path(path).resolve()}:{found[0]}"


def served_schedules(
    deployment: Deployment, options: ServeOptions, cwd: str | None = None
) -> list[ServedSchedule]:
    """Check a deployment and return its schedules as they will be stored.

    Raises:
        UnservableFlowError: See ``flow_target``.
        InvalidScheduleError: A bad name, slug or limit.
        ParameterTypeError: Parameters the flow refuses (unknown, ill-typed,
            a required one missing).
        The errors of ``taskbook.schedules`` for bad schedule values.
    """
    target = flow_target(deployment.flow)
    _check_name(deployment.name, "name")
    names = _names(deployment.name, deployment.schedules)
    overlap = _overlap(options.limit, deployment.concurrency_limit)
    extra: dict[str, Any] = {"tags": list(deployment.tags)} if deployment.tags else {}
    found: list[ServedSchedule] = []
    for name, schedule in zip(names, deployment.schedules, strict=True):
        values = {**deployment.parameters, **schedule.parameters}
        checked = _checked(deployment.flow, values)
        spec = ScheduleSpec(
            name=name,
            target=target,
            when=to_when(schedule),
            parameters={k: v for k, v in checked.items() if k in values},
            options=extra,
            overlap=overlap,
            cwd=cwd if cwd is not None else os.getcwd(),
        )
        paused = bool(deployment.paused) or not schedule.active
        found.append(ServedSchedule(deployment.name, spec, paused))
    return found


def _checked(flow: Flow[..., Any], values: dict[str, Any]) -> dict[str, Any]:
    """Check parameter values as a run of ``flow`` would (names and types), now."""
    known = inspect.signature(flow.fn).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in known.values())
    unknown = [name for name in values if name not in known and not takes_any]
    if unknown:
        raise ParameterTypeError.from_validation(
            flow.name,
            [(name, "Extra inputs are not permitted") for name in unknown],
        )
    return flow.validate_parameters(dict(values))


def _check_name(name: str, what: str) -> None:
    if not _NAME.match(name):
        raise InvalidScheduleError.from_problem(
            f"The deployment {what} {name!r} has characters other than letters, "
            "digits, '.', '_' and '-' (it names its schedules in the store)",
            f"Pass serve() a {what} such as nightly-etl",
        )


def _names(name: str, schedules: Sequence[Schedule]) -> list[str]:
    if len(schedules) == 1 and not schedules[0].slug:
        return [name]
    names = []
    for index, schedule in enumerate(schedules, 1):
        if schedule.slug:
            _check_name(schedule.slug, "schedule slug")
        names.append(f"{name}.{schedule.slug or index}")
    if len(set(names)) != len(names):
        raise InvalidScheduleError.from_problem(
            f"Two schedules of {name!r} have one slug",
            "Give each schedule its own slug=, or none",
        )
    return names


def _overlap(*limits: int | None) -> Overlap:
    given = [limit for limit in limits if limit is not None]
    if not given:
        return "allow"  # Prefect starts every due run
    if min(given) == 1:
        return "queue"
    raise InvalidScheduleError.from_problem(
        f"A limit of {min(given)} runs at once cannot be kept: taskbook runs a "
        "schedule's slots one at a time or all at once",
        "Pass limit=1 to queue a slot while the previous run runs, or no limit",
    )


def store_served(
    store: RunStore, served: Sequence[ServedSchedule], now: float
) -> list[tuple[ServedSchedule, list[float]]]:
    """Store the schedules of served deployments, replacing the earlier ones of
    the same deployments (one transaction), and wake a running server.

    Returns:
        Each schedule with its next fire times.

    Raises:
        InvalidScheduleError: A schedule has no fire time after now.
        DuplicateScheduleError: A name is taken by a schedule of another target.
    """
    upcoming = []
    for item in served:
        times = next_fire_times(item.spec.when, now, 5)
        if not times:
            raise InvalidScheduleError.from_problem(
                f"The schedule {item.spec.name!r} has no fire time after now",
                "Give a rule that fires in the future (check its COUNT, UNTIL or "
                "DTSTART)",
            )
        upcoming.append((item, times))
    deployments = {(i.deployment, i.spec.target) for i in served}
    with store.transaction() as conn:
        existing = {r.spec.name: r for r in _rows(conn)}
        for item in served:
            row = existing.get(item.spec.name)
            if row is not None and row.spec.target != item.spec.target:
                raise DuplicateScheduleError.from_served(
                    item.spec.name, row.spec.target
                )
        new_names = {i.spec.name for i in served}
        for name, row in existing.items():
            if name not in new_names and any(
                _belongs(name, d) and row.spec.target == t for d, t in deployments
            ):
                rows.delete_schedule(conn, row.id)  # a schedule the script dropped
        for item in served:
            row = existing.get(item.spec.name)
            if row is None:
                rows.insert_schedule_row(conn, item.spec, now, item.paused)
            else:
                rows.replace_spec(conn, row.id, item.spec, now, item.paused)
    wake_serve(store.directory)
    return upcoming


def _rows(conn: Any) -> list[rows.ScheduleRow]:
    return [
        rows.get_schedule(conn, name)
        for (name,) in conn.execute("SELECT name FROM schedules").fetchall()
    ]


def _belongs(name: str, deployment: str) -> bool:
    return name == deployment or name.startswith(deployment + ".")


def pause_served(store: RunStore, served: Sequence[ServedSchedule]) -> list[str]:
    """Pause the served schedules still active; return their names."""
    paused = []
    with store.transaction() as conn:
        existing = {r.spec.name: r for r in _rows(conn)}
        for item in served:
            row = existing.get(item.spec.name)
            if row is not None and row.spec.target == item.spec.target:
                if not row.paused:
                    rows.set_paused(conn, row.id, True)
                    paused.append(item.spec.name)
    wake_serve(store.directory)
    return paused


def add_commands(served: Sequence[ServedSchedule]) -> list[str]:
    """The ``taskbook schedule add`` commands that store the same schedules."""
    return [_add_command(item.spec) for item in served]


def _add_command(spec: ScheduleSpec) -> str:
    words = ["taskbook", "schedule", "add", spec.target]
    words += _when_flags(spec.when)
    if spec.parameters:
        words += ["-y", json.dumps(dict(spec.parameters))]
    if spec.overlap != "skip":
        words += ["--overlap", spec.overlap]
    words += ["--name", spec.name]
    return shlex.join(words)


def _when_flags(when: When) -> list[str]:
    zone = ["--tz", when.timezone] if when.timezone else []
    if isinstance(when, Cron):
        return ["--cron", when.cron, *zone, *([] if when.day_or else ["--day-and"])]
    if isinstance(when, Interval):
        anchor = when.anchor_date.isoformat()
        seconds = when.interval.total_seconds()
        return ["--interval", f"{seconds:g}", "--anchor", anchor, *zone]
    return ["--rrule", when.rrule, *zone]
