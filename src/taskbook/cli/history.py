"""Run history from the shell: ``taskbook runs``, ``show``, ``logs`` and ``gantt``.

They read the store of the working directory (``engine.home``'s rule), so the
runs of ``taskbook run``, ``taskbook serve`` and the notebook's kernel are all
there. A scheduled run shows its schedule and slot. An unknown run id exits 2.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from taskbook.cli.errors import debug_option
from taskbook.core.schedule import slot_text
from taskbook.errors import UnknownTaskError

__all__ = ("gantt", "logs", "runs", "show")

_STATES = (
    "SCHEDULED",
    "PENDING",
    "RUNNING",
    "COMPLETED",
    "FAILED",
    "CANCELLED",
    "CRASHED",
)


def _store() -> Any:
    from taskbook.engine.session import session_for_runs

    return session_for_runs().store


def _time(ts: float | None) -> str:
    if ts is None:
        return "-"
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _duration(start: float | None, end: float | None) -> str:
    if start is None or end is None:
        return "-"
    return f"{end - start:.2f} s"


# A scheduled run is its slot's flow run, or (while it runs, not yet linked) the
# top-level run its process started.
_SLOT_OF_RUN = (
    "FROM schedule_slots s WHERE (s.flow_run_id = f.id OR (s.flow_run_id IS NULL "
    "AND s.state = 'running' AND s.pid = f.pid AND s.host = f.host AND "
    "f.created >= s.started - 1 AND f.parent_task_run_id IS NULL))"
)


@click.command("runs")
@click.option("--flow", "flow_name", metavar="NAME", help="Only runs of this flow.")
@click.option("--schedule", metavar="NAME", help="Only runs of this schedule.")
@click.option(
    "--state",
    type=click.Choice(_STATES, case_sensitive=False),
    help="Only runs in this state.",
)
@click.option(
    "--limit", type=click.IntRange(min=1), default=20, show_default=True, metavar="N"
)
@debug_option
def runs(
    flow_name: str | None, schedule: str | None, state: str | None, limit: int
) -> None:
    """List flow runs in the store, newest first."""
    where, args = ["f.parent_task_run_id IS NULL"], []
    if flow_name is not None:
        where.append("f.flow_name = ?")
        args.append(flow_name)
    if state is not None:
        where.append("f.state_type = ?")
        args.append(state.upper())
    if schedule is not None:
        where.append(f"EXISTS (SELECT 1 {_SLOT_OF_RUN} AND s.schedule_name = ?)")
        args.append(schedule)
    rows = _store().query(
        f"SELECT f.*, (SELECT s.schedule_name {_SLOT_OF_RUN} LIMIT 1) AS "
        f"schedule_name, (SELECT s.slot_us {_SLOT_OF_RUN} LIMIT 1) AS slot_us "
        f"FROM flow_runs f WHERE {' AND '.join(where)} "
        f"ORDER BY f.created DESC LIMIT {int(limit)}",
        tuple(args),
    )
    if not rows:
        click.echo("No runs match.")
        return
    header = ("RUN", "FLOW", "STATE", "STARTED (UTC)", "DURATION", "SCHEDULE")
    table = [header]
    for r in rows:
        scheduled = (
            f"{r['schedule_name']} {slot_text(r['slot_us'] / 1e6)}"
            if r["schedule_name"]
            else ""
        )
        table.append(
            (
                r["id"],
                r["flow_name"] or "",
                r["state_name"] or "Pending",
                _time(r["start_time"] or r["created"]),
                _duration(r["start_time"], r["end_time"]),
                scheduled,
            )
        )
    _echo_table(table)


def _echo_table(table: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(row[i])) for row in table) for i in range(len(table[0]))]
    for row in table:
        click.echo(
            "  ".join(
                str(c).ljust(w) for c, w in zip(row, widths, strict=True)
            ).rstrip()
        )


def _record(run_id: str) -> Any:
    from taskbook.api.history import get_run

    _store()
    return get_run(run_id)


@click.command("show")
@click.argument("run_id")
@debug_option
def show(run_id: str) -> None:
    """Show a run: its states, task runs, logs and artifacts."""
    record = _record(run_id)
    click.echo(f"Flow run {record.id}")
    click.echo(f"  flow: {record.flow_name}   name: {record.name}")
    click.echo(
        f"  state: {record.state_name}"
        + (f" — {record.message}" if record.message else "")
    )
    click.echo(
        f"  started: {_time(record.start_time)} UTC   "
        f"duration: {_duration(record.start_time, record.end_time)}"
    )
    if record.parameters:
        click.echo(f"  parameters: {json.dumps(record.parameters, default=repr)}")
    slot = _store().query(
        "SELECT schedule_name, slot_us, log_path FROM schedule_slots "
        "WHERE flow_run_id = ?",
        (record.id,),
    )
    if slot:
        click.echo(
            f"  schedule: {slot[0]['schedule_name']} slot {slot_text(slot[0]['slot_us'] / 1e6)}"
            f"   log: {slot[0]['log_path']}"
        )
    click.echo("States:")
    for s in record.states:
        note = f" — {s.message}" if s.message else ""
        click.echo(f"  {_time(s.timestamp)}  {s.name}{note}")
    click.echo(f"Task runs ({len(record.task_runs)}):")
    table = [("TASK RUN", "STATE", "ATTEMPTS", "DURATION")]
    table += [
        (
            t.name,
            t.state_name or "Pending",
            str(t.run_count),
            _duration(t.start_time, t.end_time),
        )
        for t in record.task_runs
    ]
    if record.task_runs:
        _echo_table(table)
    click.echo(f"Logs ({len(record.logs)} lines):")
    _echo_logs(record, record.logs[-20:])
    if len(record.logs) > 20:
        click.echo(f"  ... `taskbook logs {record.id}` shows all {len(record.logs)}.")
    click.echo(f"Artifacts ({len(record.artifacts)}):")
    for a in record.artifacts:
        key = f" {a['key']}" if a.get("key") else ""
        description = f" — {a['description']}" if a.get("description") else ""
        data = _artifact_text(a["type"], a.get("data"))
        click.echo(f"  {a['type']}{key}{description}{f': {data}' if data else ''}")


def _artifact_text(kind: str, data: Any) -> str:
    """One line for an artifact's data: a percentage, an image URL, a table's size."""
    if kind == "progress" and isinstance(data, (int, float)):
        return f"{data:g}%"
    if kind == "image" and isinstance(data, str):
        return data
    if kind == "table" and isinstance(data, (list, dict)):
        rows = (
            len(data)
            if isinstance(data, list)
            else max((len(v) for v in data.values() if isinstance(v, list)), default=0)
        )
        return f"{rows} row{'s' if rows != 1 else ''}"
    if kind == "markdown" and isinstance(data, str):
        first = next((line.strip() for line in data.splitlines() if line.strip()), "")
        return first if len(first) <= 60 else first[:57] + "..."
    return ""


def _echo_logs(record: Any, lines: Sequence[dict[str, Any]]) -> None:
    names = {t.id: t.name for t in record.task_runs}
    for line in lines:
        where = names.get(line["task_run_id"], record.name)
        level = logging.getLevelName(line["level"])
        click.echo(f"{_time(line['ts'])} {level:<7} {where}: {line['message']}")


@click.command("logs")
@click.argument("run_id")
@click.option(
    "--task", metavar="T", help="Only the lines of this task (name or run name)."
)
@debug_option
def logs(run_id: str, task: str | None) -> None:
    """Print a run's log lines."""
    record = _record(run_id)
    lines = record.logs
    if task is not None:
        ids = {t.id for t in record.task_runs if task in (t.task_name, t.name)}
        if not ids:
            known = sorted({t.task_name for t in record.task_runs})
            raise UnknownTaskError.from_name(task, known)
        lines = [line for line in lines if line["task_run_id"] in ids]
    _echo_logs(record, lines)


@click.command("gantt")
@click.argument("run_id")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    metavar="FILE.html",
    help="Where to write the page.",
)
@debug_option
def gantt(run_id: str, output: str) -> None:
    """Write a run's Gantt timeline as a standalone HTML page (plotly)."""
    record = _record(run_id)
    try:
        from taskbook.widgets.gantt_page import gantt_page
    except ImportError as exc:
        from taskbook.errors import MissingDependencyError

        raise MissingDependencyError.from_extra(
            exc.name or "plotly", "widgets"
        ) from exc
    path = Path(output)
    if not path.parent.is_dir():
        raise click.BadParameter(
            f"the folder {str(path.parent)!r} does not exist; create it first.",
            param_hint="--output",
        )
    path.write_text(gantt_page(record), encoding="utf-8")
    click.echo(
        f"Wrote the timeline of run {record.id} ({len(record.task_runs)} task runs) to {path}."
    )
