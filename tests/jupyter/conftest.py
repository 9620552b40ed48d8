"""Real kernels for the notebook-surface tests (jupyter_client, no mocks)."""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.manager import KernelManager

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Reply:
    """What one execute request produced."""

    status: str
    text: str = ""
    displays: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    stderr: str = ""  # the part of ``text`` sent as stderr (Jupyter shows it red)
    tracebacks: list[str] = field(default_factory=list)  # plain text, no colours
    messages: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def everything(self) -> str:
        shown = "\n".join(str(d.get("text/plain", "")) for d in self.displays)
        return "\n".join([self.text, shown, *self.errors])

    def output_area(self) -> list[dict[str, Any]]:
        """The cell's outputs as JupyterLab's output area ends up with them.

        Consecutive stream messages of one stream join one output; an
        ``update_display_data`` replaces the outputs shown with its display id.
        """
        area: list[dict[str, Any]] = []
        for kind, content in self.messages:
            display_id = content.get("transient", {}).get("display_id")
            if kind == "stream":
                last = area[-1] if area else None
                if (
                    last
                    and last["type"] == "stream"
                    and last["name"] == content["name"]
                ):
                    last["text"] += content["text"]
                else:
                    area.append({"type": "stream", **content})
            elif kind == "update_display_data":
                for output in area:
                    if output.get("display_id") == display_id:
                        output["data"] = content["data"]
            elif kind in ("display_data", "execute_result", "error"):
                area.append({"type": kind, "display_id": display_id, **content})
        return area


class Kernel:
    """A real IPython kernel driven over ZMQ, as JupyterLab drives it."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self.manager = KernelManager(kernel_name="python3")
        self.manager.kernel_spec.argv[0] = sys.executable  # this venv's taskbook
        self.manager.start_kernel(cwd=str(cwd), env=env)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def execute(
        self, code: str, timeout: float = 60, cell_id: str | None = None
    ) -> Reply:
        started = time.perf_counter()
        content = {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        }
        # JupyterLab sends the cell's id in the request metadata; so do we.
        metadata = {"cellId": cell_id} if cell_id else {}
        message = self.client.session.msg("execute_request", content, metadata=metadata)
        self.client.shell_channel.send(message)
        msg_id = message["header"]["msg_id"]
        reply = Reply("?")
        deadline = time.monotonic() + timeout
        while True:
            message = self.client.get_iopub_msg(
                timeout=max(0.1, deadline - time.monotonic())
            )
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            reply.messages.append((kind, content))
            if kind == "stream":
                reply.text += content["text"]
                if content["name"] == "stderr":
                    reply.stderr += content["text"]
            elif kind in ("display_data", "update_display_data", "execute_result"):
                reply.displays.append(content["data"])
            elif kind == "error":
                reply.errors.append(f"{content['ename']}: {content['evalue']}")
                lines = "\n".join(content["traceback"])
                reply.tracebacks.append(re.sub(r"\x1b\[[0-9;]*m", "", lines))
            elif kind == "status" and content["execution_state"] == "idle":
                break
        shell = self.client.get_shell_msg(timeout=timeout)
        # Replies to earlier requests (wait_for_ready's kernel_info) may still wait.
        while shell["parent_header"].get("msg_id") != msg_id:
            shell = self.client.get_shell_msg(timeout=timeout)
        reply.status = shell["content"]["status"]
        reply.seconds = time.perf_counter() - started
        return reply

    def restart(self) -> None:
        self.manager.restart_kernel(now=True)
        self.client.wait_for_ready(timeout=60)

    def shutdown(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@pytest.fixture
def ip(isolated_home: Path) -> Iterator[Any]:
    """The process's in-process IPython shell with taskbook loaded, as a fresh notebook."""
    from IPython.core.interactiveshell import InteractiveShell

    from taskbook.engine.logs import send_info_to_stdout

    shell = InteractiveShell.instance()  # other tests may have created it already
    shell.run_line_magic("load_ext", "taskbook")
    # The extension sends INFO lines to stdout, process-wide: on for these tests
    # (a second load_ext is a no-op), off again for the tests of plain scripts.
    send_info_to_stdout(True)
    magics = shell._taskbook_magics[0]
    magics.live_view = True
    side = magics.side
    # A fresh notebook for every test: no history, no namespace, no form values.
    side.executed._cells.clear()
    side.runner.last_states.clear()
    side.runner.last_success.clear()
    side.parameters.clear()
    for name in [
        n
        for n in shell.user_ns
        if not n.startswith("_") and n not in shell.user_ns_hidden and n != "Param"
    ]:
        del shell.user_ns[name]
    yield shell
    send_info_to_stdout(False)


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


@pytest.fixture
def kernel_factory(tmp_path: Path) -> Iterator[Any]:
    kernels: list[Kernel] = []

    def start(cwd: Path, notebook: Path | None = None, own_home: bool = True) -> Kernel:
        """Start a kernel in ``cwd``; ``own_home=False`` lets it find its store."""
        env = dict(os.environ)
        env["TASKBOOK_HOME"] = str(tmp_path / "home")
        if not own_home:
            del env["TASKBOOK_HOME"]
        env["IPYTHONDIR"] = str(tmp_path / "ipython")
        env.pop("JPY_SESSION_NAME", None)
        if notebook is not None:
            env["JPY_SESSION_NAME"] = str(notebook)
        kernel = Kernel(cwd, env)
        kernels.append(kernel)
        return kernel

    yield start
    for kernel in kernels:
        kernel.shutdown()
