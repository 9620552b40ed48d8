"""Names: variables reused across cells, names the module adds, names that clash."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from tests.export.conftest import export_text
from tests.export.running import export_notebook, run_module, run_notebook

from taskbook.errors import ExportConflictError
from taskbook.export import ServeSchedule
from taskbook.export.main_block import MAIN_LOCALS
from taskbook.schedule.options import ScheduleOptions


def test_a_variable_reused_across_cells_exports_without_edits(tmp_path: Path):
    # The task reads `first`: without that edge taskbook run may run the first
    # two cells at once, and pyplot's global state is not thread-safe.
    cells = [
        "import matplotlib.pyplot as plt",
        "fig, ax = plt.subplots()\nax.plot([1, 2])\nfirst = len(ax.lines)\n"
        "print('first', first)",
        "%%task second\nfig, ax = plt.subplots()\nax.plot([1])\nax.plot([2])\n"
        "lines = len(ax.lines)\nprint('second', lines, first)",
        "fig, ax = plt.subplots()\nprint('third', len(ax.lines), lines)",
    ]
    notebook, module = export_notebook(tmp_path, cells)
    ran = run_module(module, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "first 1\nsecond 2 1\nthird 0 2\n"
    assert ran.stdout == run_notebook(notebook, cwd=tmp_path).stdout


def test_a_python_api_notebook_keeps_its_flows_and_tasks_as_written(tmp_path: Path):
    cells = [
        "from taskbook import flow, task",
        "@task(retries=1)\ndef double(x):\n    return 2 * x",
        "@flow\ndef pipeline(n: int = 3):\n    return [double(i) for i in range(n)]",
        "print(pipeline(4))",
    ]
    text = export_text(cells)
    assert "@task(retries=1)\ndef double(x):\n    return 2 * x\n" in text
    assert "@flow\ndef pipeline(n: int = 3):\n" in text
    assert "from taskbook import flow, task\n" in text  # one import serves both
    notebook, module = export_notebook(tmp_path, cells)
    ran = run_module(module, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "[0, 2, 4, 6]\n" == run_notebook(notebook, cwd=tmp_path).stdout


def test_the_names_the_module_adds_step_aside_for_the_notebooks(tmp_path: Path):
    cells = [
        "flow, task, main, time, subprocess = 'f', 't', 'm', 4, 's'",
        "%%task timed\n%time total = time * 2\n!echo {flow}{task}",
        "print(total, main, subprocess)",
    ]
    text = export_text(cells)
    assert "import subprocess as _subprocess" in text
    assert "import time as _time" in text
    assert (
        "from taskbook import flow as _flow\nfrom taskbook import task as _task\n"
        in text
    )
    assert "@_flow(name=" in text
    assert "@_task(name=" in text
    _notebook, module = export_notebook(tmp_path, cells)
    ran = run_module(module, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    wall, *rest = ran.stdout.splitlines()
    assert wall.startswith("Wall time: ")
    assert rest == ["ft", "8 m s"]


@pytest.mark.parametrize("name", ["02_parameters", "parser", "names"])
def test_a_notebook_named_like_a_local_of_main_still_runs_its_flow(
    tmp_path: Path, name: str
):
    # main() binds `parameters`, `parser`, `names`...: a flow function of that
    # name would be shadowed, and main would call a dict or a parser.
    cells = ["%%params\nn = 1", "%%task double\nm = 2 * n\nprint(m)"]
    _notebook, module = export_notebook(tmp_path, cells, name=name)
    ran = run_module(module, "-p", "n", "3", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "6\n"


def _main_locals(text: str) -> set[str]:
    main = next(
        node
        for node in ast.parse(text).body
        if isinstance(node, ast.FunctionDef) and node.name == "main"
    )
    bound: set[str] = set()
    for node in ast.walk(main):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node is not main:
            bound.add(node.name)
    return bound


@pytest.mark.parametrize(
    ("target", "schedule"),
    [
        ("taskbook", None),
        ("prefect", None),
        ("prefect", ServeSchedule(ScheduleOptions(cron="0 6 * * *", tz="UTC").when())),
        ("prefect", ServeSchedule(ScheduleOptions(interval="15m").when())),
    ],
)
def test_every_name_main_binds_is_one_the_flow_function_avoids(target, schedule):
    cells = ["%%params\nn = 1", "%%task double\nm = 2 * n"]
    text = export_text(cells, target, schedule=schedule)
    assert _main_locals(text) <= MAIN_LOCALS


def test_a_task_named_like_its_output_gets_a_function_name_of_its_own():
    text = export_text(["%%task rates\nrates = {'EUR': 1.0}", "print(rates)"])
    assert "def rates_task():" in text
    assert "    rates = rates_task()" in text


def test_a_task_binding_a_name_on_some_paths_gets_its_earlier_value():
    text = export_text(
        ["level = 1", "%%task maybe\nif level > 5:\n    level = 0", "print(level)"]
    )
    assert "def maybe(level):" in text
    assert "    level = maybe(level)" in text


def test_a_task_moved_by_after_runs_after_the_task_it_names():
    text = export_text(
        [
            "%%task first --after second\na = 1",
            "%%task second\nb = 2",
            "print(a + b)",
        ]
    )
    assert text.index("b = second()") < text.index("a = first()")


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (
            ["import json", "json = '{}'"],
            "Cell 1 imports 'json' and cell 2 assigns it: a flow module has one "
            "'json' for both. Rename 'json' in one of the cells.",
        ),
        (
            ["import numpy as np", "import pandas as np"],
            "Cell 1 imports 'np' from numpy and cell 2 imports it from pandas: a flow "
            "module has one 'np' for both. Rename 'np' in one of the cells.",
        ),
        (
            ["def f():\n    return 1", "x = f()", "def f():\n    return 2"],
            "Cell 1 defines 'f' and cell 3 defines another 'f': a flow module has "
            "one 'f' for both. Give the two functions different names.",
        ),
    ],
    ids=["import and variable", "two imports", "two functions"],
)
def test_one_name_with_two_meanings_stops_the_export(cells, message):
    with pytest.raises(ExportConflictError) as caught:
        export_text(cells)
    assert str(caught.value) == message


def test_a_function_defined_twice_the_same_way_is_exported_once():
    source = "def f():\n    return 1"
    text = export_text([source, "x = f()", source, "y = f()"])
    assert text.count("def f():") == 1
