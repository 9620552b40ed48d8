"""The fault scenarios of the README's table: key -> (scenario, expected).

Each test of the suite reports what it observed for its key (``observe`` fixture);
``scripts/faults_table.py`` runs the suite and writes the table into the README,
and ``test_readme_table.py`` checks the README lists exactly these rows.
"""

from __future__ import annotations

SCENARIOS: dict[str, tuple[str, str]] = {
    "corrupt-entry": (
        "A cached value in `cache/cache.db` cut short (torn write)",
        "a miss with a warning naming the task and the key; entry deleted; "
        "next run a hit",
    ),
    "garbage-cache-db": (
        "`cache/cache.db` overwritten with garbage",
        "moved aside with a warning naming both paths; an empty cache; the flow runs",
    ),
    "cache-full": (
        "The cache's disk full when a 1 MB result is stored (tmpfs)",
        "the task completes, uncached, with a warning naming the cache and the fix",
    ),
    "cache-read-only": (
        "The cache folder on a read-only disk (tmpfs)",
        "the flow fails with `CacheError` naming the folder and the fix",
    ),
    "store-read-only": (
        "An existing store on a read-only disk (tmpfs), left by a closed session "
        "or by a process that exited",
        "the flow fails before running with `StoreUnwritableError` naming "
        "`runs.sqlite` and the fix",
    ),
    "store-full": (
        "The store's disk full during a 300-task flow (tmpfs)",
        "the flow fails with `StoreUnwritableError`; once space returns the run "
        "is recorded, none left Running",
    ),
    "two-sigints": (
        "`taskbook run` sent two SIGINTs at once (6 tries)",
        "exit 130, run Cancelled, output notebook written",
    ),
    "three-sigints": (
        "`taskbook run` sent three SIGINTs at once",
        "exits at once (130); the run ends Cancelled or, at the next open, Crashed",
    ),
    "sigterm": (
        "`taskbook run` sent SIGTERM",
        "exit 143, run Cancelled, output notebook written",
    ),
    "unwritable-output": (
        "`taskbook run` with an output on a read-only disk",
        "exit 2 before any cell runs, naming the folder",
    ),
    "timeout-blocked in C": (
        "`taskbook run --timeout 1`, a cell in one `time.sleep(600)`",
        "exit 1 at the limit, cell TimedOut, run Failed (TimedOut)",
    ),
    "timeout-in Python": (
        "`taskbook run --timeout 1`, a cell looping for 600 s",
        "exit 1 at the limit, cell TimedOut, run Failed (TimedOut)",
    ),
    "coerced-parameters": (
        "A flow `n: int` called with `'5'`",
        "the store records `n = 5`",
    ),
    "private-files": (
        "Permissions of a new store and cache",
        "folders 0700, database files 0600",
    ),
    "kill-9-kernel": (
        "A kernel killed (kill -9) during `%flow run`, then `%flow run` in a new "
        "kernel",
        "the first run Crashed, nothing left Running; the rerun resumes: the "
        "finished cell a cache hit",
    ),
    "concurrent-writers": (
        "Two kernels (5 flows x 200 tasks each) and a `taskbook run` on one store "
        "at once",
        "every run and task run recorded, all Completed",
    ),
    "leaked-thread": (
        "A cell that starts a thread that never ends, under `taskbook run`",
        "the run completes and the process exits 0",
    ),
    "large-result": (
        "A task returning a 1 GB result, run twice in two processes",
        "the second run a cache hit with the same bytes",
    ),
    "doctor": (
        "`taskbook doctor` on a store with a run left Running by a dead process "
        "and an orphaned cache file",
        "exit 1 naming both; `--repair` marks the run Crashed, deletes the file, "
        "exit 0",
    ),
    "doctor-damaged-cache": (
        "`taskbook doctor` on a garbage `cache.db`",
        "exit 1 naming it damaged; `--repair` moves it aside, exit 0",
    ),
    "gc": (
        "`taskbook gc --keep-last 2` / `--older-than 30d` / `--max-cache-size 300KB`",
        "deletes the runs beyond the limits with their task runs, and the oldest "
        "cached results",
    ),
}
