"""Shared helpers for the benchmark scripts (not a test module).

Every script measures taskbook and a plain-Python baseline in the same process
and run, takes medians over repeats (the reference machine is a noisy 2-core
box), and prints ratios. When ``prefect`` is importable in the same interpreter,
the same workload is measured for Prefect 3 in a child process (its own
``PREFECT_HOME`` in a temp dir, ephemeral server), so Prefect's server threads
never share a process with taskbook's timings.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PREFECT_TIMEOUT = 900  # seconds for one Prefect child run (its server starts slowly)


def isolate_taskbook_home() -> str:
    """Point ``TASKBOOK_HOME`` at a fresh temp dir (before taskbook is used)."""
    home = tempfile.mkdtemp(prefix="taskbook-bench-")
    os.environ["TASKBOOK_HOME"] = home
    # Flow-level INFO lines would interleave with the figures; the cost of
    # recording states and logs in the store is still paid in full.
    os.environ.setdefault("TASKBOOK_LOGGING_LEVEL", "WARNING")
    return home


def median_time(fn: Callable[[], Any], repeats: int, warmup: int = 1) -> float:
    """Return the median wall time of ``fn()`` in seconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def fmt_seconds(seconds: float | None) -> str:
    """Format a duration with a unit that keeps 3 significant digits."""
    if seconds is None:
        return "n/a"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "n/a"
    return f"{a / b:.1f}×"


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--repeats", type=int, default=5, help="timed repeats (median)")
    p.add_argument("--json", type=Path, help="also write the figures to this file")
    p.add_argument(
        "--no-prefect", action="store_true", help="skip Prefect even if installed"
    )
    p.add_argument("--prefect-worker", action="store_true", help=argparse.SUPPRESS)
    return p


def prefect_available() -> bool:
    return importlib.util.find_spec("prefect") is not None


def prefect_env() -> dict[str, str]:
    """Environment for a Prefect child: private home, ephemeral server, quiet logs."""
    env = dict(os.environ)
    env["PREFECT_HOME"] = tempfile.mkdtemp(prefix="prefect-bench-")
    env["PREFECT_SERVER_ALLOW_EPHEMERAL_MODE"] = "true"
    env.pop("PREFECT_API_URL", None)
    env.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    env["PREFECT_LOCAL_STORAGE_PATH"] = str(Path(env["PREFECT_HOME"]) / "storage")
    return env


def prefect_figures(
    script: str, args: Any, child_args: list[str]
) -> dict[str, Any] | str | None:
    """Measure Prefect in a child run of ``script``; None when skipped or missing.

    ``args`` are the parsed common options (``no_prefect``, ``prefect_repeats``).
    """
    if args.no_prefect or not prefect_available():
        print("prefect: not installed" if not args.no_prefect else "prefect: skipped")
        return None
    return run_prefect_child(
        script, [*child_args, "--prefect-repeats", str(args.prefect_repeats)]
    )


def run_prefect_child(script: str, args: list[str]) -> dict[str, Any] | str:
    """Run ``script --prefect-worker`` under this interpreter; return its figures.

    The child prints one JSON line prefixed with ``RESULT `` on stdout. Returns an
    error string instead when the child failed.
    """
    cmd = [sys.executable, script, "--prefect-worker", *args]
    try:
        proc = subprocess.run(
            cmd,
            env=prefect_env(),
            capture_output=True,
            text=True,
            timeout=PREFECT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"timed out after {PREFECT_TIMEOUT} s"
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("RESULT "):
            return dict(json.loads(line[len("RESULT ") :]))
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
    return "failed (exit {}): {}".format(proc.returncode, " | ".join(tail))


def emit_worker_result(figures: dict[str, Any]) -> None:
    print("RESULT " + json.dumps(figures), flush=True)


def report(
    title: str,
    rows: list[tuple[str, str]],
    figures: dict[str, Any],
    json_path: Path | None,
) -> None:
    """Print a two-column table and optionally write the figures as JSON."""
    width = max(len(k) for k, _ in rows)
    print(f"\n== {title} ==")
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")
    if json_path is not None:
        json_path.write_text(json.dumps(figures, indent=2, sort_keys=True))
