from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from tests.corpora import PAPERMILL

SMALL = [
    "%%params\nn = 3  # how many",
    None,
    "import math",
    "%%task load\nxs = list(range(n))",
    "%%task square\nys = [x * x for x in xs]",
    "%%task total --after square\nt = sum(xs)",
    "print(math.sqrt(sum(ys)), t)",
]


def test_json_is_the_documented_document(
    make_notebook: Callable[..., Path], invoke: Callable[..., Result]
) -> None:
    result = invoke("graph", str(make_notebook(SMALL)), "--format", "json")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert json.loads(result.stdout) == {
        "nodes": [
            {
                "id": "c0",
                "name": "params",
                "cell_index": 0,
                "kind": "params",
                "defines": ["n"],
                "reads": [],
            },
            {
                "id": "c2",
                "name": "cell-3",
                "cell_index": 2,
                "kind": "cell",
                "defines": ["math"],
                "reads": [],
            },
            {
                "id": "c3",
                "name": "load",
                "cell_index": 3,
                "kind": "task",
                "defines": ["xs"],
                "reads": ["n"],
            },
            {
                "id": "c4",
                "name": "square",
                "cell_index": 4,
                "kind": "task",
                "defines": ["ys"],
                "reads": ["xs"],
            },
            {
                "id": "c5",
                "name": "total",
                "cell_index": 5,
                "kind": "task",
                "defines": ["t"],
                "reads": ["xs"],
            },
            {
                "id": "c6",
                "name": "cell-7",
                "cell_index": 6,
                "kind": "cell",
                "defines": [],
                "reads": ["math", "t", "ys"],
            },
        ],
        "edges": [
            {"from": "c0", "to": "c2", "kind": "sequence", "names": []},
            {"from": "c0", "to": "c3", "kind": "data", "names": ["n"]},
            {"from": "c2", "to": "c6", "kind": "data", "names": ["math"]},
            {"from": "c3", "to": "c4", "kind": "data", "names": ["xs"]},
            {"from": "c3", "to": "c5", "kind": "data", "names": ["xs"]},
            {"from": "c4", "to": "c5", "kind": "order", "names": []},
            {"from": "c4", "to": "c6", "kind": "data", "names": ["ys"]},
            {"from": "c5", "to": "c6", "kind": "data", "names": ["t"]},
        ],
    }


def test_json_is_the_default_format(
    make_notebook: Callable[..., Path], invoke: Callable[..., Result]
) -> None:
    path = str(make_notebook(SMALL))
    assert (
        invoke("graph", path).stdout == invoke("graph", path, "--format", "json").stdout
    )


def test_mermaid(
    make_notebook: Callable[..., Path], invoke: Callable[..., Result]
) -> None:
    result = invoke("graph", str(make_notebook(SMALL)), "--format", "mermaid")
    assert result.exit_code == 0
    assert result.stdout == (
        "flowchart TD\n"
        '    n0["params (params)"]\n'
        '    n1["cell-3 (cell)"]\n'
        '    n2["load (task)"]\n'
        '    n3["square (task)"]\n'
        '    n4["total (task)"]\n'
        '    n5["cell-7 (cell)"]\n'
        "    n0 ==> n1\n"
        '    n0 -->|"n"| n2\n'
        '    n1 -->|"math"| n5\n'
        '    n2 -->|"xs"| n3\n'
        '    n2 -->|"xs"| n4\n'
        "    n3 -.-> n4\n"
        '    n3 -->|"ys"| n5\n'
        '    n4 -->|"t"| n5\n'
    )


def test_dot(make_notebook: Callable[..., Path], invoke: Callable[..., Result]) -> None:
    result = invoke("graph", str(make_notebook(SMALL)), "--format", "dot")
    assert result.exit_code == 0
    assert result.stdout.startswith(
        'digraph notebook {\n    rankdir=TB;\n    "c0" [label="params", shape=note];\n'
    )
    assert '    "c4" -> "c5" [style=dashed];\n' in result.stdout
    assert '    "c3" -> "c4" [style=solid, label="xs"];\n' in result.stdout
    assert result.stdout.endswith("}\n")


