from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

import pytest

from taskbook.core.analysis import CellAnalysis
from taskbook.core.graph import (
    CellInput,
    Edge,
    Node,
    NotebookGraph,
    longest_path_layers,
)
from taskbook.core.graph_builder import build_notebook_graph
from taskbook.core.graph_formats import to_dict, to_dot, to_json, to_mermaid
from taskbook.errors import (
    DependencyCycleError,
    DuplicateTaskNameError,
    UnknownTaskError,
)


def task(cell_id: str, source: str, **options: Any) -> CellInput:
    return CellInput(
        cell_id, -1, source, "task", options.pop("name", cell_id), **options
    )


def cell(cell_id: str, source: str, **options: Any) -> CellInput:
    return CellInput(
        cell_id, -1, source, "cell", options.pop("name", cell_id), **options
    )


def params(cell_id: str, source: str) -> CellInput:
    return CellInput(cell_id, -1, source, "params", cell_id)


def notebook(*cells: CellInput) -> tuple[CellInput, ...]:
    return tuple(dataclasses.replace(c, index=i) for i, c in enumerate(cells))


def edge_strings(graph: NotebookGraph) -> set[str]:
    return {
        f"{e.from_id}->{e.to_id} {e.kind} {','.join(sorted(e.names))}".strip()
        for e in graph.edges
    }


@dataclass(frozen=True)
class GraphCase:
    """A notebook and its expected edges, written ``"a->b kind names"``."""

    name: str
    cells: tuple[CellInput, ...]
    edges: tuple[str, ...] = ()
    hidden: tuple[tuple[str, str], ...] = ()
    reads: dict[str, tuple[str, ...]] | None = None
    defines: dict[str, tuple[str, ...]] | None = None
    known_globals: frozenset[str] = frozenset()
    error: type[Exception] | None = None
    match: str = ""
    xfail: bool = False
    reason: str = ""


