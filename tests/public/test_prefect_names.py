"""The names Prefect 3's docs and tutorials import exist in taskbook too, same place.

An audit, pinned: each (module, name) below is used on a page of Prefect's docs
(or is the module's API those pages lean on). The fast test imports them from
taskbook; the other asks real Prefect in a fresh process, so the list cannot name
something Prefect lacks. Server-only APIs (clients, deployments, work pools) and
the areas other modules own (artifacts, serving) are left out on purpose.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
from pathlib import Path

import pytest
from tests.export.running import prefect_python

PREFECT_DOCS_NAMES = [
    ("", "flow"),
    ("", "task"),
    ("", "Flow"),
    ("", "Task"),
    ("", "State"),
    ("", "get_run_logger"),
    ("", "tags"),
    ("", "unmapped"),
    ("", "allow_failure"),
    ("", "Transaction"),
    ("cache_policies", "INPUTS"),
    ("cache_policies", "TASK_SOURCE"),
    ("cache_policies", "NO_CACHE"),
    ("context", "get_run_context"),
    ("exceptions", "PrefectException"),
    ("exceptions", "FailedRun"),
    ("exceptions", "CrashedRun"),
    ("exceptions", "CancelledRun"),
    ("exceptions", "MissingContextError"),
    ("exceptions", "MissingResult"),
    ("exceptions", "UpstreamTaskError"),
    ("exceptions", "ObjectNotFound"),
    ("exceptions", "ObjectAlreadyExists"),
    ("exceptions", "ParameterBindError"),
    ("exceptions", "SignatureMismatchError"),
    ("exceptions", "ParameterTypeError"),
    ("exceptions", "MissingFlowError"),
    ("exceptions", "ScriptError"),
    ("flows", "Flow"),
    ("futures", "PrefectFuture"),
    ("futures", "PrefectFutureList"),
    ("futures", "wait"),
    ("futures", "as_completed"),
    ("futures", "resolve_futures_to_states"),
    ("futures", "resolve_futures_to_results"),
    ("logging", "get_logger"),
    ("logging", "get_run_logger"),
    ("logging", "disable_run_logger"),
    ("logging", "LogEavesdropper"),
    ("logging.loggers", "get_run_logger"),
    ("logging.loggers", "disable_run_logger"),
    ("logging.loggers", "flow_run_logger"),
    ("logging.loggers", "task_run_logger"),
    ("runtime", "flow_run"),
    ("runtime", "task_run"),
    ("runtime", "deployment"),
    ("runtime.flow_run", "name"),
    ("runtime.flow_run", "parameters"),
    ("runtime.task_run", "name"),
    ("runtime.deployment", "id"),
    ("settings", "PREFECT_HOME"),
    ("settings", "PREFECT_LOGGING_LEVEL"),
    ("settings", "get_current_settings"),
    ("settings", "temporary_settings"),
    ("states", "Completed"),
    ("states", "Failed"),
    ("states", "Cancelled"),
    ("states", "Crashed"),
    ("states", "Pending"),
    ("states", "Running"),
    ("states", "Paused"),
    ("states", "Suspended"),
    ("states", "AwaitingRetry"),
    ("states", "AwaitingConcurrencySlot"),
    ("states", "StateType"),
    ("states", "StateGroup"),
    ("states", "get_state_exception"),
    ("states", "exception_to_failed_state"),
    ("states", "exception_to_crashed_state"),
    ("task_runners", "ThreadPoolTaskRunner"),
    ("task_runners", "ProcessPoolTaskRunner"),
    ("tasks", "task_input_hash"),
    ("testing.utilities", "prefect_test_harness"),
    ("transactions", "transaction"),
    ("transactions", "get_transaction"),
    ("transactions", "IsolationLevel"),
    ("variables", "Variable"),
    ("blocks.system", "Secret"),
    ("concurrency.sync", "concurrency"),
    ("concurrency.sync", "rate_limit"),
    ("concurrency.asyncio", "concurrency"),
]

_IDS = [f"{module or '<top>'}.{name}" for module, name in PREFECT_DOCS_NAMES]


def _module(package: str, module: str) -> str:
    return f"{package}.{module}" if module else package


@pytest.mark.parametrize(("module", "name"), PREFECT_DOCS_NAMES, ids=_IDS)
def test_taskbook_has_the_name_where_prefect_s_docs_import_it(
    module: str, name: str
) -> None:
    imported = importlib.import_module(_module("taskbook", module))
    assert hasattr(imported, name)


_PROBE = """
import importlib, json, sys
missing = [
    [module, name]
    for module, name in json.loads(sys.argv[1])
    if not hasattr(importlib.import_module(module), name)
]
print(json.dumps(missing))
"""


def test_prefect_has_every_name_of_the_list(tmp_path: Path) -> None:
    python = prefect_python()
    pairs = [[_module("prefect", m), n] for m, n in PREFECT_DOCS_NAMES]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path)  # importing Prefect touches its home
    proc = subprocess.run(
        [python, "-c", _PROBE, json.dumps(pairs)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


def test_the_list_names_each_pair_once() -> None:
    assert len(set(PREFECT_DOCS_NAMES)) == len(PREFECT_DOCS_NAMES)
