"""One scheduled run, in the process ``taskbook serve`` launched for it.

Forked from serve's fork server (``run_forked_slot``) or started as ``taskbook
schedule run-slot KEY``. The process first moves its slot from ``launching`` to
``running`` (only one process can), then runs the target as ``taskbook run``
would (a notebook, its executed copy written beside the log) or calls the
module's flow, and records how it ended with the id of the flow run it made. Its
stdout and stderr are the run's log file.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from pathlib import Path

import click

from taskbook.core.schedule import ScheduleSpec, slot_text
from taskbook.engine.home import find_home
from taskbook.engine.store import RunStore
from taskbook.schedule import rows
from taskbook.schedule.scheduler import state_for_exit

__all__ = ("run_claimed_slot", "run_forked_slot")


def run_forked_slot(text: str, log: str, env: dict[str, str]) -> None:
    """Run the slot ``text`` in a process ``taskbook serve``'s fork server forked:
    a new session (our own process group), ``env``, stdout and stderr on the log
    file; exits with the run's code."""
    import sys

    os.setsid()
    os.environ.clear()
    os.environ.update(env)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    sys.exit(run_claimed_slot(text))


def run_claimed_slot(text: str) -> int:
    """Start, run and record the slot ``SCHEDULE_ID:SLOT_US``; return the exit code."""
    key = rows.SlotKey.parse(text)
    store = RunStore(find_home())
    host, pid, started = socket.gethostname(), os.getpid(), time.time()
    with store.transaction() as conn:
        mine = rows.update_slot(
            conn,
            key,
            only_from=("launching",),
            state="running",
            started=started,
            host=host,
            pid=pid,
        )
        schedule = rows.schedule_by_id(conn, key.schedule_id) if mine else None
        slot = rows.get_slot(conn, key)
    if not mine or slot is None:
        click.echo(f"taskbook: slot {key} was started by another process.")
        return 0
    code = 2
    try:
        if schedule is None:
            click.echo("taskbook: the schedule was removed; nothing to run.", err=True)
        else:
            spec = schedule.spec
            click.echo(
                f"taskbook: {spec.name} slot {slot_text(key.slot)} started "
                f"{slot_text(started)} (pid {pid}).",
                err=True,
            )
            os.chdir(spec.cwd or ".")
            code = _run(spec, slot)
    except KeyboardInterrupt:
        code = 130
    except Exception:  # the run's own failure: logged, recorded as failed
        click.echo(traceback.format_exc(), err=True)
        code = 1
    finally:
        with store.transaction() as conn:
            rows.update_slot(
                conn,
                key,
                only_from=("running",),
                state=state_for_exit(code),
                ended=time.time(),
                exit_code=code,
                flow_run_id=rows.find_flow_run(conn, host, pid, started),
            )
    return code


def _run(spec: ScheduleSpec, slot: rows.SlotRow) -> int:
    if spec.is_flow:
        return _run_flow(spec)
    import yaml

    from taskbook.cli.main import cli
    from taskbook.cli.run_flags import run_options_args

    log = Path(slot.log_path) if slot.log_path else None
    output = [str(log.with_suffix(".ipynb"))] if log is not None else []
    args = ["run", spec.target, *output]
    if spec.parameters:
        # safe_dump quotes every string YAML would read as another type, so the
        # values come back exactly (papermill's -y, merged like -p).
        args += ["-y", yaml.safe_dump(dict(spec.parameters), sort_keys=False)]
    args += run_options_args(spec.options, "schedule")
    try:
        code = cli.main(args=args, prog_name="taskbook", standalone_mode=False)
    except click.ClickException as error:
        error.show()
        return error.exit_code
    return int(code or 0)


def _run_flow(spec: ScheduleSpec) -> int:
    from taskbook.api.entrypoints import load_flow_from_entrypoint
    from taskbook.engine.context import tags
    from taskbook.engine.session import get_session

    flow = load_flow_from_entrypoint(spec.target)
    if "timeout" in spec.options:
        flow = flow.with_options(timeout_seconds=spec.options["timeout"])
    try:
        # A served deployment's tags (flow.serve(tags=...)) tag its runs.
        with tags(*spec.options.get("tags", ())):
            state = flow(**dict(spec.parameters), return_state=True)
    finally:
        get_session().store.flush()  # its rows, before the slot names its run
    click.echo(f"taskbook: flow run {state.name}: {state.message or ''}", err=True)
    return 0 if state.is_completed() else 1
