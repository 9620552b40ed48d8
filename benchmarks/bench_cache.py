"""Cache-hit latency for a small value, against a raw diskcache ``get``.

A task with ``cache_policy=INPUTS`` is called once inside a flow (a miss that
stores the value), then called again with the same inputs N times; the loop is
timed inside the flow body, so the figure is the per-call cost of the hit path:
a new task run, its cache key, the diskcache read and unpickle, the Cached
state and its recording. The baseline is ``diskcache.Cache.get`` of a small
value in a cache directory on the same disk. Target ≤ 200 µs per hit.

    python benchmarks/bench_cache.py [--calls 1000] [--repeats 5]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time

from _common import (
    emit_worker_result,
    fmt_seconds,
    isolate_taskbook_home,
    parser,
    prefect_figures,
    ratio,
    report,
)

TARGET_S = 200e-6
VALUE = {"region": "emea", "total": 1234.5, "orders": [1, 2, 3]}


def small_value(key: int) -> dict[str, object]:
    return dict(VALUE, key=key)


def raw_diskcache_get(calls: int, repeats: int) -> float:
    """Median per-call seconds of ``Cache.get`` on a small stored value."""
    import diskcache

    with diskcache.Cache(tempfile.mkdtemp(prefix="diskcache-bench-")) as cache:
        cache.set("k", small_value(1))
        samples = []
        for _ in range(repeats + 1):
            start = time.perf_counter()
            for _ in range(calls):
                cache.get("k")
            samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples[1:])


def measure_taskbook(calls: int, repeats: int) -> dict[str, float]:
    from taskbook import flow, task
    from taskbook.cache_policies import INPUTS

    cached = task(cache_policy=INPUTS)(small_value)

    @flow
    def hits(calls: int) -> float:
        cached(1)  # a miss the first time the flow runs; stores the value
        start = time.perf_counter()
        for _ in range(calls):
            cached(1)
        return (time.perf_counter() - start) / calls

    hits(1)
    if cached(1, return_state=True).name != "Cached":  # outside a flow: still a hit
        raise RuntimeError("the repeated call was not a cache hit")
    per_hit = statistics.median(hits(calls) for _ in range(repeats))
    return {"hit_s": per_hit, "diskcache_get_s": raw_diskcache_get(calls, repeats)}


def measure_prefect(calls: int, repeats: int) -> dict[str, float]:
    from prefect import flow, task
    from prefect.cache_policies import INPUTS

    cached = task(cache_policy=INPUTS)(small_value)

    @flow
    def hits(calls: int) -> float:
        cached(1)
        start = time.perf_counter()
        for _ in range(calls):
            cached(1)
        return (time.perf_counter() - start) / calls

    hits(1)  # starts the ephemeral server and stores the value
    per_hit = statistics.median(hits(calls) for _ in range(repeats))
    return {"hit_s": per_hit, "diskcache_get_s": raw_diskcache_get(calls, 3)}


def main() -> int:
    p = parser(__doc__ or "")
    p.add_argument("--calls", type=int, default=1000)
    p.add_argument("--prefect-calls", type=int, default=200)
    p.add_argument("--prefect-repeats", type=int, default=2)
    args = p.parse_args()
    if args.prefect_worker:
        emit_worker_result(measure_prefect(args.prefect_calls, args.prefect_repeats))
        return 0

    isolate_taskbook_home()
    tb = measure_taskbook(args.calls, args.repeats)
    figures: dict[str, object] = {"calls": args.calls, "taskbook": tb}
    rows = [
        ("raw diskcache get", fmt_seconds(tb["diskcache_get_s"])),
        (
            "taskbook cache hit",
            f"{fmt_seconds(tb['hit_s'])} (target ≤ {fmt_seconds(TARGET_S)}: "
            f"{'met' if tb['hit_s'] <= TARGET_S else 'MISSED'})",
        ),
        ("taskbook / diskcache", ratio(tb["hit_s"], tb["diskcache_get_s"])),
    ]
    pf = prefect_figures(__file__, args, ["--prefect-calls", str(args.prefect_calls)])
    figures["prefect"] = pf
    if isinstance(pf, dict):
        rows += [
            (
                f"prefect cache hit ({args.prefect_calls} calls)",
                fmt_seconds(pf["hit_s"]),
            ),
            ("prefect / taskbook", ratio(pf["hit_s"], tb["hit_s"])),
        ]
    elif pf is not None:
        rows.append(("prefect", pf))
    report(
        f"cache: {args.calls} hits of a small value, median of {args.repeats}",
        rows,
        figures,
        args.json,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