CASES = [
    # A method call on an imported module is a read (DESIGN §3) ------------------------
    GraphCase(
        "cells that call time.sleep run in parallel after the import",
        notebook(
            cell("imp", "import time"),
            task("a", "time.sleep(1)\nx = 1"),
            task("b", "time.sleep(1)\ny = 2"),
            task("c", "z = x + y"),
        ),
        edges=(
            "imp->a data time",
            "imp->b data time",
            "a->c data x",
            "b->c data y",
        ),
        defines={"a": ("x",), "b": ("y",)},
    ),
    GraphCase(
        "os.makedirs and logging.info are reads of their modules",
        notebook(
            cell("imp", "import os, logging"),
            task("a", "os.makedirs('out', exist_ok=True)"),
            task("b", "logging.info('hi')"),
        ),
        edges=("imp->a data os", "imp->b data logging"),
    ),
    GraphCase(
        "an import under another name is a module too",
        notebook(
            cell("imp", "import numpy.random as npr"),
            task("a", "npr.seed(1)"),
            task("b", "npr.seed(2)"),
        ),
        edges=("imp->a data npr", "imp->b data npr"),
    ),
    GraphCase(
        "a method call on a value (not an import) still mutates it",
        notebook(
            cell("make", "rows = []"),
            task("a", "rows.append(1)"),
            task("b", "n = len(rows)"),
        ),
        edges=("make->a data rows", "a->b data rows"),
    ),
    GraphCase(
        "assigning into a module is a mutation",
        notebook(
            cell("imp", "import os"),
            task("a", "os.environ['MODE'] = 'x'"),
            task("b", "mode = os.environ['MODE']"),
        ),
        edges=("imp->a data os", "a->b data os"),
    ),
    GraphCase(
        "a name an import bound but a later cell rebound is a value again",
        notebook(
            cell("imp", "import json"),
            cell("shadow", "json = {}"),
            task("a", "json.update(k=1)"),
            task("b", "n = len(json)"),
        ),
        edges=(
            "imp->shadow sequence",
            "shadow->a data json",
            "a->b data json",
        ),
    ),
    # Data edges --------------------------------------------------------------------
    GraphCase(
        "chain",
        notebook(task("a", "x = 1"), task("b", "y = x"), task("c", "z = y")),
        edges=("a->b data x", "b->c data y"),
    ),
    GraphCase(
        "independent tasks have no edges",
        notebook(task("a", "x = 1"), task("b", "y = 2")),
    ),
    GraphCase(
        "diamond",
        notebook(
            task("a", "x = 1"),
            task("b", "y = x"),
            task("c", "z = x"),
            task("d", "w = y + z"),
        ),
        edges=("a->b data x", "a->c data x", "b->d data y", "c->d data z"),
    ),
    GraphCase(
        "read resolves to the nearest preceding definition",
        notebook(task("a", "x = 1"), task("b", "x = 2"), task("c", "y = x")),
        edges=("b->c data x",),
    ),
    GraphCase(
        "one edge carries every name read from a producer",
        notebook(task("a", "x = 1\ny = 2"), task("b", "z = x + y")),
        edges=("a->b data x,y",),
    ),
    GraphCase(
        "read of a later definition is hidden state",
        notebook(task("a", "y = x"), task("b", "x = 1")),
        hidden=(("a", "x"),),
    ),
    GraphCase(
        "builtins and known globals are not hidden state",
        notebook(task("a", "display(len([1]))")),
        known_globals=frozenset({"display"}),
    ),
    GraphCase(
        "subscript mutation is a producer",
        notebook(task("a", "df = {}"), task("b", "df['a'] = 1"), task("c", "n = df")),
        edges=("a->b data df", "b->c data df"),
        defines={"a": ("df",), "b": ("df",), "c": ("n",)},
    ),
    GraphCase(
        "bare method call is a producer",
        notebook(task("a", "xs = []"), task("b", "xs.append(1)"), task("c", "n = xs")),
        edges=("a->b data xs", "b->c data xs"),
    ),
    GraphCase(
        "augmented assignment chains",
        notebook(task("a", "t = 0"), task("b", "t += 5"), task("c", "r = t")),
        edges=("a->b data t", "b->c data t"),
    ),
    # Notebook functions ------------------------------------------------------------
    GraphCase(
        "calling a helper reads its free globals",
        notebook(
            task("a", "k = 1"),
            task("b", "def f():\n    return k"),
            task("c", "r = f()"),
        ),
        edges=("a->b data k", "a->c data k", "b->c data f"),
        reads={"c": ("f", "k")},
    ),
    GraphCase(
        "helper globals resolve at the caller's position",
        notebook(
            task("a", "k = 1"),
            task("b", "def f():\n    return k"),
            task("c", "k = 2"),
            task("d", "r = f()"),
        ),
        edges=("a->b data k", "b->d data f", "c->d data k"),
    ),
    GraphCase(
        "helper globals are followed transitively",
        notebook(
            task("p", "base = 10"),
            task("a", "def g():\n    return base"),
            task("b", "def f():\n    return g() + 1"),
            task("c", "base = 20"),
            task("d", "r = f()"),
        ),
        edges=(
            "p->a data base",
            "a->b data g",
            "p->b data base",
            "a->d data g",
            "b->d data f",
            "c->d data base",
        ),
        reads={"d": ("base", "f", "g")},
    ),
    GraphCase(
        "a helper global the caller binds itself is not an input",
        notebook(
            task("a", "def f():\n    return k"),
            task("b", "k = 3\nr = f()"),
        ),
        edges=("a->b data f",),
        hidden=(("a", "k"),),
    ),
    # Plain cells and params --------------------------------------------------------
    GraphCase(
        "plain cells keep notebook order, tasks do not",
        notebook(
            cell("a", "x = 1"), task("t", "y = 2"), cell("b", "z = 3"), cell("c", "")
        ),
        edges=("a->b sequence", "b->c sequence"),
    ),
    GraphCase(
        "params cell takes part in the sequence",
        notebook(
            params("p", "n: int = 3"), cell("a", "print('hi')"), task("t", "m = n")
        ),
        edges=("p->a sequence", "p->t data n"),
    ),
    GraphCase(
        "data edge replaces a sequence edge",
        notebook(cell("a", "x = 1"), cell("b", "y = x")),
        edges=("a->b data x",),
    ),
    GraphCase(
        "plain cells may share a display name",
        notebook(cell("a", "x = 1", name="cell"), cell("b", "y = 2", name="cell")),
        edges=("a->b sequence",),
    ),
    GraphCase(
        "syntax error cell is an ordinary node",
        notebook(cell("a", "x = 1"), cell("b", "x = ("), cell("c", "y = x")),
        edges=("a->b sequence", "a->c data x", "b->c sequence"),
        reads={"b": ()},
        defines={"b": ()},
    ),
    # Overrides ---------------------------------------------------------------------
    GraphCase(
        "after adds an order edge",
        notebook(task("t1", "x = 1"), task("t2", "y = 2", after=("t1",))),
        edges=("t1->t2 order",),
    ),
    GraphCase(
        "after may point at a later task",
        notebook(task("t1", "x = 1", after=("t2",)), task("t2", "y = 2")),
        edges=("t2->t1 order",),
    ),
    GraphCase(
        "after on an existing data edge adds nothing",
        notebook(task("a", "x = 1"), task("b", "y = x", after=("a",))),
        edges=("a->b data x",),
    ),
    GraphCase(
        "needs replaces the inferred reads",
        notebook(
            task("a", "x = 1"),
            task("b", "y = 2"),
            task("c", "r = x + y", needs=("y",)),
        ),
        edges=("b->c data y",),
        reads={"c": ("y",)},
    ),
    GraphCase(
        "makes replaces the inferred outputs",
        notebook(
            task("a", "model = 1\nscratch = 2", makes=("model",)),
            task("b", "z = scratch"),
        ),
        hidden=(("b", "scratch"),),
        defines={"a": ("model",)},
    ),
    # del and star imports ----------------------------------------------------------
    GraphCase(
        "del runs after every reader",
        notebook(
            task("a", "x = [1]"),
            task("b", "y = len(x)"),
            task("c", "z = x[0]"),
            task("d", "del x"),
        ),
        edges=(
            "a->b data x",
            "a->c data x",
            "a->d data x",
            "b->d order x",
            "c->d order x",
        ),
    ),
    GraphCase(
        "del waits only for readers since the previous definition",
        notebook(
            task("a", "x = 1"),
            task("b", "y = x"),
            task("c", "x = 2"),
            task("d", "w = x"),
            task("e", "del x"),
        ),
        edges=("a->b data x", "c->d data x", "c->e data x", "d->e order x"),
    ),
    GraphCase(
        "reading a deleted name is hidden state",
        notebook(task("a", "x = 1"), task("b", "del x"), task("c", "y = x")),
        edges=("a->b data x",),
        hidden=(("c", "x"),),
    ),
    GraphCase(
        "star import is a barrier for every later cell",
        notebook(
            task("a", "from m import *"), task("b", "y = 1"), task("c", "z = foo")
        ),
        edges=("a->b order", "a->c data foo"),
    ),
    GraphCase(
        "star import between producer and reader may shadow the name",
        notebook(
            task("a", "foo = 1"), task("b", "from m import *"), task("c", "z = foo")
        ),
        edges=("a->c data foo", "b->c data foo"),
    ),
    GraphCase(
        "redefined builtin is a dependency",
        notebook(task("a", "n = sum([1])"), task("b", "sum = 5"), task("c", "m = sum")),
        edges=("b->c data sum",),
    ),
    # Errors ------------------------------------------------------------------------
    GraphCase(
        "cycle created by after names the cycle",
        notebook(task("a", "x = 1", after=("b",)), task("b", "y = x")),
        error=DependencyCycleError,
        match=r"a -> b -> a",
    ),
    GraphCase(
        "longer cycle starts at the first cell",
        notebook(
            task("a", "x = 1", after=("c",)),
            task("b", "y = x"),
            task("c", "z = y"),
        ),
        error=DependencyCycleError,
        match=r"a -> b -> c -> a",
    ),
    GraphCase(
        "after naming the task itself is a cycle",
        notebook(task("a", "x = 1", after=("a",))),
        error=DependencyCycleError,
        match=r"a -> a",
    ),
    GraphCase(
        "after naming an unknown task",
        notebook(task("a", "x = 1"), task("b", "y = 2", after=("nope",))),
        error=UnknownTaskError,
        match=r"No task named 'nope'\. Known tasks: a, b",
    ),
    GraphCase(
        "after naming a plain cell",
        notebook(cell("c", "x = 1"), task("b", "y = 2", after=("c",))),
        error=UnknownTaskError,
        match=r"No task named 'c'",
    ),
    GraphCase(
        "duplicate task names",
        notebook(
            task("a", "x = 1", name="load"),
            task("b", "y = 2"),
            task("c", "z = 3", name="load"),
        ),
        error=DuplicateTaskNameError,
        match=r"'load' is used by more than one cell \(cells 1, 3\)",
    ),
    # Known gaps --------------------------------------------------------------------
    GraphCase(
        "a mutation waits for earlier readers of the old value",
        notebook(
            task("a", "xs = [1]"), task("b", "n = len(xs)"), task("c", "xs.clear()")
        ),
        edges=("a->b data xs", "a->c data xs", "b->c order xs"),
        xfail=True,
        reason="DESIGN §3 orders only `del` after earlier readers, not mutations",
    ),
]


