"""``taskbook run --runner dask``: the example notebook on real Dask clusters.

Outputs, states, attempts and the files the notebook writes must be those of the
default threads run: a LocalCluster that taskbook starts, and a running cluster
given by ``--address`` (started here in its own process, as a user's would be).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from .conftest import write_notebook

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the example notebook and its data, as a user's project."""
    shutil.copytree(
        REPO / "notebooks",
        tmp_path / "notebooks",
        ignore=shutil.ignore_patterns("output", ".taskbook"),
    )
    shutil.copytree(REPO / "examples" / "data", tmp_path / "examples" / "data")
    return tmp_path


def _taskbook(*args: str, home: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "taskbook.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "TASKBOOK_HOME": str(home)},
        cwd=cwd,
        timeout=300,
        check=False,
    )


def _run_etl(project: Path, label: str, *flags: str) -> tuple[Any, Path]:
    """Run the example notebook into its own output folder and store."""
    out = project / f"{label}.ipynb"
    result = _taskbook(
        "run",
        "notebooks/01_etl.ipynb",
        str(out),
        "--cwd",
        "notebooks",
        "-p",
        "out_dir",
        f"out-{label}",
        *flags,
        home=project / f"home-{label}",
        cwd=project,
    )
    assert result.returncode == 0, result.stderr
    return nbformat.read(out, as_version=4), project / "notebooks" / f"out-{label}"


def _cells(nb: Any) -> list[tuple[Any, ...]]:
    """Each code cell's name, state, attempts and outputs (what a user reads)."""
    rows = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("taskbook", {})
        outputs = [
            {k: v for k, v in o.items() if k != "execution_count"} for o in cell.outputs
        ]
        rows.append(
            (meta.get("name"), meta.get("state_name"), meta.get("attempts"), outputs)
        )
    return rows


def _assert_same_run(threads: tuple[Any, Path], dask: tuple[Any, Path]) -> None:
    import pandas as pd

    (nb_threads, out_threads), (nb_dask, out_dask) = threads, dask
    assert _cells(nb_dask) == _cells(nb_threads)
    rates = next(row for row in _cells(nb_dask) if row[0] == "rates")
    # The rates cell reads runtime.task_run.run_count on the worker: it fails once.
    assert rates[1:3] == ("Completed", 2)
    assert (out_dask / "region_totals.csv").read_bytes() == (
        out_threads / "region_totals.csv"
    ).read_bytes()
    pd.testing.assert_frame_equal(
        pd.read_parquet(out_dask / "product_totals.parquet"),
        pd.read_parquet(out_threads / "product_totals.parquet"),
    )


def test_a_local_cluster_gives_the_threads_run(project: Path) -> None:
    threads = _run_etl(project, "threads")

    dask = _run_etl(project, "dask", "--runner", "dask")

    _assert_same_run(threads, dask)


def test_cells_run_in_the_worker_processes_of_the_local_cluster(
    tmp_path: Path,
) -> None:
    notebook = write_notebook(
        tmp_path / "where.ipynb",
        ["import os\nprint('pid', os.getpid(), 'parent', os.getppid())"],
    )
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "taskbook.cli",
            "run",
            str(notebook),
            "--runner",
            "dask",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TASKBOOK_HOME": str(tmp_path / "home")},
        cwd=tmp_path,
    )
    out, err = child.communicate(timeout=300)

    assert child.returncode == 0, err
    words = out.split()
    pid, parent = (
        int(words[words.index("pid") + 1]),
        int(words[words.index("parent") + 1]),
    )
    # The cell ran in a worker process that taskbook's LocalCluster started.
    assert pid != child.pid
    assert parent == child.pid


_CLUSTER = textwrap.dedent(
    """
    import sys
    from distributed import Client, LocalCluster

    if __name__ == "__main__":
        cluster = LocalCluster(
            n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None
        )
        client = Client(cluster)
        pids = client.run(lambda: __import__("os").getpid())
        print(cluster.scheduler_address, *pids.values(), flush=True)
        sys.stdin.read()  # until the test closes our stdin
        client.close()
        cluster.close()
    """
)


@pytest.fixture
def cluster(project: Path) -> Iterator[tuple[str, int]]:
    """A running Dask cluster (address, worker pid), its worker in notebooks/."""
    script = project / "cluster.py"
    script.write_text(_CLUSTER)
    process = subprocess.Popen(
        [sys.executable, str(script)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        # Cells resolve relative paths in the worker's directory.
        cwd=project / "notebooks",
    )
    assert process.stdout is not None
    address, worker_pid = process.stdout.readline().split()
    try:
        yield address, int(worker_pid)
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=60)


def test_a_running_cluster_given_by_address_gives_the_threads_run(
    project: Path, cluster: tuple[str, int]
) -> None:
    address, worker_pid = cluster
    threads = _run_etl(project, "threads")

    dask = _run_etl(project, "dask", "--runner", "dask", "--address", address)

    _assert_same_run(threads, dask)
    where = write_notebook(
        project / "where.ipynb", ["import os\nprint('pid', os.getpid())"]
    )
    result = _taskbook(
        "run",
        str(where),
        "--runner",
        "dask",
        "--address",
        address,
        home=project / "home-where",
        cwd=project,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["pid", str(worker_pid)]


def test_an_address_nobody_listens_on_fails_before_any_cell_runs(
    tmp_path: Path,
) -> None:
    notebook = write_notebook(tmp_path / "nb.ipynb", ["print('ran')"])

    result = _taskbook(
        "run",
        str(notebook),
        "--runner",
        "dask",
        "--address",
        "tcp://127.0.0.1:9",
        home=tmp_path / "home",
        cwd=tmp_path,
    )

    assert result.returncode == 2, result.stderr
    assert "ran" not in result.stdout
    assert "Cannot reach a Dask scheduler at 'tcp://127.0.0.1:9'" in result.stderr
