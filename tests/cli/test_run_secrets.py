"""``taskbook run`` of a notebook using a Secret: no value in the output notebook,
the console output or the store (but the owner-only file that holds it)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.blocks.test_masking import VALUE, files_holding
from tests.cli.conftest import write_notebook

from taskbook.blocks.system import Secret
from taskbook.engine import masking


def test_taskbook_run_output_notebook_and_outputs_hide_the_secret(
    isolated_home: Path,
    tmp_path: Path,
    taskbook: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    Secret(value=VALUE).save("api-key")
    notebook = write_notebook(
        tmp_path / "uses_secret.ipynb",
        [
            "from taskbook.blocks.system import Secret\n"
            "from taskbook.artifacts import create_markdown_artifact",
            "%%task fetch\ntoken = Secret.load('api-key').get()",
            "print('token:', token)",
            "%%task report\n"
            "create_markdown_artifact('uses ' + Secret.load('api-key').get())\n"
            "Secret.load('api-key').get()",
            "raise RuntimeError('rejected ' + Secret.load('api-key').get())",
        ],
    )
    out = tmp_path / "out.ipynb"

    result = taskbook("run", str(notebook), str(out))

    assert result.returncode == 1, result.stderr
    assert VALUE not in result.stdout + result.stderr
    text = out.read_text()
    assert VALUE not in text
    assert f"token: {masking.MASK}" in text
    assert f"rejected {masking.MASK}" in text
    assert files_holding(isolated_home, VALUE) == []
