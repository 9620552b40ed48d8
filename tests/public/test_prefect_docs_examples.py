"""Code examples from Prefect 3's own documentation run under taskbook, import swapped.

Each script in ``docs_examples/`` is copied from a page of Prefect's docs (named at
its top, with the few lines we added or changed marked). The expected lines below
are what the script gave under Prefect 3.9.1, normalised by ``normalise``; the slow
test runs every script under real Prefect again (against one local Prefect server)
and checks that it still gives them. The fast test runs it under taskbook with
``prefect`` replaced by ``taskbook`` in its imports, offline, as
test_prefect_scripts.py runs its scripts.

What is compared: the script's stdout, the lines its own code logs inside runs
(``log_prints`` and run loggers; not the engines' lifecycle lines, which differ on
purpose: see README "Where taskbook differs from Prefect on purpose"), and, when
it exits non-zero, the last line of its traceback.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.export.running import prefect_python
from tests.export.running import prefect_server as running_prefect_server
from tests.public.test_prefect_scripts import ported_env, run_ported

EXAMPLES = Path(__file__).parent / "docs_examples"

_LOG_LINE = re.compile(
    r"^\d\d:\d\d:\d\d\.\d{3} \| (?P<level>[A-Z]+) *\| "
    r"(?:(?P<kind>Flow|Task) run '(?P<run>[^']*)' - )?(?P<message>.*)$"
)
# The engines' own lines about a run (Prefect's and taskbook's), not the script's.
_ENGINE_MESSAGE = re.compile(
    r"^(Beginning flow run |View at |Finished in state |Task run failed with "
    r"|Encountered exception during execution|Running hook |Hook '.*' "
    r"finished running|Created task run |Executing '|Received non-final state "
    r"|Flow run '.*' failed: .* - Retry \d+/\d+$|Running rollback hook "
    r"|Rollback hook '.*' finished running)"
)
# The module path of a prefect or taskbook exception class in a traceback's last
# line ("prefect.flow_engine.FlowRunTimeoutError: ..."): the import swap's part.
_ERROR_MODULE = re.compile(r"^(?:prefect|taskbook)(?:\.\w+)*\.(?=\w+: )")
_EPOCH_SECONDS = re.compile(r"\b1\d{9}\.\d+\b")


def normalise(stdout: str, stderr: str, returncode: int) -> list[str]:
    """Return the lines a docs example gave, with what is run-specific replaced.

    Only that: generated flow run names become ``<flow-run>``, task run names
    ``<task-run>`` (Prefect suffixes a random hex, taskbook a counter), and
    seconds since the epoch ``<time>``; a prefect or taskbook exception loses its
    module path (``prefect.flow_engine.FlowRunTimeoutError`` is
    ``taskbook.errors._execution.FlowRunTimeoutError`` here). Log lines become ``LOG <LEVEL> <message>``.
    """
    names: dict[str, str] = {}
    logged = []
    for line in stderr.splitlines():
        match = _LOG_LINE.match(line)
        if match is None or match["kind"] is None:
            continue  # tracebacks, warnings, and engine loggers without a run
        names[match["run"]] = f"<{match['kind'].lower()}-run>"
        if not _ENGINE_MESSAGE.match(match["message"]):
            logged.append(f"LOG {match['level']} {match['message']}")
    lines = [*stdout.splitlines(), *logged]
    if returncode:
        # The last line of the traceback (the network guard's report comes later).
        *_, last = (
            line
            for line in stderr.splitlines()
            if line.strip() and not line.startswith((" ", "GUARD "))
        )
        lines.append(f"RAISED {_ERROR_MODULE.sub('', last)}")
    # Longest first, so that "my-flow" never replaces part of "my-flow-2".
    for name in sorted(names, key=len, reverse=True):
        lines = [line.replace(name, names[name]) for line in lines]
    return [_EPOCH_SECONDS.sub("<time>", line) for line in lines]


@dataclass(frozen=True)
class DocsExample:
    script: str
    runs: tuple[tuple[str, ...], ...]  # the lines of each run, in order
    # Concurrent prints: compare only the matches of this pattern in stdout, sorted.
    unordered: str | None = None
    # CLI commands run before and after the script, as `taskbook ARGS` under
    # taskbook and `prefect ARGS` under Prefect (whose server the examples share):
    # e.g. create the concurrency limit an example uses, then delete it.
    setup: tuple[str, ...] = ()
    teardown: tuple[str, ...] = ()


def example(
    script: str,
    *lines: str,
    unordered: str | None = None,
    setup: tuple[str, ...] = (),
    teardown: tuple[str, ...] = (),
) -> DocsExample:
    return DocsExample(script, (lines,), unordered, setup, teardown)


_TASKBOOK_CLI = "from taskbook.cli.main import main; main()"


def run_cli(program: list[str], commands: tuple[str, ...], **kw: object) -> None:
    for command in commands:
        proc = subprocess.run(
            [*program, *shlex.split(command)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            **kw,  # type: ignore[call-overload]
        )
        assert proc.returncode == 0, f"{command}:\n{proc.stdout}{proc.stderr}"


def compared(example: DocsExample, lines: list[str], stdout: str) -> list[str]:
    if example.unordered is None:
        return lines
    # Threads and processes print concurrently: a line may even be torn by another
    # one's text, so compare what was printed, not how it was cut into lines (and
    # how the script ended).
    raised = [line for line in lines if line.startswith("RAISED ")]
    return sorted(re.findall(example.unordered, stdout)) + raised


ELEVATOR = r"elevator (?:moving to|stops on) floor \d+"
ELEVATOR_FLOORS = tuple(
    sorted(
        f"elevator {what} floor {floor}"
        for floor in range(1, 11)
        for what in ("moving to", "stops on")
    )
)

# Five calls at once, then one every 0.1 s: the docs leave the limit to the reader.
RATE_LIMITED_API = "gcl create rate-limited-api --limit 5 --slot-decay-per-second 10"
RATE_LIMITED = r"Making an HTTP request\.\.\."

# pytest's summary of an example that runs pytest.main, without its timing.
PYTEST_OUTCOME = r"\b\d+ (?:passed|failed|errors?)\b"

EXAMPLES_SEEN_UNDER_PREFECT = [
    # how-to-guides/configuration/variables.mdx ("Contextual Behavior")
    example(
        "variables_sync.py",
        "LOG INFO Launching Mars Expedition with crew: Zaphod, Arthur, Trillian",
    ),
    example(
        "variables_async.py",
        "LOG INFO Launching Mars Expedition with crew: Zaphod, Arthur, Trillian",
    ),
    # how-to-guides/workflows/write-and-run.mdx
    example("write_and_run_define_a_workflow.py", "Hello, world!"),
    example(
        "write_and_run_flow_methods.py",
        "Hello, from an instance method!",
        "Hello, from a class method!",
        "Hello, from a static method!",
    ),
    example("write_and_run_flow_generator.py", *(str(i) for i in range(10))),
    example("write_and_run_task_run_name_template.py"),
    example("write_and_run_task_run_name_function.py"),
    example(
        "write_and_run_flow_timeout.py",
        "LOG INFO I will execute",
        "LOG ERROR Flow run exceeded timeout of 1.0 second(s)",
        "RAISED FlowRunTimeoutError: Scope timed out after 1.0 second(s).",
    ),
    # how-to-guides/workflows/retries.mdx
    example("retries_flow_retries.py", "FAILED Failed"),
    example("retries_delay_list.py", "4 [1, 2, 4, 8]"),
    example("retries_exponential_backoff.py", "4 [2, 4, 8, 16]"),
    # how-to-guides/workflows/run-work-concurrently.mdx
    example(
        "concurrently_call_directly.py",
        "elevator moving to floor 0.1",
        "elevator stops on floor 0.1",
        "elevator moving to floor 0.2",
        "elevator stops on floor 0.2",
        "elevator moving to floor 0.3",
        "elevator stops on floor 0.3",
    ),
    example("concurrently_submit.py", *ELEVATOR_FLOORS, unordered=ELEVATOR),
    example("concurrently_future_result.py", "sup"),
    example("concurrently_wait.py", "None"),
    example("concurrently_pass_futures.py", "cool task said sup"),
    example("concurrently_map.py", *ELEVATOR_FLOORS, unordered=ELEVATOR),
    example("concurrently_map_static_value.py", "[6, 7, 8]"),
    example("concurrently_unmapped.py", "[10, 11, 12]"),
    example(
        "concurrently_nested_map.py",
        "",
        "Analysis Results:",
        "  Word counts: [9, 11, 10]",
        "  Extracted emails: [['visitor@example.com'], ['developer@example.com'],"
        " ['events@company.org']]",
        "",
    ),
    example("concurrently_wait_for.py", "None"),
    example(
        "concurrently_handle_failures.py",
        "Processed 3 items successfully",
        "Failed to process 2 items",
        "['Processed 1', 'Processed 3', 'Processed 5']",
    ),
    example("concurrently_asyncio.py", *ELEVATOR_FLOORS, unordered=ELEVATOR),
    # concepts/tasks.mdx
    example(
        "tasks_log_prints.py",
        "LOG INFO run any python code here!",
        "LOG INFO but maybe just a little bit",
    ),
    example("tasks_submit.py", "3"),
    example(
        "tasks_post_init.py",
        "LOG INFO init_count before task = 1",
        "LOG INFO init_count inside task = 2",
        "LOG INFO adjusted_rate = 100.0",
    ),
    example("tasks_quote.py", "LOG INFO adjusted_rate = 150.0"),
    example("tasks_opaque.py", "LOG INFO adjusted_rate = 150.0"),
    # concepts/states.mdx
    example("states_return_states.py", "FAILED 1/2 states failed."),
    example("states_return_state.py", "ok"),
    # concepts/task-runners.mdx
    example("task_runners_thread_pool.py", *ELEVATOR_FLOORS, unordered=ELEVATOR),
    example("task_runners_process_pool.py", *ELEVATOR_FLOORS, unordered=ELEVATOR),
    example("task_runners_future_as_input.py", "<class 'str'>", "Hello Marvin!"),
    example("task_runners_future_result.py", "42"),
    # how-to-guides/workflows/cache-workflow-steps.mdx
    example("cache_persist_result.py", "Completed", "Cached", "Completed"),
    example("cache_inputs.py", "sleeping", "sleeping", "2 3"),
    example("cache_inputs_subset.py", "sleeping"),
    example("cache_expiration.py", "sleeping"),
    example("cache_refresh.py", "False"),
    example("cache_no_refresh.py", "True"),
    example("cache_multiple_criteria.py", "Completed 2", "Cached 2", "Completed 3"),
    # concepts/caching.mdx
    example("caching_concepts_cache_key_fn.py", "2 2"),
    # advanced/caching.mdx
    example("advanced_caching_transaction.py", "Failed", "Completed", "Cached"),
    example("advanced_caching_cache_key_fn_policy.py", "ok"),
    example("advanced_caching_pydantic_serializer.py", "ok"),
    # Which thread runs first varies: compare only that one of them ran.
    example(
        "advanced_caching_isolation.py",
        "running",
        unordered=r"my_task_version_\d (running)",
    ),
    # how-to-guides/workflows/state-change-hooks.mdx
    example(
        "hooks_on_running.py",
        "Task my_task started at <time>",
        "Starting another_task!",
    ),
    example(
        "hooks_flow_run_logger.py",
        "Failed",
        "LOG INFO Flow <flow-run> entered state Failed",
    ),
    example("hooks_partial_kwargs.py", "['state', 'x', 'y'] Failed"),
    # advanced/transactions.mdx
    example(
        "transactions_first_transaction.py",
        "side-effect.txt exists: False",
        "RAISED ValueError: Not enough data!",
    ),
    DocsExample(
        "transactions_idempotency.py",
        (
            (),
            ("LOG INFO Data file has already been written. Exiting early.",),
        ),
    ),
    example(
        "transactions_serializable.py",
        "Data file has already been written. Exiting early.",
    ),
    example(
        "transactions_access_data.py",
        "side-effect.txt exists: False",
        "RAISED ValueError: Not enough data!",
    ),
    # how-to-guides/workflows/access-runtime-info.mdx
    example(
        "runtime_info_flow_run_name.py",
        "I wish my parents had named me Marvin instead of <flow-run>.",
    ),
    example("runtime_info_none_outside_a_run.py", "None"),
    # concepts/runtime-context.mdx
    example(
        "runtime_context_my_runtime_info.py",
        "LOG INFO My name is <flow-run>",
        "LOG INFO I belong to deployment None",
        "LOG INFO My name is <task-run>",
        "LOG INFO Flow run parameters: {'x': 1}",
    ),
    example("runtime_context_run_context.py", "None None"),
    # how-to-guides/workflows/artifacts.mdx
    example(
        "artifacts_link_versions.py",
        "markdown [https://nyc3.digitaloceanspaces.com/my-bucket-name/low_pred_data.csv](https://nyc3.digitaloceanspaces.com/my-bucket-name/low_pred_data.csv) # Low prediction accuracy",
    ),
    example("artifacts_link_text.py", "[Prefect](https://www.prefect.io/)"),
    example("artifacts_progress.py", "UUID"),
    example(
        "artifacts_markdown.py", "Quarterly Sales Report | North America | $500,000 |"
    ),
    # Outside a run: stored without one (and a FutureWarning on stderr).
    example(
        "artifacts_table.py",
        'table [{"customer_id": "12345", "name": "John Smith", "churn_probability": '
        '0.85}, {"customer_id": "56789", "name": "Jane Jones", "churn_probability": '
        "0.65}] None",
    ),
    example(
        "artifacts_image.py",
        "Image URL: https://media3.giphy.com/media/v1.Y2lkPTc5MGI3NjExZmQydzBjOHQ2M3BhdWJ4M3V1MGtoZGxuNmloeGh6b2dvaHhpaHg0eSZlcD12MV9pbnRlcm5hbF9naWZfYnlfaWQmY3Q9Zw/3KC2jD2QcBOSc/giphy.gif",
    ),
    example("artifacts_fetch.py", "None"),
    # how-to-guides/workflows/global-concurrency-limits.mdx
    example(
        "rate_limit_sync_task.py",
        *["Making an HTTP request..."] * 10,
        unordered=RATE_LIMITED,
        setup=(RATE_LIMITED_API,),
        teardown=("gcl delete rate-limited-api",),
    ),
    # The docs' asyncio.run(my_flow()) of a sync flow: the flow runs, then
    # asyncio.run refuses its result (None), under Prefect as under taskbook.
    example(
        "rate_limit_async_task.py",
        *["Making an HTTP request..."] * 10,
        "RAISED ValueError: a coroutine was expected, got None",
        unordered=RATE_LIMITED,
        setup=(RATE_LIMITED_API,),
        teardown=("gcl delete rate-limited-api",),
    ),
    example(
        "rate_limit_outside_a_flow.py",
        *["Making an HTTP request..."] * 10,
        setup=(RATE_LIMITED_API,),
        teardown=("gcl delete rate-limited-api",),
    ),
    # how-to-guides/workflows/test-workflows.mdx (the pytest ones run pytest.main)
    example("testing_harness_context.py", "ok"),
    example("testing_harness_fixture.py", "1 passed", unordered=PYTEST_OUTCOME),
    example("testing_fn.py", "ok"),
    example("testing_disable_run_logger.py", "ok"),
    example("testing_caplog.py", "2 passed", unordered=PYTEST_OUTCOME),
]


# Examples kept in docs_examples/ that taskbook does not match yet, and how.
DIFFERS: set[str] = set()


def test_every_docs_example_is_checked_or_listed_as_different() -> None:
    scripts = {case.script for case in EXAMPLES_SEEN_UNDER_PREFECT}
    assert not scripts & DIFFERS
    assert scripts | DIFFERS == {path.name for path in EXAMPLES.glob("*.py")}


def test_normalise_replaces_run_names_and_times_only() -> None:
    stderr = (
        "10:08:03.555 | INFO    | Flow run 'solid-gibbon' - Beginning flow run "
        "'solid-gibbon' for flow 'my-flow'\n"
        "10:08:03.556 | INFO    | prefect.engine - View at http://127.0.0.1/x\n"
        "10:08:03.558 | INFO    | Flow run 'solid-gibbon' - I am solid-gibbon\n"
        "10:08:04.006 | INFO    | Task run 'my_task-0a1' - Finished in state "
        "Completed()\n"
        "Traceback (most recent call last):\n"
        "ValueError: no\n"
    )
    assert normalise("", "prefect.flow_engine.FlowRunTimeoutError: late\n", 1) == [
        "RAISED FlowRunTimeoutError: late"
    ]
    stdout = "named solid-gibbon at 1796653447.0653763 in my_task-0a1\n"
    assert normalise(stdout, stderr, 1) == [
        "named <flow-run> at <time> in <task-run>",
        "LOG INFO I am <flow-run>",
        "RAISED ValueError: no",
    ]


def _ids(cases: list[DocsExample]) -> list[str]:
    return [case.script.removesuffix(".py") for case in cases]


@pytest.mark.parametrize(
    "case", EXAMPLES_SEEN_UNDER_PREFECT, ids=_ids(EXAMPLES_SEEN_UNDER_PREFECT)
)
def test_docs_example_gives_under_taskbook_what_it_gave_under_prefect(
    case: DocsExample, tmp_path: Path
) -> None:
    cli = [sys.executable, "-c", _TASKBOOK_CLI]
    run_cli(cli, case.setup, cwd=tmp_path, env=ported_env(tmp_path))
    for run, expected in enumerate(case.runs, start=1):
        proc, _seconds = run_ported(EXAMPLES / case.script, tmp_path)
        lines = normalise(proc.stdout, proc.stderr, proc.returncode)
        assert "network access attempted" not in proc.stderr
        assert "GUARD prefect-modules=[]" in proc.stderr
        assert compared(case, lines, proc.stdout) == list(expected), (
            f"run {run}:\n{proc.stderr}"
        )
    run_cli(cli, case.teardown, cwd=tmp_path, env=ported_env(tmp_path))


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """One Prefect 3 server for every example here, its home in a tmp folder."""
    with running_prefect_server(tmp_path_factory.mktemp("prefect-home")) as env:
        yield env


# Each example under Prefect is a fresh client process that spends seconds
# importing Prefect: they run a few at a time, and each test checks its own.
_AT_ONCE = 3


@dataclass(frozen=True)
class PrefectOutcome:
    lines: tuple[tuple[str, ...], ...]  # what each run gave, compared
    stderr: str


@pytest.fixture(scope="module")
def prefect_outcomes(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    prefect_server: dict[str, str],
) -> dict[str, PrefectOutcome | BaseException]:
    """Run the selected examples under real Prefect, ``_AT_ONCE`` at a time
    (those that must run alone afterwards, one by one)."""
    python = prefect_python()
    selected = [
        item.callspec.params["case"]
        for item in request.session.items
        if getattr(item, "originalname", "") == _UNDER_PREFECT
    ]
    alone = [case for case in selected if _runs_alone(case)]

    def run_lane(lane: list[DocsExample]) -> dict[str, PrefectOutcome | BaseException]:
        done: dict[str, PrefectOutcome | BaseException] = {}
        for case in lane:
            folder = tmp_path_factory.mktemp(case.script.removesuffix(".py"))
            try:
                done[case.script] = _run_under_prefect(
                    case, python, folder, prefect_server
                )
            except Exception as exc:  # reported by the example's own test
                done[case.script] = exc
        return done

    outcomes: dict[str, PrefectOutcome | BaseException] = {}
    with ThreadPoolExecutor(_AT_ONCE) as pool:
        lanes = [[case] for case in selected if case not in alone]
        for done in pool.map(run_lane, lanes):
            outcomes |= done
    return outcomes | run_lane(alone)


def _runs_alone(case: DocsExample) -> bool:
    # Examples that create server-side objects by name (a limit, a variable) or
    # start a server of their own (prefect_test_harness) run after the others,
    # one at a time: at once, two creates of one name race, and a harness's
    # server start has a deadline that three Prefect imports on two cores miss.
    source = (EXAMPLES / case.script).read_text()
    return bool(case.setup or case.teardown) or any(
        name in source for name in ("Variable.set", "prefect_test_harness")
    )


_UNDER_PREFECT = "test_docs_example_gives_the_recorded_lines_under_real_prefect"


@pytest.mark.slow
@pytest.mark.timeout(1800)  # the first one waits for all, a few at a time
@pytest.mark.parametrize(
    "case", EXAMPLES_SEEN_UNDER_PREFECT, ids=_ids(EXAMPLES_SEEN_UNDER_PREFECT)
)
def test_docs_example_gives_the_recorded_lines_under_real_prefect(
    case: DocsExample, prefect_outcomes: dict[str, PrefectOutcome | BaseException]
) -> None:
    outcome = prefect_outcomes[case.script]
    if isinstance(outcome, BaseException):
        raise outcome
    for run, (lines, expected) in enumerate(
        zip(outcome.lines, case.runs, strict=True), start=1
    ):
        assert lines == expected, f"run {run}:\n{outcome.stderr}"


def _run_under_prefect(
    case: DocsExample, python: str, folder: Path, server: dict[str, str]
) -> PrefectOutcome:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= server
    # Results and cache records are the client's: a home of this example's own.
    env |= {"PREFECT_HOME": str(folder / "prefect-home")}
    env |= {"PREFECT_LOGGING_LEVEL": "INFO"}
    script = folder / case.script
    script.write_text((EXAMPLES / case.script).read_text())
    cli = [python, "-m", "prefect"]
    run_cli(cli, case.setup, cwd=folder, env=env)
    runs, stderr = [], ""
    try:
        for _ in case.runs:
            proc = subprocess.run(
                [python, script.name],
                cwd=folder,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            lines = normalise(proc.stdout, proc.stderr, proc.returncode)
            runs.append(tuple(compared(case, lines, proc.stdout)))
            stderr += proc.stderr
    finally:
        run_cli(cli, case.teardown, cwd=folder, env=env)
    return PrefectOutcome(tuple(runs), stderr)