def _params(cases: list[GraphCase]) -> list[Any]:
    return [
        pytest.param(
            case,
            id=case.name,
            marks=[pytest.mark.xfail(reason=case.reason, strict=True)]
            if case.xfail
            else [],
        )
        for case in cases
    ]


@pytest.mark.parametrize("case", _params(CASES))
def test_graph_case(case: GraphCase) -> None:
    if case.error is not None:
        with pytest.raises(case.error, match=case.match):
            build_notebook_graph(case.cells, case.known_globals)
        return

    graph = build_notebook_graph(case.cells, case.known_globals)

    assert edge_strings(graph) == set(case.edges)
    hidden = {(w.cell_id, w.name) for w in graph.warnings if w.kind == "hidden-state"}
    assert hidden == set(case.hidden)
    for node_id, reads in (case.reads or {}).items():
        assert graph.node(node_id).reads == set(reads)
    for node_id, defines in (case.defines or {}).items():
        assert graph.node(node_id).defines == set(defines)


# Warnings ---------------------------------------------------------------------------


def test_hidden_state_warning_names_the_name_and_the_fix() -> None:
    graph = build_notebook_graph(notebook(task("a", "y = x", name="train")))

    (warning,) = graph.warnings
    assert warning.cell_id == "a"
    assert warning.message == (
        "Cell 1 ('train') reads 'x', which no earlier cell defines (hidden state). "
        "Define 'x' in a cell above, or move this cell below its definition."
    )


