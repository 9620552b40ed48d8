"""An exported module never carries a secret's value: the export stops, names
where the value is and the ``Secret.load`` call to write instead, and writes
nothing."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.blocks.test_masking import VALUE
from tests.cli.conftest import write_notebook

from taskbook.blocks.system import Secret
from taskbook.engine import masking
from taskbook.errors import SecretInExportError
from taskbook.export import ExportRequest, export_module
from taskbook.notebook.read import read_notebook

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(autouse=True)
def _forget_secrets() -> None:
    masking.clear()


def test_a_saved_secret_pasted_into_a_cell_stops_the_export(
    isolated_home: Path, tmp_path: Path, taskbook: Run
) -> None:
    Secret(value=VALUE).save("api-key")
    notebook = write_notebook(
        tmp_path / "pasted.ipynb",
        [None, "import os", f"%%task fetch\nurl = 'https://x'\ntoken = {VALUE!r}"],
    )

    result = taskbook("export", str(notebook), "-o", "pasted.py")

    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[0] == (
        "Error: Cell 3, line 3 holds the value of Secret 'api-key' as plain text, so the "
        "exported module would carry it. Load it where it is used instead: "
        "Secret.load('api-key').get()."
    )
    assert VALUE not in result.stdout + result.stderr
    assert not (tmp_path / "pasted.py").exists()


def test_a_secret_given_as_a_parameter_default_stops_the_export(
    isolated_home: Path, tmp_path: Path, taskbook: Run
) -> None:
    Secret(value=VALUE).save("api-key")
    notebook = write_notebook(
        tmp_path / "params.ipynb",
        [("api_token = 'placeholder'", ["parameters"]), "print(len(api_token))"],
    )

    result = taskbook(
        "export", str(notebook), "--target", "prefect", "-p", "api_token", VALUE
    )

    assert result.returncode == 2
    assert "The value given for parameter 'api_token' is the value of Secret " in (
        result.stderr
    )
    assert "Give it when the flow runs (-p api_token=...)" in result.stderr
    assert VALUE not in result.stdout + result.stderr
    assert not (tmp_path / "params.py").exists()


def test_a_cell_that_saves_the_secret_from_a_literal_is_told_where_to_keep_it(
    isolated_home: Path, tmp_path: Path, taskbook: Run
) -> None:
    notebook = write_notebook(
        tmp_path / "saves.ipynb",
        [
            "from taskbook.blocks.system import Secret",
            f"Secret(value={VALUE!r}).save('api-key', overwrite=True)",
        ],
    )
    assert taskbook("run", str(notebook)).returncode == 0  # saves it in the store

    result = taskbook("export", str(notebook))

    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[0] == (
        "Error: Cell 2, line 1 holds the value of Secret 'api-key' as plain text, "
        "so the exported module would carry it. The store keeps a saved secret: "
        "read the value from the environment or a file there, or save it outside "
        "the notebook."
    )
    assert not (tmp_path / "saves.py").exists()


def test_a_notebook_that_loads_the_secret_exports(
    isolated_home: Path, tmp_path: Path, taskbook: Run
) -> None:
    Secret(value=VALUE).save("api-key")
    notebook = write_notebook(
        tmp_path / "loads.ipynb",
        [
            "from taskbook.blocks.system import Secret",
            "%%task fetch\ntoken = Secret.load('api-key').get()",
        ],
    )

    result = taskbook("export", str(notebook), "-o", "loads.py")

    assert result.returncode == 0, result.stderr
    assert "Secret.load('api-key').get()" in (tmp_path / "loads.py").read_text()


def test_a_secret_only_loaded_in_this_process_is_found_too(
    isolated_home: Path, tmp_path: Path
) -> None:
    # As in a kernel: the value was never saved here, but the session loaded it.
    masking.register_secret(VALUE)
    notebook = write_notebook(tmp_path / "kernel.ipynb", [f"key = {VALUE!r}"])
    request = ExportRequest(read_notebook(notebook)[1], "kernel.ipynb")

    with pytest.raises(SecretInExportError) as raised:
        export_module(request)

    assert str(raised.value) == (
        "Cell 1, line 1 holds a secret value as plain text, so the exported module "
        "would carry it. Save it once with Secret(value=...).save('NAME') and load "
        "it where it is used: Secret.load('NAME').get()."
    )
