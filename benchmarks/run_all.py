"""Run every benchmark (each in its own process) and print a summary table.

    python benchmarks/run_all.py [--no-prefect] [--quick]

Each script prints its own detailed figures as it goes; the table at the end
puts taskbook, the plain-Python baseline, the target and (when installed)
Prefect 3 side by side. ``--quick`` uses fewer repeats, for a smoke run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import fmt_seconds, ratio

HERE = Path(__file__).resolve().parent
SCRIPTS = ("bench_chain.py", "bench_map.py", "bench_cache.py", "bench_startup.py")


def run(script: str, extra: list[str], out: Path) -> dict[str, Any] | None:
    cmd = [sys.executable, str(HERE / script), "--json", str(out), *extra]
    print(f"$ {' '.join(cmd[1:])}", flush=True)
    proc = subprocess.run(cmd, check=False)
    if proc.returncode != 0 or not out.exists():
        print(f"{script} failed with exit code {proc.returncode}", flush=True)
        return None
    return dict(json.loads(out.read_text()))


def _pf(figures: dict[str, Any] | None, key: str) -> float | None:
    pf = (figures or {}).get("prefect")
    return float(pf[key]) if isinstance(pf, dict) and key in pf else None


def _tb(figures: dict[str, Any] | None, key: str) -> float | None:
    tb = (figures or {}).get("taskbook")
    return float(tb[key]) if isinstance(tb, dict) and key in tb else None


def summary(results: dict[str, dict[str, Any] | None]) -> list[tuple[str, ...]]:
    chain, fan, cache, start = (results.get(s) for s in SCRIPTS)
    rows: list[tuple[str, ...]] = []

    def row(
        name: str,
        value: float | None,
        target: float | None,
        baseline: str,
        base: float | None,
        prefect: float | None,
    ) -> None:
        verdict = "n/a"
        if value is not None and target is not None:
            verdict = "met" if value <= target else "MISSED"
        rows.append(
            (
                name,
                fmt_seconds(value),
                f"≤ {fmt_seconds(target)} ({verdict})" if target else "-",
                f"{baseline} {fmt_seconds(base)}" if baseline else "-",
                fmt_seconds(prefect) if prefect is not None else "-",
                ratio(prefect, value) if prefect is not None else "-",
            )
        )

    n = (chain or {}).get("tasks", 1000)
    row(
        f"chain: per-task overhead ({n} tasks)",
        _tb(chain, "per_task_s"),
        100e-6,
        f"plain {n} calls",
        _tb(chain, "plain_s"),
        _pf(chain, "per_task_s"),
    )
    m = (fan or {}).get("elements", 10_000)
    row(
        f"map: {m:,} elements, total",
        _tb(fan, "flow_s"),
        1.0,
        "ThreadPoolExecutor",
        _tb(fan, "pool_s"),
        _pf(fan, "flow_s"),
    )
    row(
        "cache: hit latency, small value",
        _tb(cache, "hit_s"),
        200e-6,
        "diskcache get",
        _tb(cache, "diskcache_get_s"),
        _pf(cache, "hit_s"),
    )
    row(
        "startup: import taskbook",
        _tb(start, "import_s"),
        None,
        "stdlib imports",
        _tb(start, "stdlib_import_s"),
        _pf(start, "import_s"),
    )
    row(
        "startup: first flow call",
        _tb(start, "first_flow_s"),
        50e-3,
        "warm call",
        _tb(start, "second_flow_s"),
        _pf(start, "first_flow_s"),
    )
    return rows


def print_table(rows: list[tuple[str, ...]]) -> None:
    header = ("benchmark", "taskbook", "target", "baseline", "prefect", "pf/tb")
    table = [header, *rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"
        for r in table
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    print("\n".join(lines))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--no-prefect", action="store_true")
    p.add_argument("--quick", action="store_true", help="fewer repeats")
    args = p.parse_args()
    extra = ["--no-prefect"] if args.no_prefect else []
    if args.quick:
        extra += ["--repeats", "2"]
    out_dir = Path(tempfile.mkdtemp(prefix="taskbook-bench-results-"))
    results = {}
    for script in SCRIPTS:
        script_extra = list(extra)
        if args.quick and script == "bench_startup.py":
            script_extra += ["--runs", "3"]
        results[script] = run(script, script_extra, out_dir / f"{script}.json")
    print(f"\n== summary (python {sys.version.split()[0]}) ==")
    print_table(summary(results))
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
