"""Live-view messages reach the right cell under a real ipykernel 7.

A real kernel (jupyter_client starts this venv's ``python3`` kernelspec) runs a
flow with a ``LiveView`` built from ``kernel_host(get_ipython())``, once while the
cell is still executing and once in the background after the cell returned while
another cell runs. The test reads the kernel's IOPub messages: every widget update
and the final static output carry the parent of the cell that attached the view.
"""

from __future__ import annotations

import os
import queue
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SETUP = """
import threading, time
from taskbook import flow, task
from taskbook.widgets import LiveView, kernel_host

@task
def step(i):
    time.sleep(0.3)
    return i

@flow
def three():
    return [f.result() for f in [step.submit(i) for i in range(3)]]
"""

FOREGROUND = """
view = LiveView(host=kernel_host(get_ipython())).attach()
three()
assert view.wait(10)
"""

BACKGROUND = """
view2 = LiveView(host=kernel_host(get_ipython())).attach()
threading.Thread(target=three).start()
"""

LATER = """
time.sleep(0.2)
assert view2.wait(10)
"""


@pytest.fixture
def kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    pytest.importorskip("ipykernel", reason="the real-kernel test needs ipykernel")
    for name in ("JUPYTER_RUNTIME_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.setenv("TASKBOOK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv(
        "PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    )
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    try:
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def run(
    client: Any, code: str, messages: list[dict[str, Any]], timeout: float = 60
) -> str:
    """Execute ``code``; collect IOPub messages until the kernel is idle for it."""
    msg_id = client.execute(textwrap.dedent(code))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = client.get_iopub_msg(timeout=1)
        except queue.Empty:
            continue
        messages.append(msg)
        if msg["msg_type"] == "error" and msg["parent_header"].get("msg_id") == msg_id:
            pytest.fail("\n".join(msg["content"]["traceback"]))
        if (
            msg["msg_type"] == "status"
            and msg["content"]["execution_state"] == "idle"
            and msg["parent_header"].get("msg_id") == msg_id
        ):
            return msg_id
    pytest.fail(f"no idle after {timeout} s for:\n{code}")


def parent(msg: dict[str, Any]) -> str | None:
    return msg["parent_header"].get("msg_id")


def view_messages(messages: list[dict[str, Any]], cell: str) -> dict[str, Any]:
    """Find the view a cell displayed: its display id and its widgets' comm ids.

    The cell shows a placeholder; the widgets replace it (``update_display_data``)
    at the first frame that finds the run in flight, and the static copy replaces
    the widgets at the end.
    """
    shown = next(
        m
        for m in messages
        if m["msg_type"] == "display_data"
        and parent(m) == cell
        and m["content"]
        .get("transient", {})
        .get("display_id", "")
        .startswith("taskbook-")
    )
    display_id = shown["content"]["transient"]["display_id"]
    widgets = [
        m
        for m in messages
        if m["msg_type"] == "update_display_data"
        and m["content"]["transient"]["display_id"] == display_id
        and "application/vnd.jupyter.widget-view+json" in m["content"]["data"]
    ]
    assert len(widgets) == 1, "the widgets did not replace the placeholder once"
    assert parent(widgets[0]) == cell
    comms = {
        m["content"]["comm_id"]
        for m in messages
        if m["msg_type"] == "comm_open" and parent(m) == cell
    }
    return {"display_id": display_id, "comms": comms}


def final_outputs(messages: list[dict[str, Any]], display_id: str) -> list[Any]:
    """The static copies that replaced a view's widgets."""
    return [
        m
        for m in messages
        if m["msg_type"] == "update_display_data"
        and m["content"]["transient"]["display_id"] == display_id
        and "text/html" in m["content"]["data"]
    ]


def test_updates_and_static_output_reach_the_cell_that_attached_the_view(
    kernel: Any,
) -> None:
    messages: list[dict[str, Any]] = []
    run(kernel, SETUP, messages)

    # 1. Foreground: the cell blocks until the run is over.
    cell = run(kernel, FOREGROUND, messages)
    view = view_messages(messages, cell)
    updates = [
        m
        for m in messages
        if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] in view["comms"]
    ]
    assert len(updates) >= 3, "the view was not updated while the cell ran"
    assert {parent(m) for m in updates} == {cell}
    final = final_outputs(messages, view["display_id"])
    assert len(final) == 1
    assert parent(final[0]) == cell
    assert 'class="taskbook-run"' in final[0]["content"]["data"]["text/html"]
    assert "image/svg+xml" in final[0]["content"]["data"]

    # 2. Background: the cell returns at once; another cell runs meanwhile.
    background = run(kernel, BACKGROUND, messages)
    later = run(kernel, LATER, messages)
    view2 = view_messages(messages, background)  # widgets came after the return
    updates2 = [
        m
        for m in messages
        if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] in view2["comms"]
    ]
    after_return = [
        m for m in updates2 if messages.index(m) > _idle_index(messages, background)
    ]
    assert after_return, "no update arrived after the background cell returned"
    assert {parent(m) for m in updates2} == {background}
    final2 = final_outputs(messages, view2["display_id"])
    assert len(final2) == 1
    assert parent(final2[0]) == background != later


def _idle_index(messages: list[dict[str, Any]], cell: str) -> int:
    return next(
        i
        for i, m in enumerate(messages)
        if m["msg_type"] == "status"
        and m["content"]["execution_state"] == "idle"
        and parent(m) == cell
    )
