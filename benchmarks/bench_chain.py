"""Per-task overhead of a sequential chain of no-op tasks inside one flow.

Each task is called directly and its result fed to the next; every state is
recorded in the run store. A flow returns before its rows are committed (the
store's writer thread catches up), so the timed region ends with an explicit
flush: the clock stops only when every row is committed. The baseline is
the same chain of plain function calls. Per-task overhead is
``(flow time - plain time) / N``; target ≤ 100 µs.

    python benchmarks/bench_chain.py [--tasks 1000] [--repeats 5]
"""

from __future__ import annotations

import sys
import time

from _common import (
    emit_worker_result,
    fmt_seconds,
    isolate_taskbook_home,
    median_time,
    parser,
    prefect_figures,
    ratio,
    report,
)

TARGET_PER_TASK = 100e-6


def noop(x: int) -> int:
    return x + 1


def plain_chain(n: int) -> int:
    x = 0
    for _ in range(n):
        x = noop(x)
    return x


def measure_taskbook(n: int, repeats: int) -> dict[str, float]:
    from taskbook import flow, task
    from taskbook.engine.session import get_session

    step = task(noop)

    def run_and_flush(n: int) -> None:
        chain(n)
        get_session().store.flush()

    @flow
    def chain(n: int) -> int:
        x = 0
        for _ in range(n):
            x = step(x)
        return x

    assert chain(3) == 3  # warm: store opened, writer thread started
    flow_s = median_time(lambda: run_and_flush(n), repeats)
    plain_s = median_time(lambda: plain_chain(n), repeats)
    return {
        "flow_s": flow_s,
        "plain_s": plain_s,
        "per_task_s": (flow_s - plain_s) / n,
    }


def measure_prefect(n: int, repeats: int) -> dict[str, float]:
    from prefect import flow, task

    step = task(noop)

    @flow
    def chain(n: int) -> int:
        x = 0
        for _ in range(n):
            x = step(x)
        return x

    start = time.perf_counter()
    chain(3)  # starts the ephemeral server
    first_s = time.perf_counter() - start
    flow_s = median_time(lambda: chain(n), repeats, warmup=0)
    plain_s = median_time(lambda: plain_chain(n), 5)
    return {
        "flow_s": flow_s,
        "plain_s": plain_s,
        "per_task_s": (flow_s - plain_s) / n,
        "server_start_s": first_s,
    }


def main() -> int:
    p = parser(__doc__ or "")
    p.add_argument("--tasks", type=int, default=1000)
    p.add_argument("--prefect-repeats", type=int, default=2)
    args = p.parse_args()
    if args.prefect_worker:
        emit_worker_result(measure_prefect(args.tasks, args.prefect_repeats))
        return 0

    isolate_taskbook_home()
    tb = measure_taskbook(args.tasks, args.repeats)
    figures: dict[str, object] = {"tasks": args.tasks, "taskbook": tb}
    rows = [
        (f"plain {args.tasks} calls", fmt_seconds(tb["plain_s"])),
        (f"taskbook flow of {args.tasks} tasks", fmt_seconds(tb["flow_s"])),
        (
            "taskbook per-task overhead",
            f"{fmt_seconds(tb['per_task_s'])} (target ≤ "
            f"{fmt_seconds(TARGET_PER_TASK)}: "
            f"{'met' if tb['per_task_s'] <= TARGET_PER_TASK else 'MISSED'})",
        ),
    ]
    pf = prefect_figures(__file__, args, ["--tasks", str(args.tasks)])
    figures["prefect"] = pf
    if isinstance(pf, dict):
        rows += [
            (f"prefect flow of {args.tasks} tasks", fmt_seconds(pf["flow_s"])),
            ("prefect per-task overhead", fmt_seconds(pf["per_task_s"])),
            (
                "prefect / taskbook per-task",
                ratio(pf["per_task_s"], tb["per_task_s"]),
            ),
        ]
    elif pf is not None:
        rows.append(("prefect", pf))
    report(
        f"chain: {args.tasks} sequential no-op tasks, median of {args.repeats}",
        rows,
        figures,
        args.json,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
