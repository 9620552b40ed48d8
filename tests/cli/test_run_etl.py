"""The third-party ETL notebooks of the corpus run to the end under ``taskbook run``."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from tests.corpora import ETL

Run = Callable[..., subprocess.CompletedProcess[str]]


def states(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    return [
        c.metadata["taskbook"]["state_name"] for c in nb.cells if c.cell_type == "code"
    ]


def test_kale_candies(taskbook: Run, tmp_path: Path) -> None:
    result = taskbook(
        "run", str(ETL / "kale_candies/candies_sharing.ipynb"), "out.ipynb"
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "Let's put in a bag 20 candies and have three kids get a handful of them each"
    )
    assert len(lines) == 4
    assert states(tmp_path / "out.ipynb") == ["Completed"] * 7


def test_kale_parameters_and_metrics(taskbook: Run, tmp_path: Path) -> None:
    pytest.importorskip("numpy", reason="the notebook imports numpy")
    result = taskbook(
        "run",
        str(ETL / "kale_params_metrics/pipeline_parameters_and_metrics.ipynb"),
        "out.ipynb",
    )
    assert result.returncode == 0, result.stderr
    d1, d2, total = result.stdout.splitlines()
    assert (d1, d2) == ("5", "6")
    assert 0 <= float(total) <= 30
    assert states(tmp_path / "out.ipynb") == ["Completed"] * 5


def test_ploomber_eda(taskbook: Run, tmp_path: Path) -> None:
    pytest.importorskip("seaborn", reason="the notebook imports seaborn")
    pytest.importorskip("sklearn", reason="the notebook imports scikit-learn")
    result = taskbook("run", str(ETL / "ploomber_eda/eda.ipynb"), "out.ipynb")
    assert result.returncode == 0, result.stderr
    nb = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.metadata["taskbook"]["state_name"] for c in code] == ["Completed"] * 7
    shapes = [c.outputs[0].data["text/plain"] for c in code if c.source == "df.shape"]
    assert shapes == ["(150, 4)", "(100, 4)"]
    assert code[-1].outputs, "the histogram is displayed"
