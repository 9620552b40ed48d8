"""Tables for notebook cells: ``%%task`` flags, classification, the graph's view."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from taskbook.core.cells import (
    SourceCell,
    TaskHeader,
    classify,
    classify_all,
    parse_task_line,
    to_cell_inputs,
)
from taskbook.core.options import TaskOptions
from taskbook.errors import InvalidOptionError, UnknownMagicOptionError

VALID_FLAGS = (
    "--after, --cache, --isolate, --makes, --needs, --no-cache, --refresh, "
    "--retries, --retry-delay, --tags, --timeout"
)


def _params(cases: list[Any]) -> list[Any]:
    return [
        pytest.param(
            case,
            id=case.id,
            marks=[pytest.mark.xfail(reason=case.reason, strict=True)]
            if case.xfail
            else [],
        )
        for case in cases
    ]


# --- parse_task_line --------------------------------------------------------------------


@dataclass(frozen=True)
class LineCase:
    """A ``%%task`` line (without ``%%task``) and the header it gives, or its error."""

    id: str
    line: str
    name: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    cache: bool = True
    after: tuple[str, ...] = ()
    needs: tuple[str, ...] | None = None
    makes: tuple[str, ...] | None = None
    files: tuple[str, ...] = ()
    isolate: str = "thread"
    error: type[Exception] | None = None
    match: str = ""
    xfail: bool = False
    reason: str = ""


def _invalid(flag: str, value: str, expected: str) -> str:
    """The exact message of InvalidOptionError.from_value for a %%task flag."""
    return re.escape(
        f"%%task option {flag}={value!r} is invalid: expected {expected}. "
        f"Pass {flag} as {expected}."
    )


def _missing(flag: str, expected: str) -> str:
    """The exact message of InvalidOptionError.from_missing for a %%task flag."""
    return re.escape(
        f"%%task option {flag} has no value. Write {flag} followed by {expected}."
    )


LINE_CASES = [
    # Names ---------------------------------------------------------------------------
    LineCase("empty line: no name, defaults", ""),
    LineCase("name only", " load", name="load"),
    LineCase("quoted name with a space", ' "load data"', name="load data"),
    LineCase(
        "single-quoted name",
        " 'load data' --retries 1",
        name="load data",
        options={"retries": 1},
    ),
    LineCase(
        "name after the flags",
        " --retries 2 train",
        name="train",
        options={"retries": 2},
    ),
    # --retries -----------------------------------------------------------------------
    LineCase("--retries N", " --retries 3", options={"retries": 3}),
    LineCase("--retries=N", " --retries=3", options={"retries": 3}),
    LineCase("--retries 0", " --retries 0", options={"retries": 0}),
    # --retry-delay -------------------------------------------------------------------
    LineCase(
        "--retry-delay S", " --retry-delay 5", options={"retry_delay_seconds": 5.0}
    ),
    LineCase(
        "--retry-delay=S with unit",
        " --retry-delay=2m",
        options={"retry_delay_seconds": 120.0},
    ),
    LineCase(
        "--retry-delay S,S,S",
        " --retry-delay 1,10s,1m",
        options={"retry_delay_seconds": [1.0, 10.0, 60.0]},
    ),
    # --timeout -----------------------------------------------------------------------
    LineCase("--timeout S", " --timeout 30", options={"timeout_seconds": 30.0}),
    LineCase(
        "--timeout=S fractional", " --timeout=1.5", options={"timeout_seconds": 1.5}
    ),
    LineCase(
        "--timeout seconds unit", " --timeout 45s", options={"timeout_seconds": 45.0}
    ),
    LineCase("--timeout minutes", " --timeout 10m", options={"timeout_seconds": 600.0}),
    LineCase("--timeout hours", " --timeout 2h", options={"timeout_seconds": 7200.0}),
    LineCase("--timeout days", " --timeout 1d", options={"timeout_seconds": 86400.0}),
    LineCase(
        "--timeout upper-case unit", " --timeout 3M", options={"timeout_seconds": 180.0}
    ),
    # --cache / --no-cache / --refresh ----------------------------------------------------
    LineCase(
        "--cache alone: no expiry", " --cache", options={"cache_expiration": None}
    ),
    LineCase(
        "--cache=30s",
        " --cache=30s",
        options={"cache_expiration": timedelta(seconds=30)},
    ),
    LineCase(
        "--cache=10m",
        " --cache=10m",
        options={"cache_expiration": timedelta(minutes=10)},
    ),
    LineCase(
        "--cache=2h", " --cache=2h", options={"cache_expiration": timedelta(hours=2)}
    ),
    LineCase(
        "--cache=1d", " --cache=1d", options={"cache_expiration": timedelta(days=1)}
    ),
    LineCase(
        "--cache=90 (plain seconds)",
        " --cache=90",
        options={"cache_expiration": timedelta(seconds=90)},
    ),
    LineCase(
        "--cache then a name: the name is not an expiry",
        " --cache load",
        name="load",
        options={"cache_expiration": None},
    ),
    LineCase("--no-cache", " --no-cache", cache=False),
    LineCase("--no-cache with a name", " fetch --no-cache", name="fetch", cache=False),
    LineCase("--refresh alone", " --refresh", options={"refresh_cache": True}),
    LineCase("--refresh=false", " --refresh=false", options={"refresh_cache": False}),
    LineCase(
        "--refresh then a name",
        " --refresh load",
        name="load",
        options={"refresh_cache": True},
    ),
    # --tags ----------------------------------------------------------------------------
    LineCase("--tags a,b", " --tags a,b", options={"tags": ("a", "b")}),
    LineCase("--tags=a", " --tags=a", options={"tags": ("a",)}),
    LineCase(
        "--tags with spaces, quoted", ' --tags "a, b"', options={"tags": ("a", "b")}
    ),
    # Ordering and overrides ------------------------------------------------------------
    LineCase("--after T", " --after load", after=("load",)),
    LineCase("--after T,T", " --after=load,clean", after=("load", "clean")),
    LineCase("--needs x,y", " --needs x,y", needs=("x", "y")),
    LineCase("--needs=x", " --needs=x", needs=("x",)),
    LineCase("--makes z", " --makes z", makes=("z",)),
    LineCase("--makes=z,w", " --makes=z,w", makes=("z", "w")),
    LineCase(
        "--makes file:PATH declares a file; the outputs stay inferred",
        " --makes file:out/totals.csv",
        files=("out/totals.csv",),
    ),
    LineCase(
        "--makes names and files",
        " --makes=z,file:a.parquet,file:b.csv",
        makes=("z",),
        files=("a.parquet", "b.csv"),
    ),
    LineCase(
        "--makes file: without a path",
        " --makes file:",
        error=InvalidOptionError,
        match=_invalid("--makes", "file:", "z[,w...][,file:PATH...]"),
    ),
    LineCase("--isolate process", " --isolate process", isolate="process"),
    LineCase("--isolate=thread", " --isolate=thread", isolate="thread"),
    # Everything at once ----------------------------------------------------------------
    LineCase(
        "every flag together",
        " train --retries 2 --retry-delay=1,2 --timeout 1m --cache=1h --refresh"
        " --tags ml,gpu --after load --needs df --makes model --isolate process",
        name="train",
        options={
            "retries": 2,
            "retry_delay_seconds": [1.0, 2.0],
            "timeout_seconds": 60.0,
            "cache_expiration": timedelta(hours=1),
            "refresh_cache": True,
            "tags": ("ml", "gpu"),
        },
        after=("load",),
        needs=("df",),
        makes=("model",),
        isolate="process",
    ),
    # Errors ----------------------------------------------------------------------------
    LineCase(
        "unknown flag lists the valid ones",
        " --retry 1",
        error=UnknownMagicOptionError,
        match=re.escape(
            "Unknown option '--retry' for %%task. Did you mean --retries? "
            f"Use one of: {VALID_FLAGS}."
        ),
    ),
    LineCase(
        "unknown flag in = form is named without its value",
        " --cahce=1h",
        error=UnknownMagicOptionError,
        match=re.escape("Unknown option '--cahce' for %%task."),
    ),
    LineCase(
        "single-dash flag is unknown",
        " -r 2",
        error=UnknownMagicOptionError,
        match=re.escape("Unknown option '-r' for %%task."),
    ),
    LineCase(
        "two names",
        " load clean",
        error=InvalidOptionError,
        match=_invalid("NAME", "clean", "one task name (quote names with spaces)"),
    ),
    LineCase(
        "--retries not a number",
        " --retries many",
        error=InvalidOptionError,
        match=_invalid("--retries", "many", "a non-negative int"),
    ),
    LineCase(
        "--retries fractional",
        " --retries=1.5",
        error=InvalidOptionError,
        match=_invalid("--retries", "1.5", "a non-negative int"),
    ),
    LineCase(
        "--retries negative",
        " --retries=-1",
        error=InvalidOptionError,
        match=_invalid("--retries", "-1", "a non-negative int"),
    ),
    LineCase(
        "--retries without a value",
        " --retries",
        error=InvalidOptionError,
        match=_missing("--retries", "a non-negative int"),
    ),
    LineCase(
        "--retries followed by a flag",
        " --retries --no-cache",
        error=InvalidOptionError,
        match=_missing("--retries", "a non-negative int"),
    ),
    LineCase(
        "a bare --after says what it takes, once",
        " load --after",
        error=InvalidOptionError,
        match=_missing("--after", "T[,T...]"),
    ),
    LineCase(
        "a misspelt flag suggests the right one",
        " --retires 2",
        error=UnknownMagicOptionError,
        match=re.escape(
            "Unknown option '--retires' for %%task. Did you mean --retries?"
        ),
    ),
    LineCase(
        "--retry-delay negative",
        " --retry-delay -1",
        error=InvalidOptionError,
        match=_invalid(
            "--retry-delay",
            "-1",
            "a non-negative number, a list of numbers or a function of the retry count",
        ),
    ),
    LineCase(
        "--retry-delay bad item",
        " --retry-delay 1,soon",
        error=InvalidOptionError,
        match=re.escape("%%task option --retry-delay='1,soon' is invalid"),
    ),
    LineCase(
        "--timeout not a duration",
        " --timeout soon",
        error=InvalidOptionError,
        match=_invalid("--timeout", "soon", "a positive number"),
    ),
    LineCase(
        "--timeout unknown unit",
        " --timeout 5w",
        error=InvalidOptionError,
        match=_invalid("--timeout", "5w", "a positive number"),
    ),
    LineCase(
        "--timeout negative",
        " --timeout=-5",
        error=InvalidOptionError,
        match=_invalid("--timeout", "-5", "a positive number"),
    ),
    LineCase(
        "--timeout zero",
        " --timeout 0",
        error=InvalidOptionError,
        match=_invalid("--timeout", "0", "a positive number"),
    ),
    LineCase(
        "--cache bad expiry",
        " --cache=soon",
        error=InvalidOptionError,
        match=_invalid("--cache", "soon", "a datetime.timedelta"),
    ),
    LineCase(
        "--refresh bad value",
        " --refresh=maybe",
        error=InvalidOptionError,
        match=_invalid("--refresh", "maybe", "True, False or None"),
    ),
    LineCase(
        "--no-cache takes no value",
        " --no-cache=false",
        error=InvalidOptionError,
        match=re.escape("--no-cache='false'"),
    ),
    LineCase(
        "--isolate unknown",
        " --isolate thread2",
        error=InvalidOptionError,
        match=_invalid("--isolate", "thread2", "'thread' or 'process'"),
    ),
    LineCase(
        "--isolate without a value",
        " --isolate",
        error=InvalidOptionError,
        match=_missing("--isolate", "'thread' or 'process'"),
    ),
    LineCase(
        "unbalanced quote",
        ' "load --retries 1',
        error=InvalidOptionError,
        match=re.escape("is invalid: expected a well-quoted argument list"),
    ),
]


@pytest.mark.parametrize("case", _params(LINE_CASES))
def test_task_line(case: LineCase) -> None:
    if case.error is not None:
        with pytest.raises(case.error, match=case.match):
            parse_task_line(case.line)
        return

    header = parse_task_line(case.line)

    assert header == TaskHeader(
        name=case.name,
        options=case.options,
        cache=case.cache,
        after=case.after,
        needs=case.needs,
        makes=case.makes,
        files=case.files,
        isolate=case.isolate,
    )
    # The flags build real, validated task options (the one option table).
    options = TaskOptions(name=header.name, **header.options)
    for option, value in case.options.items():
        assert getattr(options, option) == value


# --- classify / classify_all ------------------------------------------------------------


@dataclass(frozen=True)
class ClassifyCase:
    """Cells in notebook order and, per cell, ``(kind, name, body)``."""

    id: str
    cells: tuple[SourceCell, ...]
    expected: tuple[tuple[str, str, str], ...] = ()
    header: TaskHeader | None = None
    error: type[Exception] | None = None
    match: str = ""
    xfail: bool = False
    reason: str = ""


def nb(*sources: str | tuple[str, tuple[str, ...]]) -> tuple[SourceCell, ...]:
    """Cells from sources; a ``(source, tags)`` pair gives tags."""
    cells = []
    for index, item in enumerate(sources):
        source, tags = item if isinstance(item, tuple) else (item, ())
        cells.append(SourceCell(f"id{index}", index, source, tags))
    return tuple(cells)


CLASSIFY_CASES = [
    ClassifyCase(
        "task with a name",
        nb("%%task load --retries 2\ndf = read()"),
        expected=(("task", "load", "df = read()"),),
        header=TaskHeader(name="load", options={"retries": 2}),
    ),
    ClassifyCase(
        "task without a name is task-N (1-based cell position)",
        nb("x = 1", "%%task\ny = x"),
        expected=(("cell", "cell-1", "x = 1"), ("task", "task-2", "y = x")),
    ),
    ClassifyCase(
        "leading blank line before %%task",
        nb("\n%%task load\nx = 1"),
        expected=(("task", "load", "x = 1"),),
    ),
    ClassifyCase(
        "%%tasks is not %%task",
        nb("%%tasks\nx = 1"),
        expected=(("cell", "cell-1", "%%tasks\nx = 1"),),
    ),
    ClassifyCase(
        "plain cell keeps its whole source",
        nb("import math\nz = math.pi"),
        expected=(("cell", "cell-1", "import math\nz = math.pi"),),
    ),
    ClassifyCase(
        "other cell magics are plain cells",
        nb("%%time\nx = 1"),
        expected=(("cell", "cell-1", "%%time\nx = 1"),),
    ),
    ClassifyCase(
        "%%params cell",
        nb("%%params\nn: int = 100", "y = n"),
        expected=(("params", "params", "n: int = 100"), ("cell", "cell-2", "y = n")),
    ),
    ClassifyCase(
        "cell tagged parameters",
        nb(("n = 100", ("parameters",)), "y = n"),
        expected=(("params", "params", "n = 100"), ("cell", "cell-2", "y = n")),
    ),
    ClassifyCase(
        "only the first tagged parameters cell counts (papermill)",
        nb(("a = 1", ("parameters",)), ("b = 2", ("parameters", "x"))),
        expected=(("params", "params", "a = 1"), ("cell", "cell-2", "b = 2")),
    ),
    ClassifyCase(
        "a second %%params cell is plain code without its magic line",
        nb("%%params\na = 1", "%%params\nb = 2"),
        expected=(("params", "params", "a = 1"), ("cell", "cell-2", "b = 2")),
    ),
    ClassifyCase(
        "%%params then a tagged cell: the first one counts",
        nb("%%params\na = 1", ("b = 2", ("parameters",))),
        expected=(("params", "params", "a = 1"), ("cell", "cell-2", "b = 2")),
    ),
    ClassifyCase(
        "cells are classified in index order, not list order",
        (
            SourceCell("late", 1, "%%params\nb = 2"),
            SourceCell("early", 0, "%%params\na = 1"),
        ),
        expected=(("params", "params", "a = 1"), ("cell", "cell-2", "b = 2")),
    ),
    ClassifyCase(
        "%load_ext taskbook is a control cell",
        nb("%load_ext taskbook", "x = 1"),
        expected=(
            ("control", "cell-1", "%load_ext taskbook"),
            ("cell", "cell-2", "x = 1"),
        ),
    ),
    ClassifyCase(
        "%flow run with a comment is a control cell",
        nb("# run it all\n%flow run --to b\n"),
        expected=(("control", "cell-1", "# run it all\n%flow run --to b\n"),),
    ),
    ClassifyCase(
        "several control magics in one cell",
        nb("%load_ext taskbook\n%flow show"),
        expected=(("control", "cell-1", "%load_ext taskbook\n%flow show"),),
    ),
    ClassifyCase(
        "%reload_ext taskbook and a bare %flow are control",
        nb("%reload_ext taskbook\n%flow"),
        expected=(("control", "cell-1", "%reload_ext taskbook\n%flow"),),
    ),
    ClassifyCase(
        "%flow next to code is a plain cell",
        nb("%flow show\nx = 1"),
        expected=(("cell", "cell-1", "%flow show\nx = 1"),),
    ),
    ClassifyCase(
        "%load_ext of another extension is notebook code, not control",
        nb("%load_ext autoreload"),
        expected=(("cell", "cell-1", "%load_ext autoreload"),),
    ),
    ClassifyCase(
        "a magic that merely starts with %flow is not control",
        nb("%flowchart"),
        expected=(("cell", "cell-1", "%flowchart"),),
    ),
    ClassifyCase(
        "a bad %%task line leaves the cell a task, its name kept",
        nb("x = 1", "%%task load --retires 2\ny = x", "%%task z\nz = y"),
        expected=(
            ("cell", "cell-1", "x = 1"),
            ("task", "load", "y = x"),
            ("task", "z", "z = y"),
        ),
    ),
    ClassifyCase(
        "a bad %%task line without a name is task-N",
        nb("%%task --after\ny = 1"),
        expected=(("task", "task-1", "y = 1"),),
        header=TaskHeader(cache=False),
    ),
]


@pytest.mark.parametrize("case", _params(CLASSIFY_CASES))
def test_classify(case: ClassifyCase) -> None:
    if case.error is not None:
        with pytest.raises(case.error, match=case.match):
            classify_all(case.cells)
        return

    specs = classify_all(case.cells)

    assert [(s.kind, s.name, s.body) for s in specs] == list(case.expected)
    if case.header is not None:
        assert specs[0].header == case.header
    # classify agrees with classify_all for every cell but later parameters cells.
    assert classify(min(case.cells, key=lambda c: c.index)) == specs[0]


@pytest.mark.parametrize(
    ("line", "error", "message"),
    [
        (
            "%%task load --retires 2",
            UnknownMagicOptionError,
            "Cell 3 (%%task load --retires 2): Unknown option '--retires' for "
            "%%task. Did you mean --retries? Use one of: " + VALID_FLAGS + ".",
        ),
        (
            "%%task load --after",
            InvalidOptionError,
            "Cell 3 (%%task load --after): %%task option --after has no value. "
            "Write --after followed by T[,T...].",
        ),
    ],
)
def test_a_bad_task_line_is_the_error_of_its_cell_only(
    line: str, error: type[Exception], message: str
) -> None:
    # Cell 3 as JupyterLab counts: the markdown cell at position 2 counts too.
    cells = (
        SourceCell("a", 0, "x = 1"),
        SourceCell("b", 2, line + "\ny = x"),
        SourceCell("c", 3, "%%task other --retries 1\nz = x"),
    )

    plain, bad, good = classify_all(cells)

    assert (plain.problem, good.problem) == (None, None)
    assert good.header.options == {"retries": 1}
    assert type(bad.problem) is error
    assert str(bad.problem) == message
    assert bad.header == TaskHeader(name="load", cache=False)  # no flag trusted


def test_task_options_carry_the_cell_name() -> None:
    (spec,) = classify_all(nb("%%task train --retries 2 --tags ml\nm = 1"))

    options = spec.options

    assert (options.name, options.retries, options.tags) == ("train", 2, ("ml",))


def test_unnamed_task_options_use_the_default_name() -> None:
    specs = classify_all(nb("x = 1", "%%task --timeout 5\ny = x"))

    assert specs[1].options.name == "task-2"
    assert specs[1].options.timeout_seconds == 5.0


# --- to_cell_inputs ---------------------------------------------------------------------


def test_cell_inputs_leave_control_cells_out_and_carry_the_overrides() -> None:
    specs = classify_all(
        nb(
            "%load_ext taskbook",
            "%%params\nn = 1",
            "%%task load --makes df --needs n\ndf = n",
            "%%task fit --after load\nm = 2",
            "%flow run",
        )
    )

    inputs = to_cell_inputs(specs)

    assert [(i.id, i.index, i.kind, i.name, i.source) for i in inputs] == [
        ("id1", 1, "params", "params", "n = 1"),
        ("id2", 2, "task", "load", "df = n"),
        ("id3", 3, "task", "fit", "m = 2"),
    ]
    assert (inputs[1].needs, inputs[1].makes, inputs[1].after) == (("n",), ("df",), ())
    assert (inputs[2].needs, inputs[2].makes, inputs[2].after) == (
        None,
        None,
        ("load",),
    )


def test_cell_inputs_apply_the_transform_to_bodies_only() -> None:
    specs = classify_all(nb("%%task t\n!ls", "x = 1"))

    inputs = to_cell_inputs(specs, lambda body: f"# transformed\n{body}")

    assert [i.source for i in inputs] == ["# transformed\n!ls", "# transformed\nx = 1"]
