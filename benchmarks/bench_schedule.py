"""``taskbook serve``: how late runs start, and what an idle server costs.

* delay: an interval schedule of 1 s fires ``--firings`` times (default 30) a
  one-task flow; per slot, from its due time to (a) the server claiming it and
  starting its process ("launch"), (b) that process starting the run ("start":
  the run's process, forked from serve's fork server with taskbook imported,
  marks its slot running), and (c) the flow run entering Running ("flow
  Running": after the flow module is imported). Median and p99 (the 99th
  percentile; with 30 firings, about the worst). Target: start delay p99 ≤ 1 s.
  The slots that fall due in the server's first ``WARMUP_S`` seconds, while its
  fork server imports taskbook, are left out of these figures and reported
  apart ("start-up").
* idle: 100 schedules (cron, none due during the window) and a server left
  alone for ``--idle-seconds`` (default 65, so it includes one of its
  once-a-minute re-checks): CPU time / wall time of the server process, and its
  resident memory at the end. Targets: < 0.5 % CPU, < 80 MB. Its helper
  processes (the fork server, multiprocessing's resource tracker) are reported
  apart: their RSS is mostly the imported modules every run would load anyway.

    python benchmarks/bench_schedule.py [--firings 30] [--idle-seconds 65]

Prefect is not measured: its scheduler needs its server and a worker.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import fmt_seconds, parser, report

TARGET_P99_S = 1.0
TARGET_CPU_PERCENT = 0.5
TARGET_RSS_MB = 80.0
WARMUP_S = 3.0

FLOW = """
from taskbook import flow, task

@task
def one():
    return 1

@flow
def tick():
    return one()
"""


def _taskbook(env: dict[str, str], cwd: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "taskbook.cli", *args],
        env=env,
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def _serve(env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen[bytes], float]:
    """Start ``taskbook serve``; return it and when it said it was up."""
    server = subprocess.Popen(
        [sys.executable, "-m", "taskbook.cli", "serve", "--grace", "30"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert server.stdout is not None
    server.stdout.readline()  # "serving the schedules of ...": it is up
    return server, time.time()


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(120)


def _rows(home: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(home / "runs.sqlite", timeout=30)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def measure_delay(firings: int) -> dict[str, float]:
    root = Path(tempfile.mkdtemp(prefix="taskbook-bench-schedule-"))
    (root / "flows.py").write_text(FLOW)
    home = root / "home"
    env = {
        **os.environ,
        "TASKBOOK_HOME": str(home),
        "TASKBOOK_LOGGING_LEVEL": "WARNING",
    }
    _taskbook(
        env,
        root,
        "schedule",
        "add",
        "flows.py:tick",
        "--interval",
        "1",
        "--catchup",
        "all",
        "--overlap",
        "allow",
    )
    server, up = _serve(env, root)
    sql = (
        "SELECT s.slot_us, s.claimed, s.started, f.start_time FROM schedule_slots s "
        "JOIN flow_runs f ON f.id = s.flow_run_id "
        "WHERE s.state = 'completed' ORDER BY s.slot_us"
    )
    try:
        deadline = time.monotonic() + firings * 10 + 60
        while (
            len([r for r in _rows(home, sql) if r[0] / 1e6 >= up + WARMUP_S]) < firings
            and time.monotonic() < deadline
        ):
            time.sleep(0.2)
    finally:
        _taskbook(env, root, "schedule", "pause", "tick")
        _stop(server)
    every = _rows(home, sql)
    cold = [
        started - slot / 1e6
        for slot, _, started, _ in every
        if slot / 1e6 < up + WARMUP_S
    ]
    done = [row for row in every if row[0] / 1e6 >= up + WARMUP_S][:firings]
    launch = [claimed - slot / 1e6 for slot, claimed, _, _ in done]
    start = [started - slot / 1e6 for slot, _, started, _ in done]
    running = [running - slot / 1e6 for slot, _, _, running in done]
    return {
        "firings": len(done),
        "running_median_s": statistics.median(running),
        "running_p99_s": _percentile(running, 0.99),
        "launch_median_s": statistics.median(launch),
        "launch_p99_s": _percentile(launch, 0.99),
        "start_median_s": statistics.median(start),
        "start_p99_s": _percentile(start, 0.99),
        "cold_slots": len(cold),
        "cold_start_max_s": max(cold, default=float("nan")),
    }


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _helpers(pid: int) -> list[int]:
    """The child processes of ``pid`` (serve's fork server and its resource
    tracker)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


