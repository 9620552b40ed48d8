"""IPython syntax is translated or refused with the cell and the line, never dropped."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from tests.export.conftest import export_text
from tests.export.running import export_notebook, run_module, run_notebook

from taskbook.errors import UntranslatableMagicError


@dataclass(frozen=True)
class Case:
    id: str
    cells: list[str]
    expected: list[str]  # lines (stripped) the module must contain


CASES = [
    Case(
        "shell command",
        ["!echo hello"],
        ['subprocess.run("echo hello", shell=True, check=False)', "import subprocess"],
    ),
    Case(
        "shell command with a notebook variable",
        ["name = 'ada'", "!echo {name} $name"],
        ['subprocess.run(f"echo {name} {name}", shell=True, check=False)'],
    ),
    Case(
        "shell braces that are not Python stay as IPython runs them",
        ["!awk '{print $1}' data.txt"],
        ["subprocess.run(\"awk '{print $1}' data.txt\", shell=True, check=False)"],
    ),
    Case(
        "shell variable the notebook does not have goes to the shell",
        ["!echo $HOME"],
        ['subprocess.run("echo $HOME", shell=True, check=False)'],
    ),
    Case(
        "captured shell output",
        ["files = !ls"],
        [
            "files = subprocess.run(",
            '"ls", shell=True, capture_output=True, text=True, check=False',
            ").stdout.splitlines()",
        ],
    ),
    Case(
        "line timing",
        ["%time y = sum(range(10))"],
        [
            "_started = time.perf_counter()",
            "y = sum(range(10))",
            'print(f"Wall time: {time.perf_counter() - _started:.3f} s")',
            "import time",
        ],
    ),
    Case(
        "cell timing",
        ["%%time\nx = 1\ny = x + 1"],
        [
            "_started = time.perf_counter()",
            "x = 1",
            "y = x + 1",
            'print(f"Wall time: {time.perf_counter() - _started:.3f} s")',
        ],
    ),
    Case(
        "matplotlib inline",
        ["%matplotlib inline\nx = 1"],
        ["# %matplotlib inline: dropped, a script shows no inline plots", "x = 1"],
    ),
    Case(
        "a magic alone in a block leaves a pass",
        ["flag = True", "if flag:\n    %matplotlib inline"],
        ["pass  # %matplotlib inline: dropped, a script shows no inline plots"],
    ),
    Case(
        "autoreload",
        ["%load_ext autoreload\n%autoreload 2\nx = 1"],
        [
            "# %load_ext autoreload: dropped, notebook extensions do nothing in a script",
            "# %autoreload 2: dropped, a script loads its modules once",
        ],
    ),
    Case(
        "display is kept, with a fallback without IPython",
        ["x = 1", "display(x)"],
        [
            "display(x)",
            "from IPython.display import display",
            "display = print",
        ],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_ipython_syntax_becomes_python(case: Case):
    lines = {line.strip() for line in export_text(case.cells).splitlines()}
    missing = [line for line in case.expected if line not in lines]
    assert not missing, export_text(case.cells)
    assert "get_ipython" not in export_text(case.cells)


REFUSED = [
    ("%timeit sum(range(3))", "Cell 1, line 1: '%timeit sum(range(3))'", "Rewrite"),
    ("x = 1\n%pip install pandas", "Cell 1, line 2: '%pip install pandas'", "Install"),
    ("%%bash\nls", "Cell 1, line 1: '%%bash'", "Rewrite"),
    ("x = 1\nx?", "Cell 1, line 2: 'x?'", "Rewrite"),
    ("get_ipython().run_line_magic('who', '')", 'Cell 1, line 1: "get_ipython', ""),
    ("y = 2\nresult = %who_ls", "Cell 1, line 2: 'result = %who_ls'", "Rewrite"),
]


@pytest.mark.parametrize(("source", "where", "fix"), REFUSED)
def test_other_magics_are_refused_naming_the_cell_and_the_line(source, where, fix):
    with pytest.raises(UntranslatableMagicError) as caught:
        export_text(["a = 0", source])
    message = str(caught.value).replace("Cell 2", "Cell 1")
    assert message.startswith(where)
    assert "IPython syntax that an exported module cannot run" in message
    assert fix in message


def test_a_task_cell_body_is_translated_too():
    text = export_text(["%%task listing\n%%time\nfiles = !ls\ncount = len(files)"])
    assert "    files = subprocess.run(" in text
    assert "    _started = time.perf_counter()" in text
    assert "def listing():" in text


def test_shell_output_keeps_its_place_among_the_prints(tmp_path):
    cells = [
        "print('a')\n!echo b\nprint('c')",
        "%%task t\nprint('d')\n!echo e\nfiles = !echo f\nprint(files)",
    ]
    notebook, module = export_notebook(tmp_path, cells)
    ran = run_module(module, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "a\nb\nc\nd\ne\n['f']\n"
    assert ran.stdout == run_notebook(notebook, cwd=tmp_path).stdout


def test_the_timer_of_time_stays_inside_the_task():
    text = export_text(["x = 4", "%%task timed\n%time total = x * 2", "print(total)"])
    assert "    return total\n" in text
    assert "    total = timed(x)\n" in text
    assert '"_started"' not in text