def test_deleted_name_warning_names_the_deleting_cell() -> None:
    cells = notebook(task("a", "x = 1"), task("b", "del x"), task("c", "y = x"))

    (warning,) = build_notebook_graph(cells).warnings

    assert "cell 2 deletes it" in warning.message
    assert "define 'x' again after the del" in warning.message


def test_star_import_warns_once_per_cell() -> None:
    cells = notebook(task("a", "from m import *"), task("b", "y = undefined_name"))

    warnings = build_notebook_graph(cells).warnings

    assert [(w.kind, w.cell_id, w.name) for w in warnings] == [
        ("star-import", "a", "*")
    ]
    assert "Import the names you use explicitly" in warnings[0].message


# Builder input checks ---------------------------------------------------------------


def test_cells_are_ordered_by_index_not_by_position() -> None:
    cells = (
        CellInput("b", 1, "y = x", "task", "b"),
        CellInput("a", 0, "x = 1", "task", "a"),
    )

    graph = build_notebook_graph(cells)

    assert [n.id for n in graph.nodes] == ["a", "b"]
    assert edge_strings(graph) == {"a->b data x"}


def test_duplicate_cell_ids_are_rejected() -> None:
    cells = notebook(task("a", "x = 1"), cell("a", "y = 2"))

    with pytest.raises(ValueError, match=r"Cell id 'a' appears more than once"):
        build_notebook_graph(cells)