def test_magics_and_unparsable_cells_are_nodes(
    make_notebook: Callable[..., Path], invoke: Callable[..., Result]
) -> None:
    path = make_notebook(
        ["%matplotlib inline\nx = 1", "!echo hi", "print 'py2'", "y = x"]
    )
    result = invoke("graph", str(path))
    assert result.exit_code == 0
    nodes = json.loads(result.stdout)["nodes"]
    assert [(n["id"], n["defines"]) for n in nodes] == [
        ("c0", ["x"]),
        ("c1", []),
        ("c2", []),
        ("c3", ["y"]),
    ]


def test_hidden_state_is_a_warning_on_stderr(
    make_notebook: Callable[..., Path], invoke: Callable[..., Result]
) -> None:
    result = invoke("graph", str(make_notebook(["y = undefined_thing + 1"])))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["nodes"][0]["reads"] == ["undefined_thing"]
    assert result.stderr == (
        "Warning: Cell 1 ('cell-1') reads 'undefined_thing', which no earlier cell "
        "defines (hidden state). Define 'undefined_thing' in a cell above, or move "
        "this cell below its definition.\n"
    )


def test_a_cycle_is_a_usage_error_naming_it(
    make_notebook: Callable[..., Path], invoke: Callable[..., Result]
) -> None:
    path = make_notebook(["%%task a --after b\nx = 1", "%%task b\ny = x"])
    result = invoke("graph", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "Error: Dependency cycle detected: a -> b -> a. Remove one of the "
        "--after/--needs dependencies or split the cell.",
        f"Hint: `taskbook graph {path}` shows what each cell reads and defines.",
    ]


def test_duplicate_task_names_are_usage_errors(
    make_notebook: Callable[..., Path], invoke: Callable[..., Result]
) -> None:
    twice = make_notebook(["%%task a\nx = 1", "%%task a\ny = 2"], name="twice.ipynb")
    result = invoke("graph", str(twice))
    assert result.exit_code == 2
    assert "Task name 'a' is used by more than one cell" in result.stderr


def test_a_bad_task_line_is_a_node_and_a_warning_naming_its_cell(
    make_notebook: Callable[..., Path], invoke: Callable[..., Result]
) -> None:
    flag = make_notebook(["x = 1", "%%task a --retry 3\ny = x"], name="flag.ipynb")
    result = invoke("graph", str(flag))
    assert result.exit_code == 0
    assert result.stderr.startswith(
        "Warning: Cell 2 (%%task a --retry 3): Unknown option '--retry' for %%task."
    )
    graph = json.loads(result.stdout)
    assert [n["name"] for n in graph["nodes"]] == ["cell-1", "a"]


def test_unreadable_notebook(tmp_path: Path, invoke: Callable[..., Result]) -> None:
    missing = tmp_path / "missing.ipynb"
    result = invoke("graph", str(missing))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"Error: Cannot read notebook {str(missing)!r}: no such file. Check the path "
        f"and that the file is a Jupyter notebook (.ipynb, nbformat 4).",
        "Hint: Open the file in JupyterLab to check it is a notebook.",
    ]


def test_bad_format_is_a_click_usage_error(
    make_notebook: Callable[..., Path], invoke: Callable[..., Result]
) -> None:
    result = invoke("graph", str(make_notebook(SMALL)), "--format", "svg")
    assert result.exit_code == 2
    assert (
        "Invalid value for '--format': 'svg' is not one of 'json', 'mermaid', 'dot'."
        in result.stderr
    )


def test_debug_shows_the_traceback(
    make_notebook: Callable[..., Path], invoke: Callable[..., Result]
) -> None:
    path = make_notebook(["%%task a --after b\nx = 1", "%%task b\ny = x"])
    plain = invoke("graph", str(path))
    assert "Traceback" not in plain.stderr
    for args in (("graph", "--debug", str(path)), ("--debug", "graph", str(path))):
        result = invoke(*args)
        assert result.exit_code == 2
        assert result.stderr.startswith("Traceback (most recent call last):")
        assert "DependencyCycleError" in result.stderr
        assert result.stderr.splitlines()[-2].startswith(
            "Error: Dependency cycle detected"
        )


def test_graph_of_the_corpora(invoke: Callable[..., Result]) -> None:
    result = invoke("graph", str(PAPERMILL / "broken1.ipynb"))
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert [n["cell_index"] for n in document["nodes"]] == [3, 6, 7]
    assert [(e["from"], e["to"], e["kind"]) for e in document["edges"]] == [
        ("cell-3", "cell-6", "sequence"),
        ("cell-6", "cell-7", "sequence"),
    ]
