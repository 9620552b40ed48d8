"""What the JupyterLab extension costs: opening a 200-cell notebook, badge delay, idle traffic.

Runs a real JupyterLab (the browser tests' harness) in headless Chromium:

- ``open``: the extension's own main-thread work while a 200-task notebook opens
  (its ``performance.measure`` entries: setup and drawing 200 badges from the
  saved file's registry; goal < 50 ms), and, for context, goto -> 200 cells and
  the kernel idle with the extension and with its JS blocked (same server,
  interleaved; on a busy 2-core machine this difference is mostly noise);
- ``delay``: after ``%load_ext taskbook``, for each badge change the browser's clock
  when the badge changed minus the state's timestamp in the kernel (one machine,
  one clock); median and max (goal < 100 ms). Twice: the 200 tasks at once (a CPU
  burst), and 20 chained tasks of 0.1 s (the latency of the path);
- ``idle``: HTTP requests to ``/taskbook/`` during 10 s of idle after the notebook
  opened (goal: none; JupyterLab's own polling is not counted).

Usage: ``PYTHONPATH=src python benchmarks/bench_labextension.py [--repeats N]``
(needs ``bash scripts/browser_deps.sh`` and the built extension).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))

import conftest as harness  # the browser tests' server helpers

CELLS = 200
PACED = 20
WATCH = """
window.__badgeDelays = [];
new MutationObserver(records => {
  const now = Date.now() / 1000;
  for (const r of records) {
    const el = r.target;
    if (el.classList && el.classList.contains('taskbook-badge') && el.dataset.ts) {
      window.__badgeDelays.push(now - Number(el.dataset.ts));
    }
  }
}).observe(document.body, {subtree: true, attributes: true, attributeFilter: ['data-ts']});
"""


def report(label: str, delays: list[float]) -> None:
    print(
        f"state change -> badge ({label}): median "
        f"{statistics.median(delays) * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms "
        f"over {len(delays)} changes"
    )


def open_once(page, server, name: str, block: bool, cells: int = CELLS) -> float:
    if block:
        page.route("**/lab/extensions/taskbook/**", lambda route: route.abort())
    start = time.perf_counter()
    page.goto(server.notebook_url(name))
    page.wait_for_function(
        "n => { const p = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        " return p && p.content && p.content.widgets.length === n"
        " && p.sessionContext.session && p.sessionContext.session.kernel"
        " && p.sessionContext.session.kernel.status === 'idle'; }",
        arg=cells,
        timeout=120_000,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        home, root = Path(tmp) / "home", Path(tmp) / "root"
        home.mkdir()
        root.mkdir()
        proc, server = harness._start_lab(home, root)
        try:
            harness._wait_until_up(proc, server)
            cells = [f"%%task t{i}\nv{i} = {i}" for i in range(CELLS)]
            harness.write_notebook(root, cells, "bench200")
            paced = ["%%task p0\nimport time\ntime.sleep(0.1)\nx0 = 0"] + [
                f"%%task p{i}\ntime.sleep(0.1)\nx{i} = x{i - 1} + 1"
                for i in range(1, PACED)
            ]
            harness.write_notebook(root, paced, "paced")
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=str(harness.CHROMIUM),
                    headless=True,
                    args=harness.CHROME_FLAGS,
                )
                times: dict[bool, list[float]] = {True: [], False: []}
                for _ in range(args.repeats):
                    for block in (True, False):
                        context = browser.new_context()
                        page = context.new_page()
                        times[block].append(
                            open_once(page, server, "bench200.ipynb", block)
                        )
                        context.close()
                        server.shutdown_kernels()
                # The extension's own main-thread work while the notebook opened
                # (setup, badge drawing): what it adds beyond loading its ~20 KB.
                context = browser.new_context()
                page = context.new_page()
                open_once(page, server, "bench200.ipynb", block=False)
                page.locator(".taskbook-badge").nth(CELLS - 1).wait_for()
                own = page.evaluate(
                    "() => performance.getEntriesByType('measure')"
                    ".filter(m => m.name.startsWith('taskbook:'))"
                    ".reduce((sum, m) => sum + m.duration, 0)"
                )
                context.close()
                server.shutdown_kernels()
                print(
                    f"open {CELLS}-cell notebook: the extension's own work (setup "
                    f"and {CELLS} badges drawn) {own:.1f} ms on the main thread"
                )
                with_ext = statistics.median(times[False])
                without = statistics.median(times[True])
                print(
                    f"open {CELLS}-cell notebook: {with_ext * 1000:.0f} ms with the "
                    f"extension, {without * 1000:.0f} ms without; adds "
                    f"{(with_ext - without) * 1000:+.0f} ms (median of {args.repeats})"
                )

                context = browser.new_context()
                page = context.new_page()
                requests: list[str] = []
                page.on(
                    "request",
                    lambda r: requests.append(r.url) if "/taskbook/" in r.url else None,
                )
                open_once(page, server, "bench200.ipynb", block=False)
                page.wait_for_timeout(1000)
                before = len(requests)
                page.wait_for_timeout(10_000)
                opening = sorted({u.split("/taskbook/")[1] for u in requests[:before]})
                print(
                    f"idle: {len(requests) - before} request(s) to /taskbook/ in 10 s "
                    f"(after {before} while opening: {', '.join(opening)})"
                )
                page.evaluate(WATCH)
                page.evaluate(
                    "async () => { const p = window.jupyterapp.shell.currentWidget;"
                    " await p.sessionContext.session.kernel.requestExecute("
                    "{code: '%load_ext taskbook'}).done;"
                    " await p.sessionContext.session.kernel.requestExecute("
                    "{code: '%flow run --no-view'}).done; }"
                )
                page.wait_for_function(
                    "() => document.querySelectorAll("
                    "\".taskbook-badge[data-state='COMPLETED']\").length >= 200",
                    timeout=120_000,
                )
                report(
                    "burst, 200 tasks at once", page.evaluate("window.__badgeDelays")
                )
                context.close()
                server.shutdown_kernels()

                # Paced: one task at a time (each sleeps 0.1 s), so the latency of
                # the path is measured, not a CPU burst on a 2-core machine.
                context = browser.new_context()
                page = context.new_page()
                open_once(page, server, "paced.ipynb", block=False, cells=PACED)
                page.evaluate(WATCH)
                page.evaluate(
                    "async () => { const p = window.jupyterapp.shell.currentWidget;"
                    " await p.sessionContext.session.kernel.requestExecute("
                    "{code: '%load_ext taskbook'}).done;"
                    " window.__badgeDelays = [];"
                    " await p.sessionContext.session.kernel.requestExecute("
                    "{code: '%flow run --no-view'}).done; }"
                )
                page.wait_for_function(
                    f"() => document.querySelectorAll("
                    f"\".taskbook-badge[data-state='COMPLETED']\").length >= {PACED}",
                    timeout=120_000,
                )
                report(
                    f"paced, {PACED} chained tasks",
                    page.evaluate("window.__badgeDelays"),
                )
                context.close()
                browser.close()
        finally:
            harness._stop(proc)


if __name__ == "__main__":
    main()
