"""``%flow`` lines parsed as a pure function: subcommands, run flags, errors."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest

from taskbook.core.run_options import RunOptions
from taskbook.errors import InvalidOptionError, UnknownMagicOptionError
from taskbook.jupyter.magic_args import parse_flow_line


@dataclass(frozen=True)
class FlowLineCase:
    name: str
    line: str
    command: str = ""
    args: tuple[str, ...] = ()
    options: dict[str, Any] | None = None
    error: type[Exception] | None = None
    match: str = ""


CASES = [
    FlowLineCase("empty line shows the graph", "", "show"),
    FlowLineCase("a bare run", "run", "run", options={}),
    FlowLineCase(
        "selection flags take names, comma-separated, = or space",
        "run --only a,b --from=c --to d",
        "run",
        options={"only": ("a", "b"), "from_": ("c",), "to": ("d",)},
    ),
    FlowLineCase(
        "switches stand alone",
        "run --stale --failed --force --background --no-view",
        "run",
        options={
            "stale": True,
            "failed": True,
            "force": True,
            "background": True,
            "view": False,
        },
    ),
    FlowLineCase(
        "runner, address, workers, timeout",
        "run --runner dask --address tcp://127.0.0.1:8786 --max-workers 3 --timeout 2m",
        "run",
        options={
            "runner": "dask",
            "address": "tcp://127.0.0.1:8786",
            "max_workers": 3,
            "timeout": 120.0,
        },
    ),
    FlowLineCase("why takes one name", "why clean", "why", ("clean",), {}),
    FlowLineCase("cache clear T", "cache clear load", "cache", ("clear", "load"), {}),
    FlowLineCase(
        "history flags",
        "history --flow etl --limit 5",
        "history",
        options={"flow": "etl", "limit": 5},
    ),
    # Errors ---------------------------------------------------------------------------
    FlowLineCase(
        "unknown subcommand",
        "sprint",
        error=UnknownMagicOptionError,
        match=re.escape("Unknown option 'sprint' for %flow. Use one of:"),
    ),
    FlowLineCase(
        "unknown run flag lists the run flags",
        "run --stael",
        error=UnknownMagicOptionError,
        match=re.escape(
            "Unknown option '--stael' for %flow run. Did you mean --stale? Use one of: "
        )
        + ".*--stale",
    ),
    FlowLineCase(
        "a flag of another subcommand",
        "run --limit 3",
        error=UnknownMagicOptionError,
        match=re.escape("Unknown option '--limit' for %flow run."),
    ),
    FlowLineCase(
        "a switch given a value",
        "run --force=false",
        error=InvalidOptionError,
        match=re.escape("--force='false' is invalid: expected no value"),
    ),
    FlowLineCase(
        "workers not a number",
        "run --max-workers zero",
        error=InvalidOptionError,
        match=re.escape(
            "%flow run option --max-workers='zero' is invalid: expected a positive "
            "integer."
        ),
    ),
    FlowLineCase(
        "workers zero",
        "run --max-workers 0",
        error=InvalidOptionError,
        match=re.escape("--max-workers='0' is invalid"),
    ),
    FlowLineCase(
        "an unknown runner",
        "run --runner cluster",
        error=InvalidOptionError,
        match=re.escape(
            "--runner='cluster' is invalid: expected 'threads' or 'processes' or "
            "'dask'."
        ),
    ),
    FlowLineCase(
        "a timeout that is no duration",
        "run --timeout soon",
        error=InvalidOptionError,
        match=re.escape("--timeout='soon' is invalid: expected a positive number"),
    ),
    FlowLineCase(
        "a value missing before the next flag",
        "run --only --force",
        error=InvalidOptionError,
        match=re.escape(
            "%flow run option --only has no value. Write --only followed by one or "
            "more cell or task names (T[,T...])."
        ),
    ),
    FlowLineCase(
        "empty names",
        "run --only ,",
        error=InvalidOptionError,
        match=re.escape("--only=',' is invalid: expected one or more"),
    ),
    FlowLineCase(
        "too many arguments",
        "why a b",
        error=InvalidOptionError,
        match=re.escape("%flow option why='a b' is invalid: expected 1 argument(s)"),
    ),
    FlowLineCase(
        "unbalanced quote",
        'run --only "a',
        error=InvalidOptionError,
        match=re.escape("expected a well-quoted argument list"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_flow_line(case: FlowLineCase) -> None:
    if case.error is not None:
        with pytest.raises(case.error, match=case.match):
            parse_flow_line(case.line)
        return
    command = parse_flow_line(case.line)
    assert (command.name, command.args) == (case.command, case.args)
    if case.options is not None:
        assert command.options == case.options


def test_run_line_builds_run_options() -> None:
    options = parse_flow_line("run --to load --runner processes").run_options()
    assert options == RunOptions(to=("load",), runner="processes")


def test_an_address_without_the_dask_runner_is_an_error_naming_the_fix() -> None:
    command = parse_flow_line("run --address tcp://127.0.0.1:8786")
    with pytest.raises(
        InvalidOptionError,
        match=re.escape("together with --runner dask (add --runner dask"),
    ):
        command.run_options()
