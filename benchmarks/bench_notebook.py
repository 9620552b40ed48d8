"""The example notebook end to end: ``taskbook run`` vs papermill, and cached ``%flow run``.

    python benchmarks/bench_notebook.py [--repeats N] [--json OUT]

1. ``taskbook run notebooks/01_etl.ipynb`` (in-process, no kernel) against
   ``papermill`` on the same notebook (a kernel per run), both from a cold cache,
   each in a fresh process, medians of N. Target: taskbook ≥ 2× faster.
2. In a live kernel (jupyter_client), a fully cached ``%flow run`` of the same
   notebook, per DAG cell, without and with the live view (alternating runs).
   Target: ≤ 20 ms per task.
papermill is optional (``pip install papermill``); without it part 1 prints only
taskbook's figure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "01_etl.ipynb"


def _project() -> Path:
    root = Path(tempfile.mkdtemp(prefix="taskbook-nb-bench-"))
    shutil.copytree(
        REPO / "notebooks", root / "notebooks", ignore=shutil.ignore_patterns("output")
    )
    shutil.copytree(REPO / "examples" / "data", root / "examples" / "data")
    return root


def _timed(cmd: list[str], cwd: Path, home: Path) -> float:
    env = {
        **os.environ,
        "TASKBOOK_HOME": str(home),
        "TASKBOOK_LOGGING_LEVEL": "WARNING",
    }
    started = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    return seconds


def headless(repeats: int) -> dict[str, float | None]:
    taskbook = str(Path(sys.executable).parent / "taskbook")
    papermill_cli = shutil.which("papermill", path=str(Path(sys.executable).parent))
    tb_times, pm_times = [], []
    for i in range(repeats):
        root = _project()
        nb = root / "notebooks" / "01_etl.ipynb"
        tb_times.append(
            _timed(
                [taskbook, "run", str(nb), str(root / "tb.ipynb")],
                root / "notebooks",
                root / f"tb{i}",
            )
        )
        if papermill_cli:
            pm_times.append(
                _timed(
                    [papermill_cli, str(nb), str(root / "pm.ipynb")],
                    root / "notebooks",
                    root / f"pm{i}",
                )
            )
        shutil.rmtree(root, ignore_errors=True)
    tb = statistics.median(tb_times)
    pm = statistics.median(pm_times) if pm_times else None
    print(
        f"taskbook run, cold cache: median {tb:.2f} s  ({', '.join(f'{t:.2f}' for t in tb_times)})"
    )
    if pm is None:
        print("papermill: not installed (pip install papermill) — no comparison")
    else:
        print(
            f"papermill,    cold cache: median {pm:.2f} s  ({', '.join(f'{t:.2f}' for t in pm_times)})"
        )
        print(f"taskbook run is {pm / tb:.1f}× faster end to end (target ≥ 2×)")
    return {"taskbook_run_s": tb, "papermill_s": pm}


def cached_flow_run(repeats: int) -> dict[str, float]:
    from jupyter_client.manager import KernelManager

    root = _project()
    nb = root / "notebooks" / "01_etl.ipynb"
    env = {
        **os.environ,
        "TASKBOOK_HOME": str(root / "home"),
        "JPY_SESSION_NAME": str(nb),
        "TASKBOOK_LOGGING_LEVEL": "WARNING",
    }
    manager = KernelManager(kernel_name="python3")
    manager.kernel_spec.argv[0] = sys.executable
    manager.start_kernel(cwd=str(root / "notebooks"), env=env)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        client.execute_interactive(
            "%load_ext taskbook", timeout=60, output_hook=lambda m: None
        )
        client.execute_interactive("%flow run", timeout=120, output_hook=lambda m: None)
        probes = {
            view: (
                f"import time as _t\n_s = _t.perf_counter()\n%flow run {flag}\n"
                "_taskbook_bench = (_t.perf_counter() - _s, len(get_ipython()"
                "._taskbook_magics[0].side.last_result.cells))"
            )
            for view, flag in ((True, ""), (False, "--no-view"))
        }
        figures: dict[bool, list[float]] = {True: [], False: []}
        cells = 0
        for _ in range(repeats):
            for view in (False, True):  # alternate: both see the same load
                client.execute_interactive(
                    probes[view], timeout=120, output_hook=lambda m: None
                )
                client.execute_interactive(
                    "print(repr(_taskbook_bench))", timeout=60, output_hook=_collect
                )
                seconds, cells = _LAST[-1]
                figures[view].append(seconds)
        whole = statistics.median(figures[False])
        viewed = statistics.median(figures[True])
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
        shutil.rmtree(root, ignore_errors=True)
    per_task = whole / cells
    print(
        f"cached %flow run --no-view in a live kernel: median {whole * 1e3:.1f} ms for "
        f"{cells} cells = {per_task * 1e3:.2f} ms per task (target ≤ 20 ms)"
    )
    print(
        f"cached %flow run with the live view (default): median {viewed * 1e3:.1f} ms "
        f"= {viewed / cells * 1e3:.2f} ms per task; the view adds "
        f"{(viewed - whole) * 1e3:.1f} ms per run (placeholder, final frame, static copy)"
    )
    return {
        "cached_flow_run_s": whole,
        "cached_flow_run_with_view_s": viewed,
        "cells": cells,
        "per_task_s": per_task,
    }


_LAST: list[tuple[float, int]] = []


def _collect(message: dict) -> None:
    if message["msg_type"] == "stream":
        _LAST.append(eval(message["content"]["text"]))  # a tuple we printed ourselves


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    figures = {**headless(args.repeats), **cached_flow_run(max(args.repeats, 5))}
    if args.json:
        args.json.write_text(json.dumps(figures))


if __name__ == "__main__":
    main()
