"""A large ``.map`` of a no-op task in a flow, against a plain thread pool.

The flow maps a no-op task over N elements on the default ThreadPoolTaskRunner
and waits for every result; the clock stops when the flow call has returned
and the run store has committed every row (an explicit flush). The baseline submits the same N calls to a
``concurrent.futures.ThreadPoolExecutor`` (stdlib default size) and waits for
them. Target: N = 10,000 in ≤ 1 s.

    python benchmarks/bench_map.py [--elements 10000] [--repeats 5]
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor

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

TARGET_S = 1.0


def noop(x: int) -> int:
    return x


def thread_pool(n: int) -> list[int]:
    with ThreadPoolExecutor() as pool:
        futures = [pool.submit(noop, i) for i in range(n)]
        return [f.result() for f in futures]


def measure_taskbook(n: int, repeats: int) -> dict[str, float]:
    from taskbook import flow, task
    from taskbook.engine.session import get_session

    step = task(noop)

    @flow
    def mapped(n: int) -> int:
        return len(step.map(range(n)).result())

    def run_and_flush(n: int) -> None:
        mapped(n)
        get_session().store.flush()

    assert mapped(10) == 10  # warm: store opened, writer thread started
    flow_s = median_time(lambda: run_and_flush(n), repeats)
    pool_s = median_time(lambda: thread_pool(n), repeats)
    return {"flow_s": flow_s, "pool_s": pool_s, "per_element_s": flow_s / n}


def measure_prefect(n: int, repeats: int) -> dict[str, float]:
    from prefect import flow, task

    step = task(noop)

    @flow
    def mapped(n: int) -> int:
        return len(step.map(range(n)).result())

    start = time.perf_counter()
    mapped(3)  # starts the ephemeral server
    first_s = time.perf_counter() - start
    flow_s = median_time(lambda: mapped(n), repeats, warmup=0)
    pool_s = median_time(lambda: thread_pool(n), 3)
    return {
        "flow_s": flow_s,
        "pool_s": pool_s,
        "per_element_s": flow_s / n,
        "server_start_s": first_s,
    }


def main() -> int:
    p = parser(__doc__ or "")
    p.add_argument("--elements", type=int, default=10_000)
    p.add_argument("--prefect-repeats", type=int, default=1)
    args = p.parse_args()
    if args.prefect_worker:
        emit_worker_result(measure_prefect(args.elements, args.prefect_repeats))
        return 0

    isolate_taskbook_home()
    tb = measure_taskbook(args.elements, args.repeats)
    figures: dict[str, object] = {"elements": args.elements, "taskbook": tb}
    n = f"{args.elements:,}"
    rows = [
        (f"ThreadPoolExecutor, {n} submits", fmt_seconds(tb["pool_s"])),
        (
            f"taskbook .map of {n}",
            f"{fmt_seconds(tb['flow_s'])} (target ≤ {fmt_seconds(TARGET_S)}: "
            f"{'met' if tb['flow_s'] <= TARGET_S else 'MISSED'})",
        ),
        ("taskbook per element", fmt_seconds(tb["per_element_s"])),
        ("taskbook / thread pool", ratio(tb["flow_s"], tb["pool_s"])),
    ]
    pf = prefect_figures(__file__, args, ["--elements", str(args.elements)])
    figures["prefect"] = pf
    if isinstance(pf, dict):
        rows += [
            (f"prefect .map of {n}", fmt_seconds(pf["flow_s"])),
            ("prefect / taskbook", ratio(pf["flow_s"], tb["flow_s"])),
        ]
    elif pf is not None:
        rows.append(("prefect", pf))
    report(
        f"map: {n} no-op elements, median of {args.repeats}",
        rows,
        figures,
        args.json,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