def measure_idle(schedules: int, seconds: float) -> dict[str, float]:
    import datetime as dt

    root = Path(tempfile.mkdtemp(prefix="taskbook-bench-idle-"))
    (root / "flows.py").write_text(FLOW)
    home = root / "home"
    os.environ["TASKBOOK_HOME"] = str(home)
    from taskbook.core.schedule import ScheduleSpec
    from taskbook.engine.store import RunStore
    from taskbook.schedule import registry
    from taskbook.schedule.times import make_cron, make_interval

    store = RunStore(home)
    now = time.time()
    for i in range(schedules):
        # Daily crons at other hours, weekly intervals: none falls due now.
        hour = (dt.datetime.now(dt.timezone.utc).hour + 2 + i % 20) % 24
        when = (
            make_cron(f"{i % 60} {hour} * * *", "Europe/Berlin")
            if i % 2
            else make_interval(7 * 86400, dt.datetime.fromtimestamp(now + 3600), None)
        )
        spec = ScheduleSpec(f"s{i}", f"{root / 'flows.py'}:tick", when, cwd=str(root))
        registry.add(store, spec, now)
    env = {**os.environ, "TASKBOOK_HOME": str(home)}
    server, _ = _serve(env, root)
    try:
        time.sleep(10.0)  # the fork server imports taskbook: not idle yet
        helpers = _helpers(server.pid)
        cpu0, wall0 = _cpu_seconds(server.pid), time.monotonic()
        helpers0 = sum(_cpu_seconds(pid) for pid in helpers)
        time.sleep(seconds)
        cpu1, wall1 = _cpu_seconds(server.pid), time.monotonic()
        helpers1 = sum(_cpu_seconds(pid) for pid in helpers)
        rss = _rss_mb(server.pid)
        helpers_rss = sum(_rss_mb(pid) for pid in helpers)
    finally:
        _stop(server)
    return {
        "schedules": schedules,
        "window_s": wall1 - wall0,
        "cpu_percent": 100 * (cpu1 - cpu0) / (wall1 - wall0),
        "rss_mb": rss,
        "helpers": len(helpers),
        "helpers_cpu_percent": 100 * (helpers1 - helpers0) / (wall1 - wall0),
        "helpers_rss_mb": helpers_rss,
    }


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--firings", type=int, default=30)
    p.add_argument("--idle-seconds", type=float, default=65.0)
    p.add_argument("--schedules", type=int, default=100)
    args = p.parse_args()

    delay = measure_delay(args.firings)
    idle = measure_idle(args.schedules, args.idle_seconds)

    def met(ok: bool) -> str:
        return "met" if ok else "**missed**"

    rows = [
        ("firings", str(delay["firings"])),
        ("launch delay, median", fmt_seconds(delay["launch_median_s"])),
        ("launch delay, p99", fmt_seconds(delay["launch_p99_s"])),
        ("start delay, median", fmt_seconds(delay["start_median_s"])),
        ("flow Running delay, median", fmt_seconds(delay["running_median_s"])),
        ("flow Running delay, p99", fmt_seconds(delay["running_p99_s"])),
        (
            "start delay, p99",
            f"{fmt_seconds(delay['start_p99_s'])} "
            f"(target ≤ {TARGET_P99_S:g} s: {met(delay['start_p99_s'] <= TARGET_P99_S)})",
        ),
        (
            f"start-up: start delay, worst of {delay['cold_slots']:.0f}",
            fmt_seconds(delay["cold_start_max_s"]),
        ),
        (
            f"idle CPU, {idle['schedules']} schedules, {idle['window_s']:.0f} s",
            f"{idle['cpu_percent']:.3f} % (target < {TARGET_CPU_PERCENT} %: "
            f"{met(idle['cpu_percent'] < TARGET_CPU_PERCENT)})",
        ),
        (
            "idle RSS",
            f"{idle['rss_mb']:.1f} MB (target < {TARGET_RSS_MB:g} MB: "
            f"{met(idle['rss_mb'] < TARGET_RSS_MB)})",
        ),
        (
            f"its {idle['helpers']} helper processes (fork server...): CPU, RSS",
            f"{idle['helpers_cpu_percent']:.3f} %, {idle['helpers_rss_mb']:.1f} MB",
        ),
    ]
    report("taskbook serve", rows, {**delay, **idle}, args.json)


if __name__ == "__main__":
    main()
