"""A cell served from the cache needs the files it wrote: lost or changed, it reruns.

Real shell, real files under tmp_path (the working directory), real diskcache.
Python writers are seen through audit events; pyarrow's C++ writer (pandas'
``to_parquet``) through the paths the cell names; others through ``--makes file:``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from taskbook.cellflow.result import NotebookRunResult
from taskbook.cellflow.runner import NotebookRunner
from taskbook.core.run_options import RunOptions

from .helpers import by_name, notebook, states

pytest.importorskip("pyarrow")

Run = Callable[..., NotebookRunResult]


@pytest.fixture
def runner(shell: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.chdir(tmp_path)
    return NotebookRunner(shell, "nb")


@pytest.fixture
def run(runner: NotebookRunner) -> Run:
    def go(*sources: str, **options: Any) -> NotebookRunResult:
        return runner.run(notebook(*sources), RunOptions(**options))

    return go


ETL = (
    "import os\nimport pandas as pd\nout_dir = 'out'",
    "%%task make\nframe = pd.DataFrame({'region': ['n', 's'], 'amount': [3, 4]})",
    "%%task save\nos.makedirs(out_dir, exist_ok=True)\n"
    "frame.to_csv(os.path.join(out_dir, 'frame.csv'), index=False)\n"
    "frame.to_parquet(os.path.join(out_dir, 'frame.parquet'))\nprint('saved')",
    "%%task report\ntotal = int(frame.amount.sum())\ntotal",
)


@pytest.mark.parametrize("lost", ["out/frame.csv", "out/frame.parquet"])
def test_deleting_an_output_file_reruns_its_cell_only_and_why_names_it(
    run: Run, runner: NotebookRunner, lost: str
) -> None:
    run(*ETL)
    assert set(states(run(*ETL)).values()) == {"Cached"}
    os.remove(lost)

    result = run(*ETL)

    assert states(result) == {
        "cell-1": "Cached",
        "make": "Cached",
        "save": "Completed",
        "report": "Cached",
    }
    assert Path(lost).exists()
    assert runner.explanations["save"] == [f"its output file {lost!r} was deleted."]
    assert set(states(run(*ETL)).values()) == {"Cached"}


def test_a_file_changed_by_someone_else_reruns_the_cell_that_wrote_it(
    run: Run, runner: NotebookRunner
) -> None:
    run(*ETL)
    Path("out/frame.csv").write_text("region,amount\nn,300\n")

    result = run(*ETL)

    assert by_name(result)["save"].state_name == "Completed"
    assert runner.explanations["save"] == [
        "its output file 'out/frame.csv' was changed."
    ]
    assert Path("out/frame.csv").read_text() == "region,amount\nn,3\ns,4\n"


def test_a_parquet_file_named_by_a_constant_is_an_output(run: Run) -> None:
    cells = (
        "import pandas as pd\nimport pyarrow as pa\nimport pyarrow.parquet as pq",
        "%%task write\npd.DataFrame({'x': [1]}).to_parquet('direct.parquet')\n"
        "pq.write_table(pa.table({'y': [2]}), 'arrow.parquet')",
    )
    run(*cells)
    for name in ("direct.parquet", "arrow.parquet"):
        os.remove(name)
        assert by_name(run(*cells))["write"].state_name == "Completed", name
        assert Path(name).exists()


def test_a_file_in_a_folder_given_as_input_is_an_output(run: Run) -> None:
    cells = (
        "import pyarrow as pa\nimport pyarrow.parquet as pq\nfrom pathlib import Path\n"
        "folder = Path('exports')\nfolder.mkdir()",
        "%%task write\npq.write_table(pa.table({'y': [2]}), str(folder / 'part.parquet'))",
    )
    run(*cells)
    os.remove("exports/part.parquet")

    assert by_name(run(*cells))["write"].state_name == "Completed"
    assert Path("exports/part.parquet").exists()


def test_makes_file_declares_an_output_the_cell_does_not_name(run: Run) -> None:
    cells = (
        "import pyarrow as pa\nimport pyarrow.parquet as pq\nimport os\n"
        "os.makedirs(os.path.join('a', 'b'))",
        # Two folders down, its name built from pieces: nothing here names it.
        "%%task deep --makes file:a/b/deep.parquet\n"
        "pq.write_table(pa.table({'y': [2]}), os.path.join('a', 'b', 'de' + 'ep.parquet'))",
    )
    run(*cells)
    os.remove("a/b/deep.parquet")

    assert by_name(run(*cells))["deep"].state_name == "Completed"
    assert Path("a/b/deep.parquet").exists()


def test_a_declared_file_the_cell_did_not_write_fails_it(run: Run) -> None:
    result = run("%%task promise --makes file:never.csv\nx = 1", "y = x + 1")

    outcome = by_name(result)["promise"]
    assert (outcome.state_name, by_name(result)["cell-2"].state_name) == (
        "Failed",
        "NotReady",
    )
    assert outcome.message is not None
    assert "declares the output file 'never.csv' (--makes file:never.csv)" in (
        outcome.message
    )
    assert outcome.outputs[-1]["ename"] == "MissingOutputFileError"


def test_stale_does_not_skip_a_cell_whose_output_file_is_gone(run: Run) -> None:
    run(*ETL)
    os.remove("out/frame.csv")

    result = run(*ETL, stale=True)

    assert states(result) == {"save": "Completed"}
    assert Path("out/frame.csv").exists()


def test_an_isolated_cell_s_writes_count_too(run: Run) -> None:
    cells = ("%%task iso --isolate process\nopen('iso.txt', 'w').write('child')",)
    run(*cells)
    os.remove("iso.txt")

    assert by_name(run(*cells))["iso"].state_name == "Completed"
    assert Path("iso.txt").read_text() == "child"


def test_a_notebook_saved_while_a_cell_runs_is_not_its_output(run: Run) -> None:
    Path("nb.ipynb").write_text("{}")
    cells = (
        "import os, subprocess, sys\n"
        # Another process writes the notebook (as JupyterLab's autosave would).
        "subprocess.run([sys.executable, '-c', "
        "\"open('nb.ipynb', 'w').write('{ }')\"], check=True)\n"
        "listing = sorted(os.listdir('.'))",
    )
    run(*cells)
    Path("nb.ipynb").write_text("{  }")

    assert set(states(run(*cells)).values()) == {"Cached"}


def test_a_log_file_opened_for_appending_keeps_its_opener_cached_as_it_grows(
    run: Run,
) -> None:
    cells = (
        "import logging\nlog = logging.getLogger('etl')\n"
        "log.addHandler(logging.FileHandler('etl.log'))\nlog.setLevel(logging.INFO)",
        "%%task step\nlog.info('step ran')\ndone = True",
    )
    try:
        run(*cells)
        with open("etl.log", "a") as file:
            file.write("a line from another run\n")

        assert set(states(run(*cells)).values()) == {"Cached"}
        os.remove("etl.log")

        assert by_name(run(*cells))["cell-1"].state_name == "Completed"
    finally:
        for handler in logging.getLogger("etl").handlers[:]:
            handler.close()
            logging.getLogger("etl").removeHandler(handler)
