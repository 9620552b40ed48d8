from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from tests.corpora import CORPORA

from taskbook.core.cells import SourceCell
from taskbook.errors import UnreadableNotebookError
from taskbook.notebook.read import notebook_language, read_notebook

CORPUS = sorted(CORPORA.glob("papermill/*.ipynb")) + sorted(
    CORPORA.glob("etl/*/*.ipynb")
)


def write_json(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_every_corpus_notebook_reads_as_valid_nbformat_4_5(path: Path) -> None:
    nb, cells = read_notebook(path)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    nbformat.validate(nb)
    ids = [cell.id for cell in nb.cells]
    assert len(set(ids)) == len(ids)
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    assert [(c.index, c.id, c.source) for c in cells] == [
        (i, c.id, c.source) for i, c in code
    ]


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_reading_twice_gives_the_same_ids(path: Path) -> None:
    assert read_notebook(path)[1] == read_notebook(path)[1]


def test_existing_ids_are_kept() -> None:
    nb, cells = read_notebook(CORPORA / "etl/ploomber_eda/eda.ipynb")
    assert nb.cells[0].id == "c7af9320"
    assert cells[0] == SourceCell(
        "3b302445",
        1,
        "import seaborn as sns\nfrom sklearn.datasets import load_iris",
        (),
    )


def test_cells_carry_tags_and_index_counts_markdown_cells() -> None:
    _nb, cells = read_notebook(CORPORA / "papermill/broken1.ipynb")
    assert [(c.index, c.tags) for c in cells] == [(3, ()), (6, ()), (7, ())]
    _nb, cells = read_notebook(CORPORA / "papermill/simple_execute.ipynb")
    assert cells[0].tags == ("parameters",)
    assert cells[1].source == "#papermill_description=DESC\nprint(msg)"


def test_missing_and_duplicate_ids_are_repaired_uniquely(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("a = 1"),
        nbformat.v4.new_code_cell("b = a"),
        nbformat.v4.new_markdown_cell("text"),
        nbformat.v4.new_code_cell("c = b"),
    ]
    document = json.loads(nbformat.writes(nb))
    document["cells"][0]["id"] = "same"
    document["cells"][1]["id"] = "same"
    document["cells"][2]["id"] = "bad id with spaces"
    del document["cells"][3]["id"]
    loaded, cells = read_notebook(write_json(tmp_path / "ids.ipynb", document))
    assert [c.id for c in loaded.cells] == ["same", "cell-1", "cell-2", "cell-3"]
    assert [c.id for c in cells] == ["same", "cell-1", "cell-3"]


def test_nbformat_3_notebooks_are_converted(tmp_path: Path) -> None:
    document = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {},
        "worksheets": [
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "input": "x = 1",
                        "language": "python",
                        "outputs": [],
                        "metadata": {},
                    }
                ]
            }
        ],
    }
    nb, cells = read_notebook(write_json(tmp_path / "v3.ipynb", document))
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    assert [c.source for c in cells] == ["x = 1"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (None, "no such file"),
        ("", "it is not JSON"),
        ("{not json", "it is not JSON"),
        ("[1, 2]", "it is JSON but not a notebook (no 'nbformat' key)"),
        ('{"foo": 54321}', "it is JSON but not a notebook (no 'nbformat' key)"),
        (
            '{"nbformat": 4, "nbformat_minor": 2, "metadata": {}, "cells": "x"}',
            "its 'cells' is not a list of cells",
        ),
        (
            '{"nbformat": 4, "nbformat_minor": 2, "metadata": {}, "cells": [{"source": ""}]}',
            "cell 1 has no 'cell_type' or 'source'",
        ),
        ('{"nbformat": 2, "metadata": {}}', "nbformat 2 is not supported"),
    ],
    ids=[
        "missing",
        "empty",
        "broken-json",
        "json-list",
        "json-object",
        "cells-not-list",
        "cell-without-type",
        "old-version",
    ],
)
def test_unreadable_notebooks_raise_naming_the_path(
    tmp_path: Path, content: str | None, problem: str
) -> None:
    path = tmp_path / "nb.ipynb"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(UnreadableNotebookError) as info:
        read_notebook(path)
    message = str(info.value)
    assert message.startswith(f"Cannot read notebook {str(path)!r}: {problem}")
    assert message.endswith(
        "Check the path and that the file is a Jupyter notebook (.ipynb, nbformat 4)."
    )


def test_a_directory_and_binary_data_are_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableNotebookError, match="it is a directory"):
        read_notebook(tmp_path)
    binary = tmp_path / "image.ipynb"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(UnreadableNotebookError, match="it is not UTF-8 text"):
        read_notebook(binary)


def test_notebook_language() -> None:
    nb, _ = read_notebook(CORPORA / "papermill/simple_execute.ipynb")
    assert notebook_language(nb) == "python"
    nb, _ = read_notebook(CORPORA / "papermill/blank-vscode.ipynb")
    assert notebook_language(nb) in (None, "python")
    r_notebook = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "ir", "language": "R", "display_name": "R"}}
    )
    assert notebook_language(r_notebook) == "r"