# Queries ----------------------------------------------------------------------------


@pytest.fixture
def pipeline() -> NotebookGraph:
    return build_notebook_graph(
        notebook(
            params("p", "n: int = 3"),
            task("load", "raw = list(range(n))"),
            task("clean", "rows = [r for r in raw if r]"),
            task("stats", "total = sum(raw)"),
            task("report", "out = (rows, total)"),
            cell("tail", "print('done')"),
        )
    )


def test_topological_order_keeps_notebook_order_for_ties(
    pipeline: NotebookGraph,
) -> None:
    assert pipeline.topological_order() == (
        "p",
        "load",
        "tail",
        "clean",
        "stats",
        "report",
    )


def test_topological_order_follows_a_backward_after_edge() -> None:
    graph = build_notebook_graph(
        notebook(task("a", "x = 1", after=("b",)), task("b", "y = 2"))
    )

    assert graph.topological_order() == ("b", "a")


def test_layers_group_cells_that_can_run_together(pipeline: NotebookGraph) -> None:
    assert pipeline.layers() == (
        ("p",),
        ("load", "tail"),
        ("clean", "stats"),
        ("report",),
    )


def test_upstream_and_downstream_are_transitive(pipeline: NotebookGraph) -> None:
    assert pipeline.upstream("report") == {"p", "load", "clean", "stats"}
    assert pipeline.downstream("load") == {"clean", "stats", "report"}
    assert pipeline.upstream("p") == frozenset()
    assert pipeline.downstream("p") == {"load", "clean", "stats", "report", "tail"}


def test_parents_and_children_are_direct(pipeline: NotebookGraph) -> None:
    assert pipeline.parents("report") == ("clean", "stats")
    assert pipeline.children("load") == ("clean", "stats")


def test_unknown_node_id_is_a_key_error(pipeline: NotebookGraph) -> None:
    with pytest.raises(KeyError, match="No cell with id 'nope'"):
        pipeline.upstream("nope")


def test_subgraph_keeps_only_edges_among_its_nodes(pipeline: NotebookGraph) -> None:
    sub = pipeline.subgraph(["load", "clean", "report"])

    assert [n.id for n in sub.nodes] == ["load", "clean", "report"]
    assert edge_strings(sub) == {"load->clean data raw", "clean->report data rows"}


def _node(node_id: str, index: int) -> Node:
    return Node(
        node_id, node_id, index, "task", frozenset(), frozenset(), CellAnalysis()
    )


def test_find_cycle_on_a_hand_built_graph() -> None:
    nodes = [_node("a", 0), _node("b", 1), _node("c", 2)]
    edges = [Edge("b", "c", "order"), Edge("c", "b", "order"), Edge("a", "b", "data")]
    graph = NotebookGraph(nodes, edges)

    assert graph.find_cycle() == ("b", "c")
    with pytest.raises(DependencyCycleError, match=r"b -> c -> b"):
        graph.topological_order()


def test_acyclic_graph_has_no_cycle(pipeline: NotebookGraph) -> None:
    assert pipeline.find_cycle() is None


def test_edge_to_a_missing_node_is_rejected() -> None:
    with pytest.raises(ValueError, match="Edge a -> z leaves the graph"):
        NotebookGraph([_node("a", 0)], [Edge("a", "z", "data")])


