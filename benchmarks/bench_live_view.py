"""Cost of the live view: a 1,000-task flow with ``LiveView`` attached vs without.

Two workloads, each measured with and without the view in the same process and run,
interleaved (off, on, off, on...) so machine noise hits both alike; medians over
repeats and their ratio (target: at most 1.10):

- ``chain``: 1,000 no-op tasks called one after another (as ``bench_chain.py``),
  with five times the repeats (a run of ~30 ms is at the mercy of machine noise);
- ``dag``: 1,000 distinct tasks (1,000 graph nodes) submitted to the thread runner,
  each sleeping 2 ms and waiting for up to two earlier ones;
- ``dag-slow``: the same with 20 ms tasks, a run of a few seconds in which the
  view draws frames while the run is in flight.

The view is the real one: ipywidgets, the anywidget graph and plotly's FigureWidget.
No kernel runs here, so widget messages go to a comm that JSON-encodes them (what
ipykernel would do before sending) and drops them. The timed region is the flow
call; the view's last frame and static output are awaited untimed, and reported
as "catch-up" (flow return -> static output ready).

With ``--browser`` it also times how long Chromium takes to draw the graph of the
1,000-node run with the widget's own front-end code (``GraphWidget._esm``): set the
SVG, apply the state patches, lay out and paint (two animation frames). Needs
Playwright and /usr/bin/chromium (``scripts/browser_deps.sh``); target < 1 s.

    python benchmarks/bench_live_view.py [--repeats 5] [--tasks 1000] [--browser]
"""

from __future__ import annotations

import gc
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from _common import fmt_seconds, isolate_taskbook_home, parser, report

TARGET_RATIO = 1.10
TARGET_RENDER = 1.0


def install_json_comm() -> None:
    """Make ipywidgets' comms JSON-encode each message, as a kernel would."""
    import comm
    from comm.base_comm import BaseComm

    class JsonComm(BaseComm):  # type: ignore[misc]
        sent_bytes = 0

        def publish_msg(
            self,
            msg_type: str,
            data: Any = None,
            metadata: Any = None,
            buffers: Any = None,
            **keys: Any,
        ) -> None:
            payload = json.dumps(
                {"data": data, "metadata": metadata, **keys}, default=str
            )
            JsonComm.sent_bytes += len(payload) + sum(len(b) for b in buffers or ())

    comm.create_comm = lambda *args, **kwargs: JsonComm(*args, **kwargs)


