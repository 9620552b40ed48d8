"""The extension's comm in a real kernel, driven as the JupyterLab extension drives it."""

from __future__ import annotations

import queue
from typing import Any

import pytest

pytestmark = pytest.mark.slow


def comm_messages(kernel: Any, reply: Any, until: Any, timeout: float = 30) -> list:
    """The comm messages of ``reply``, then more from IOPub until ``until(data)``."""
    messages = reply.messages if reply is not None else []
    found = [c["data"] for kind, c in messages if kind == "comm_msg"]
    while not any(until(data) for data in found):
        try:
            message = kernel.client.get_iopub_msg(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no such comm message; got {found}") from None
        if message["msg_type"] == "comm_msg":
            found.append(message["content"]["data"])
    return found


def badge(data: dict, cell_id: str, state: str) -> bool:
    return data.get("type") == "states" and any(
        c["cell_id"] == cell_id and c["state"] == state for c in data["cells"]
    )


def test_load_ext_opens_the_comm_and_flow_run_uses_the_editors_cells(
    kernel_factory, tmp_path
):
    kernel = kernel_factory(tmp_path)
    reply = kernel.execute("%load_ext taskbook")
    (opened,) = [c for kind, c in reply.messages if kind == "comm_open"]
    assert opened["target_name"] == "taskbook"
    # The editor's cells: never executed in this kernel, one of them unsaved.
    sources = {
        "type": "sources",
        "cells": [
            {"id": "c1", "index": 0, "source": "%%task produce\nx = 41", "tags": []},
            {"id": "c2", "index": 2, "source": "%%task consume\nprint('got', x + 1)"},
        ],
        "path": "",
    }
    message = kernel.client.session.msg(
        "comm_msg", {"comm_id": opened["comm_id"], "data": sources}
    )
    kernel.client.shell_channel.send(message)
    (registry,) = [
        d
        for d in comm_messages(kernel, None, lambda d: d["type"] == "registry")
        if d["type"] == "registry"
    ]
    assert registry["tasks"] == [
        {"cell_id": "c1", "name": "produce", "kind": "task"},
        {"cell_id": "c2", "name": "consume", "kind": "task"},
    ]
    reply = kernel.execute("%flow run --no-view")
    assert reply.status == "ok", reply.everything
    assert "got 42" in reply.everything
    assert "the notebook open in JupyterLab" in reply.text
    found = comm_messages(kernel, reply, lambda d: badge(d, "c2", "COMPLETED"))
    assert any(badge(d, "c1", "COMPLETED") for d in found)