@pytest.mark.parametrize(
    ("nodes", "parents", "layers"),
    [
        pytest.param("", {}, [], id="no nodes, no layers"),
        pytest.param("abc", {}, [["a", "b", "c"]], id="roots share the first layer"),
        pytest.param(
            "cab",
            {"c": "a", "b": "a"},
            [["a"], ["c", "b"]],
            id="a layer keeps the order of the nodes given",
        ),
        pytest.param(
            "abcd",
            {"b": "a", "c": "b", "d": "ac"},
            [["a"], ["b"], ["c"], ["d"]],
            id="the furthest parent decides the layer",
        ),
        pytest.param(
            "abcd",
            {"b": "cd", "c": "a"},
            [["a", "d"], ["c"], ["b"]],
            id="a parent may come later in the order",
        ),
        pytest.param(
            "abcd",
            {"b": "ac", "c": "b", "d": "c"},
            [["a"]],
            id="nodes on a cycle and below it are in no layer",
        ),
    ],
)
def test_longest_path_layers(
    nodes: str, parents: dict[str, str], layers: list[list[str]]
) -> None:
    links = {node: tuple(parents.get(node, "")) for node in nodes}
    assert longest_path_layers(tuple(nodes), links) == layers


def test_layers_and_order_of_a_hand_built_cyclic_graph_name_the_cycle() -> None:
    nodes = [_node("a", 0), _node("b", 1), _node("c", 2), _node("d", 3)]
    edges = [Edge("a", "b", "data"), Edge("c", "b", "order"), Edge("b", "c", "data")]
    graph = NotebookGraph(nodes, [*edges, Edge("c", "d", "data")])

    assert graph.find_cycle() == ("b", "c")
    with pytest.raises(DependencyCycleError, match=r"b -> c -> b"):
        graph.layers()


# Renderings -------------------------------------------------------------------------


@pytest.fixture
def small() -> NotebookGraph:
    return build_notebook_graph(
        notebook(
            params("p", "n = 2"),
            task("sq", "sq = n * n"),
            cell("show", 'print("x", sq)', name='say "hi"'),
        )
    )


def test_to_json_matches_the_cli_shape(small: NotebookGraph) -> None:
    assert json.loads(to_json(small)) == {
        "nodes": [
            {
                "id": "p",
                "name": "p",
                "cell_index": 0,
                "kind": "params",
                "defines": ["n"],
                "reads": [],
            },
            {
                "id": "sq",
                "name": "sq",
                "cell_index": 1,
                "kind": "task",
                "defines": ["sq"],
                "reads": ["n"],
            },
            {
                "id": "show",
                "name": 'say "hi"',
                "cell_index": 2,
                "kind": "cell",
                "defines": [],
                "reads": ["sq"],
            },
        ],
        "edges": [
            {"from": "p", "to": "sq", "kind": "data", "names": ["n"]},
            {"from": "p", "to": "show", "kind": "sequence", "names": []},
            {"from": "sq", "to": "show", "kind": "data", "names": ["sq"]},
        ],
    }


def test_to_json_is_deterministic() -> None:
    cells = notebook(task("a", "z = 1\ny = 2\nx = 3"), task("b", "w = x + y + z"))

    document = to_dict(build_notebook_graph(cells))

    assert document["nodes"][0]["defines"] == ["x", "y", "z"]
    assert document["edges"][0]["names"] == ["x", "y", "z"]
    assert to_json(build_notebook_graph(cells)) == to_json(build_notebook_graph(cells))


def test_to_mermaid(small: NotebookGraph) -> None:
    assert to_mermaid(small) == (
        "flowchart TD\n"
        '    n0["p (params)"]\n'
        '    n1["sq (task)"]\n'
        '    n2["say #quot;hi#quot; (cell)"]\n'
        '    n0 -->|"n"| n1\n'
        "    n0 ==> n2\n"
        '    n1 -->|"sq"| n2\n'
    )


def test_to_dot(small: NotebookGraph) -> None:
    assert to_dot(small) == (
        "digraph notebook {\n"
        "    rankdir=TB;\n"
        '    "p" [label="p", shape=note];\n'
        '    "sq" [label="sq", shape=box];\n'
        '    "show" [label="say \\"hi\\"", shape=ellipse];\n'
        '    "p" -> "sq" [style=solid, label="n"];\n'
        '    "p" -> "show" [style=bold];\n'
        '    "sq" -> "show" [style=solid, label="sq"];\n'
        "}\n"
    )