class QuietHost:
    """A host with nothing to display into: the view still builds every frame."""

    def deliver(self, fn: Any) -> None:
        fn()

    def display(
        self,
        bundle: dict[str, Any],
        display_id: str,
        update: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        del bundle, display_id, update, metadata


def workloads(n: int) -> dict[str, Any]:
    from taskbook import flow, task

    def noop(x: int) -> int:
        return x + 1

    step = task(noop)

    @flow
    def chain() -> int:
        x = 0
        for _ in range(n):
            x = step(x)
        return x

    def work(*upstream: int) -> int:
        time.sleep(0.002)
        return len(upstream)

    def slow_work(*upstream: int) -> int:
        time.sleep(0.02)
        return len(upstream)

    tasks = [task(work).with_options(name=f"t{i:04d}") for i in range(n)]
    slow_tasks = [task(slow_work).with_options(name=f"t{i:04d}") for i in range(n)]
    rng = random.Random(0)
    parents = [
        sorted({rng.randrange(max(0, i - 40), i) for _ in range(2)}) if i else []
        for i in range(n)
    ]

    def run_dag(steps: list[Any]) -> int:
        futures: list[Any] = []
        for i, t in enumerate(steps):
            futures.append(t.submit(*(futures[p] for p in parents[i])))
        return sum(f.result() for f in futures)

    @flow
    def dag() -> int:
        return run_dag(tasks)

    @flow(name="dag-slow")
    def dag_slow() -> int:
        return run_dag(slow_tasks)

    return {"chain": chain, "dag": dag, "dag-slow": dag_slow}


def measure(flow_fn: Any, repeats: int) -> dict[str, Any]:
    from taskbook.engine.session import get_session
    from taskbook.widgets.live import LiveView

    session = get_session()
    off: list[float] = []
    on: list[float] = []
    catch_up: list[float] = []
    frames: list[int] = []
    busy: list[float] = []
    for _ in range(repeats):
        gc.collect()  # untimed: each timed call starts from the same heap
        started = time.perf_counter()
        flow_fn()
        off.append(time.perf_counter() - started)
        session.store.flush()
        gc.collect()

        view = LiveView(session, host=QuietHost()).attach()
        started = time.perf_counter()
        flow_fn()
        returned = time.perf_counter()
        on.append(returned - started)
        assert view.wait(120), "the live view did not finish"
        catch_up.append(time.perf_counter() - returned)
        frames.append(view.bridge.applies - 1)  # the last one came after the run
        busy.append(view.bridge.busy_seconds)
        session.store.flush()
    off_m, on_m = statistics.median(off), statistics.median(on)
    return {
        "without_view_s": off_m,
        "with_view_s": on_m,
        "ratio": on_m / off_m,
        "catch_up_s": statistics.median(catch_up),
        "frames": statistics.median(frames),
        "view_busy_s": statistics.median(busy),
    }


def browser_render(n: int) -> dict[str, Any]:
    """Time Chromium drawing an n-node graph with the widget's own front-end code."""
    from playwright.sync_api import sync_playwright

    from taskbook.api.history import get_run, runs
    from taskbook.engine.session import get_session
    from taskbook.widgets.graph_widget import _ESM, GraphWidget
    from taskbook.widgets.records import fold_record

    get_session().store.flush()
    run_id = next(r["id"] for r in runs("dag", limit=1).to_dict("records"))
    fold = fold_record(get_run(run_id))
    widget = GraphWidget()
    widget.show(fold.graph_model())
    nodes = len(fold.graph_model()["nodes"])
    script = """async ([esm, svg, states]) => {
        const url = URL.createObjectURL(new Blob([esm], {type: 'text/javascript'}));
        const mod = (await import(url)).default;
        const values = {svg, states, max_height: '460px', selected: ''};
        const model = {get: (k) => values[k], set() {}, save_changes() {}, on() {}, off() {}};
        const el = document.createElement('div');
        document.body.appendChild(el);
        const t0 = performance.now();
        mod.render({model, el});
        el.getBoundingClientRect();
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        const t1 = performance.now();
        return {ms: t1 - t0, drawn: el.querySelectorAll('g.tb-node').length};
    }"""
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu"],
        )
        for _ in range(5):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_content("<!doctype html><html><body></body></html>")
            result = page.evaluate(script, [_ESM, widget.svg, widget.states])
            assert result["drawn"] == nodes, result
            times.append(result["ms"] / 1000)
            page.close()
        browser.close()
    return {
        "nodes": nodes,
        "svg_bytes": len(widget.svg),
        "render_s": statistics.median(times),
        "render_max_s": max(times),
    }


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--tasks", type=int, default=1000)
    p.add_argument(
        "--browser", action="store_true", help="also time the browser render"
    )
    args = p.parse_args()
    isolate_taskbook_home()
    install_json_comm()
    flows = workloads(args.tasks)
    for fn in flows.values():  # warm: imports, store, widget classes
        fn()
    figures: dict[str, Any] = {"tasks": args.tasks, "repeats": args.repeats}
    rows = []
    for name, fn in flows.items():
        # A 30 ms chain is at the mercy of a busy machine: more repeats for it.
        result = measure(fn, args.repeats * (5 if name == "chain" else 1))
        figures[name] = result
        met = "met" if result["ratio"] <= TARGET_RATIO else "**missed**"
        rows += [
            (f"{name}: without view", fmt_seconds(result["without_view_s"])),
            (f"{name}: with view", fmt_seconds(result["with_view_s"])),
            (
                f"{name}: ratio",
                f"{result['ratio']:.3f} (target ≤ {TARGET_RATIO}, {met})",
            ),
            (
                f"{name}: view",
                f"{result['frames']:.0f} frames during the run, {fmt_seconds(result['view_busy_s'])} busy, "
                f"static output {fmt_seconds(result['catch_up_s'])} after the flow returned",
            ),
        ]
    if args.browser:
        render = browser_render(args.tasks)
        figures["browser"] = render
        met = "met" if render["render_s"] < TARGET_RENDER else "**missed**"
        rows.append(
            (
                "browser: draw the graph",
                f"{fmt_seconds(render['render_s'])} median, {fmt_seconds(render['render_max_s'])} max "
                f"({render['nodes']} nodes, {render['svg_bytes'] / 1e3:.0f} kB SVG; "
                f"target < {TARGET_RENDER:.0f} s, {met})",
            )
        )
    report(
        f"live view, {args.tasks} tasks (median of {args.repeats})",
        rows,
        figures,
        args.json,
    )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
