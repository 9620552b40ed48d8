"""Where the outputs of a ``%flow run`` land, in a real kernel (issue 12, item 11).

Two task cells print while both run, interleaved by files they wait for; neither
ran in this kernel before, so their outputs show in the ``%flow run`` cell under a
header each, and each output must stay under its own cell's header. A task cell
that ran here before shows its outputs in its own display: one ``print`` is one
block there, not a block per write.
"""

from __future__ import annotations

from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

pytestmark = pytest.mark.slow

SPEAK_A = """\
%%task speak_a --no-cache
import pathlib as pa, time as ta
print("a1")
pa.Path("a1.done").touch()
while not pa.Path("b1.done").exists():
    ta.sleep(0.01)
print("a2")
"""

SPEAK_B = """\
%%task speak_b --no-cache
import pathlib as pb, time as tb
while not pb.Path("a1.done").exists():
    tb.sleep(0.01)
print("b1")
pb.Path("b1.done").touch()
"""

HELLO = '%%task hello --no-cache\nprint("hello", "world")'

CELLS = [("load", "%load_ext taskbook"), ("a", SPEAK_A), ("b", SPEAK_B)]
CELLS += [("hello", HELLO), ("run", "%flow run")]


def _texts(area: list[dict[str, Any]]) -> list[str]:
    return [
        o["text"] if o["type"] == "stream" else str(o["data"].get("text/plain", ""))
        for o in area
    ]


def test_parallel_cells_keep_their_outputs_under_their_own_header(
    tmp_path: Any, kernel_factory: Any
) -> None:
    notebook = tmp_path / "speak.ipynb"
    nb = new_notebook(cells=[new_code_cell(src, id=cid) for cid, src in CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(nb, notebook)
    kernel = kernel_factory(tmp_path, notebook)
    for cell_id, source in CELLS[:1] + CELLS[3:4]:
        assert kernel.execute(source, cell_id=cell_id).status == "ok"

    reply = kernel.execute("%flow run", cell_id="run")
    assert reply.status == "ok", reply.everything
    texts = _texts(reply.output_area())
    head_a = texts.index("── speak_a (cell 2) ──\n")
    head_b = texts.index("── speak_b (cell 3) ──\n")
    assert texts[head_a + 1] == "a1\na2\n"  # a2 printed after b1, still under a
    assert texts[head_b + 1] == "b1\n"

    # The cell run by hand before: its display holds one block per print.
    updates = [
        content["data"]
        for kind, content in reply.messages
        if kind == "update_display_data"
        and content["transient"]["display_id"] == "taskbook-out-hello"
    ]
    assert updates[-1]["text/plain"] == "hello world\n"
    assert updates[-1]["text/html"].count("<pre") == 1
