"""Table for run selection: ``--only``, ``--from``, ``--to``, ``--failed`` and their mix."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest

from taskbook.core.graph import CellInput, NotebookGraph
from taskbook.core.graph_builder import build_notebook_graph
from taskbook.core.plan import select_cells
from taskbook.errors import UnknownTaskError


def _pipeline() -> NotebookGraph:
    """params -> load -> clean -> report <- other <- params; two plain cells at the end.

    Ids are the first letters of the names, so the expected tuples read easily;
    plain cells also keep notebook order among themselves (p -> e -> f).
    """
    cells = [
        ("p", "params", "params", "n = 1"),
        ("l", "task", "load", "x = n"),
        ("c", "task", "clean", "y = x"),
        ("o", "task", "other", "z = n"),
        ("r", "task", "report", "out = y + z"),
        ("e", "cell", "cell-6", "print(out)"),
        ("f", "cell", "cell-7", "done = True"),
    ]
    return build_notebook_graph(
        [
            CellInput(cid, i, src, kind, name)  # type: ignore[arg-type]
            for i, (cid, kind, name, src) in enumerate(cells)
        ],
        frozenset({"print"}),
    )


PIPELINE = _pipeline()
ALL = ("p", "l", "o", "c", "r", "e", "f")
DONE = {i: "COMPLETED" for i in ALL}


@dataclass(frozen=True)
class PlanCase:
    id: str
    expected: tuple[str, ...] = ()
    only: tuple[str, ...] = ()
    from_: tuple[str, ...] = ()
    to: tuple[str, ...] = ()
    failed: bool = False
    previous: Mapping[str, str] | None = field(default=None)
    error: type[Exception] | None = None
    match: str = ""
    xfail: bool = False
    reason: str = ""


KNOWN = "Known tasks: cell-6, cell-7, clean, load, other, params, report."

PLAN_CASES = [
    PlanCase("no selection: every cell, topological order", ALL),
    PlanCase("only one task by name", ("c",), only=("clean",)),
    PlanCase("only by cell id", ("c",), only=("c",)),
    PlanCase(
        "only two, topological order whatever the order given",
        ("l", "r"),
        only=("report", "load"),
    ),
    PlanCase("only a plain cell by its cell-N name", ("e",), only=("cell-6",)),
    PlanCase(
        "from a task: it and everything downstream",
        ("c", "r", "e", "f"),
        from_=("clean",),
    ),
    PlanCase("from params: everything", ALL, from_=("params",)),
    PlanCase("from the last cell: itself", ("f",), from_=("cell-7",)),
    PlanCase(
        "from two tasks: the union",
        ("l", "o", "c", "r", "e", "f"),
        from_=("load", "other"),
    ),
    PlanCase("to a task: it and everything upstream", ("p", "l", "c"), to=("clean",)),
    PlanCase("to the report", ("p", "l", "o", "c", "r"), to=("report",)),
    PlanCase("to params: itself", ("p",), to=("params",)),
    PlanCase("to two tasks: the union", ("p", "l", "o"), to=("load", "other")),
    PlanCase(
        "from and to: the path between",
        ("l", "c", "r"),
        from_=("load",),
        to=("report",),
    ),
    PlanCase("from below to: nothing", (), from_=("report",), to=("load",)),
    PlanCase("only inside from", ("r",), only=("report", "params"), from_=("clean",)),
    PlanCase("only outside to: nothing", (), only=("cell-7",), to=("clean",)),
    PlanCase(
        "failed: the failed cell and its downstream",
        ("c", "r", "e", "f"),
        failed=True,
        previous={
            **DONE,
            "c": "FAILED",
            "r": "PENDING",
            "e": "PENDING",
            "f": "PENDING",
        },
    ),
    PlanCase(
        "failed: crashed and cancelled count too",
        ("o", "r", "e", "f"),
        failed=True,
        previous={**DONE, "o": "CRASHED", "f": "CANCELLED"},
    ),
    PlanCase(
        "failed: everything completed, nothing to run", (), failed=True, previous=DONE
    ),
    PlanCase("failed: no previous run, everything runs", ALL, failed=True),
    PlanCase(
        "failed: a cell missing from previous runs with its downstream",
        ("o", "r", "e", "f"),
        failed=True,
        previous={k: v for k, v in DONE.items() if k != "o"},
    ),
    PlanCase(
        "failed within to",
        ("l", "c"),
        failed=True,
        to=("clean",),
        previous={**DONE, "l": "FAILED", "c": "PENDING"},
    ),
    PlanCase(
        "failed with from",
        ("r", "e", "f"),
        failed=True,
        from_=("report",),
        previous={**DONE, "l": "FAILED", "r": "PENDING"},
    ),
    PlanCase(
        "unknown name in only",
        only=("nope",),
        error=UnknownTaskError,
        match=re.escape(f"No task named 'nope'. {KNOWN}"),
    ),
    PlanCase(
        "unknown name in from",
        from_=("load", "lod"),
        error=UnknownTaskError,
        match=re.escape(f"No task named 'lod'. {KNOWN}"),
    ),
    PlanCase(
        "unknown name in to",
        to=("Report",),
        error=UnknownTaskError,
        match=re.escape(f"No task named 'Report'. {KNOWN}"),
    ),
]


def _params(cases: list[PlanCase]) -> list[object]:
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


@pytest.mark.parametrize("case", _params(PLAN_CASES))
def test_select_cells(case: PlanCase) -> None:
    def select() -> tuple[str, ...]:
        return select_cells(
            PIPELINE,
            only=case.only,
            from_=case.from_,
            to=case.to,
            failed=case.failed,
            previous=case.previous,
        )

    if case.error is not None:
        with pytest.raises(case.error, match=case.match):
            select()
        return

    assert select() == case.expected


def test_the_pipeline_is_the_graph_the_table_assumes() -> None:
    edges = {(e.from_id, e.to_id, e.kind) for e in PIPELINE.edges}

    assert edges == {
        ("p", "l", "data"),
        ("p", "o", "data"),
        ("l", "c", "data"),
        ("c", "r", "data"),
        ("o", "r", "data"),
        ("r", "e", "data"),
        ("p", "e", "sequence"),
        ("e", "f", "sequence"),
    }
    assert PIPELINE.topological_order() == ALL


def test_unknown_task_error_is_a_key_error_with_a_readable_message() -> None:
    with pytest.raises(KeyError) as caught:
        select_cells(PIPELINE, only=("nope",))

    assert str(caught.value).startswith("No task named 'nope'.")
