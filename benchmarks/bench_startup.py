"""Start-up costs in fresh processes: ``import taskbook`` and the first flow call.

* import: wall time of ``import taskbook`` measured inside a fresh interpreter
  (median of N runs), next to the interpreter's own start-up and the import of
  the stdlib modules the engine needs anyway (the baseline). Also prints which
  heavy optional packages the import pulled in (it should pull in none).
* first flow call: in a fresh process, from after the import to the return of
  a one-task flow (opens the store, starts the writer, records the run, flushes).
  Target ≤ 50 ms. The baseline is the same call made a second time (warm).

    python benchmarks/bench_startup.py [--runs 7] [--importtime]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from _common import (
    PREFECT_TIMEOUT,
    fmt_seconds,
    parser,
    prefect_available,
    prefect_env,
    ratio,
    report,
)

TARGET_FIRST_FLOW_S = 0.050
HEAVY = ("IPython", "ipywidgets", "pandas", "plotly", "dask", "pydantic")

IMPORT_PROBE = """
import sys, time, json
start = time.perf_counter()
import {module}
elapsed = time.perf_counter() - start
print(json.dumps({{"import_s": elapsed,
    "loaded": [m for m in {heavy!r} if m in sys.modules]}}))
"""

BASELINE_PROBE = """
import time, json
start = time.perf_counter()
import sqlite3, concurrent.futures, logging, uuid, inspect, dataclasses, threading
print(json.dumps({"import_s": time.perf_counter() - start}))
"""

FIRST_FLOW_PROBE = """
import time, json
from {module} import flow, task

@task
def one(x):
    return x + 1

@flow
def tiny(x):
    return one(x)

start = time.perf_counter()
assert tiny(1) == 2
{flush}
first = time.perf_counter() - start
start = time.perf_counter()
assert tiny(1) == 2
{flush}
second = time.perf_counter() - start
print(json.dumps({{"first_s": first, "second_s": second}}))
"""


def run_probe(
    code: str, env: dict[str, str] | None = None
) -> tuple[dict[str, Any], float]:
    """Run ``code`` in a fresh interpreter; return its JSON line and wall time."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=PREFECT_TIMEOUT,
    )
    wall = time.perf_counter() - start
    lines = proc.stdout.strip().splitlines()
    return (json.loads(lines[-1]) if lines else {}), wall


def taskbook_env() -> dict[str, str]:
    env = dict(os.environ)
    env["TASKBOOK_HOME"] = tempfile.mkdtemp(prefix="taskbook-bench-")
    env.setdefault("TASKBOOK_LOGGING_LEVEL", "WARNING")
    return env


def importtime_top(module: str, n: int = 10) -> list[tuple[int, int, str]]:
    """The ``-X importtime`` entries with the largest self time: (self, cumul, name)."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
    )
    entries = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            self_us = int(parts[0].split(":")[-1])
            entries.append((self_us, int(parts[1]), parts[2].strip()))
    return sorted(entries, reverse=True)[:n]


def measure(
    module: str, runs: int, env_factory: Callable[[], dict[str, str]]
) -> dict[str, Any]:
    interp = [run_probe("pass", env_factory())[1] for _ in range(runs)]
    base = [
        run_probe(BASELINE_PROBE, env_factory())[0]["import_s"] for _ in range(runs)
    ]
    imports = [
        run_probe(IMPORT_PROBE.format(module=module, heavy=HEAVY), env_factory())[0]
        for _ in range(runs)
    ]
    flows = [
        run_probe(
            FIRST_FLOW_PROBE.format(
                module=module,
                # taskbook commits run rows in the background: wait for them.
                flush="__import__('taskbook.engine.session').engine.session"
                ".get_session().store.flush()"
                if module == "taskbook"
                else "",
            ),
            env_factory(),
        )[0]
        for _ in range(runs)
    ]
    return {
        "interpreter_s": statistics.median(interp),
        "stdlib_import_s": statistics.median(base),
        "import_s": statistics.median(float(i["import_s"]) for i in imports),
        "loaded": sorted({m for i in imports for m in i["loaded"]}),
        "first_flow_s": statistics.median(float(f["first_s"]) for f in flows),
        "second_flow_s": statistics.median(float(f["second_s"]) for f in flows),
    }


def main() -> int:
    p = parser(__doc__ or "")
    p.add_argument("--runs", type=int, default=7, help="fresh processes per figure")
    p.add_argument("--prefect-runs", type=int, default=3)
    p.add_argument("--importtime", action="store_true", help="show the slowest imports")
    args = p.parse_args()

    tb = measure("taskbook", args.runs, taskbook_env)
    figures: dict[str, object] = {"runs": args.runs, "taskbook": tb}
    loaded = ", ".join(tb["loaded"]) or "none"
    first = float(tb["first_flow_s"])
    rows = [
        ("python -c pass (wall)", fmt_seconds(tb["interpreter_s"])),
        ("stdlib baseline import", fmt_seconds(tb["stdlib_import_s"])),
        ("import taskbook", fmt_seconds(tb["import_s"])),
        (f"heavy modules loaded ({', '.join(HEAVY)})", loaded),
        (
            "first flow call (fresh process)",
            f"{fmt_seconds(first)} (target ≤ {fmt_seconds(TARGET_FIRST_FLOW_S)}: "
            f"{'met' if first <= TARGET_FIRST_FLOW_S else 'MISSED'})",
        ),
        ("second flow call (warm)", fmt_seconds(tb["second_flow_s"])),
    ]
    if args.importtime:
        print("slowest imports under `import taskbook` (self / cumulative µs):")
        for self_us, cumulative_us, name in importtime_top("taskbook"):
            print(f"  {self_us:>7} {cumulative_us:>8}  {name}")
    if args.no_prefect or not prefect_available():
        print("prefect: not installed" if not args.no_prefect else "prefect: skipped")
        figures["prefect"] = None
    else:
        try:
            pf = measure("prefect", args.prefect_runs, prefect_env)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            figures["prefect"] = str(exc)
            rows.append(("prefect", f"failed: {exc}"))
        else:
            figures["prefect"] = pf
            rows += [
                ("import prefect", fmt_seconds(pf["import_s"])),
                (
                    "prefect heavy modules loaded",
                    ", ".join(pf["loaded"]) or "none",
                ),
                (
                    "prefect first flow call (fresh process)",
                    fmt_seconds(pf["first_flow_s"]),
                ),
                (
                    "prefect / taskbook import",
                    ratio(pf["import_s"], tb["import_s"]),
                ),
                (
                    "prefect / taskbook first flow",
                    ratio(pf["first_flow_s"], first),
                ),
            ]
    report(f"startup: fresh processes, median of {args.runs}", rows, figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
