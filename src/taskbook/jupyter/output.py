"""Route a task's outputs to the cell that owns it, with an explicit parent header.

Since ipykernel 7, output sent from threads other than the kernel's is lost unless
its parent is set, so every message here is sent with the parent header captured
when the run started. A task cell executed in this kernel leaves a display (by
``display_id``) that later runs update; outputs of cells that never ran here are
shown in the cell that started the run, under a header with the task's name, each
cell's in a display of its own, so cells running at once do not interleave.
Consecutive writes to a stream are one block, as Jupyter shows them.
"""

from __future__ import annotations

import html
import re
import threading
import uuid
from collections.abc import Mapping
from typing import Any

from taskbook.cellflow.capture import outside_capture
from taskbook.engine.masking import mask_data

__all__ = ("CellDisplays", "HeadedOutputs", "KernelOutput")


class KernelOutput:
    """Send iopub messages for one parent request, from any thread.

    Without a kernel (terminal IPython, an in-process shell) the same calls print
    and display through the shell, outside any cell's capture.
    """

    def __init__(
        self, kernel: Any, parent: Mapping[str, Any] | None, shell: Any = None
    ) -> None:
        self.kernel = kernel
        self.parent = dict(parent or {})
        self.shell = shell

    def send(self, msg_type: str, content: dict[str, Any]) -> None:
        """Send one iopub message (stream, display_data, error...) to the parent."""
        content = mask_data(content)  # what reaches the notebook is saved in it
        if self.kernel is None:
            outside_capture(lambda: self._local(msg_type, content))
            return
        from jupyter_client.jsonutil import json_clean

        session = self.kernel.session
        message = session.msg(msg_type, json_clean(content), parent=self.parent)
        session.send(self.kernel.iopub_socket, message, ident=msg_type.encode())

    def _local(self, msg_type: str, content: dict[str, Any]) -> None:
        import sys

        if msg_type == "stream":
            getattr(sys, content["name"]).write(content["text"])
        elif msg_type == "error":
            sys.stderr.write("\n".join(content["traceback"]) + "\n")
        elif (
            msg_type in ("display_data", "update_display_data")
            and self.shell is not None
        ):
            self.shell.display_pub.publish(
                content["data"],
                content.get("metadata", {}),
                transient=content.get("transient", {}),
                update=msg_type == "update_display_data",
            )

    def output(self, output: Mapping[str, Any]) -> None:
        """Send an nbformat output dict as the matching iopub message."""
        kind = output["output_type"]
        if kind == "stream":
            self.send("stream", {"name": output["name"], "text": output["text"]})
        elif kind in ("display_data", "execute_result"):
            self.send(
                "display_data",
                {
                    "data": output["data"],
                    "metadata": output.get("metadata", {}),
                    "transient": {},
                },
            )
        elif kind == "error":
            self.send(
                "error",
                {
                    "ename": output["ename"],
                    "evalue": output["evalue"],
                    "traceback": output["traceback"],
                },
            )
        elif kind == "clear_output":
            self.send("clear_output", {"wait": False})

    def display(
        self, data: dict[str, Any], display_id: str, update: bool = False
    ) -> None:
        """Show (or replace) a display that later messages can update by id."""
        self.send(
            "update_display_data" if update else "display_data",
            {"data": data, "metadata": {}, "transient": {"display_id": display_id}},
        )


class CellDisplays:
    """The per-cell output displays of task cells executed in this kernel.

    Each holds the cell's latest outputs as one HTML bundle, so a run started
    elsewhere can replace them in place (``update_display_data``).
    """

    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._outputs: dict[str, list[Mapping[str, Any]]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def display_id(cell_id: str) -> str:
        """Return the display id of a cell's output display."""
        return f"taskbook-out-{cell_id}"

    def register(self, cell_id: str) -> None:
        """Record that ``cell_id`` shows a display we can update."""
        with self._lock:
            self._ids.add(cell_id)

    def has(self, cell_id: str) -> bool:
        """Return whether the cell has a display to update."""
        return cell_id in self._ids

    def reset(self, cell_id: str) -> None:
        """Forget the collected outputs of a cell (a new run of it starts)."""
        with self._lock:
            self._outputs[cell_id] = []

    def add(self, cell_id: str, output: Mapping[str, Any]) -> dict[str, Any]:
        """Add one output; return the bundle that now represents them all.

        A lone rich output keeps its own bundle (plots, widgets, DataFrames);
        several are flattened into one HTML block. A write to the stream the
        last output wrote to joins it (``print`` writes its text, then a newline).
        """
        with self._lock:
            outputs = self._outputs.setdefault(cell_id, [])
            last = outputs[-1] if outputs else None
            if (
                last is not None
                and output["output_type"] == last["output_type"] == "stream"
                and output["name"] == last["name"]
            ):
                outputs[-1] = {**last, "text": last["text"] + output["text"]}
            else:
                outputs.append(output)
            if len(outputs) == 1 and output["output_type"] in (
                "display_data",
                "execute_result",
            ):
                return dict(output["data"])
            return bundle(outputs)


class HeadedOutputs:
    """Outputs of one run's cells that have no display of their own.

    Each cell's outputs go to a display of their own in the run's cell, under a
    header line naming the cell; later outputs of the cell update that display,
    wherever other cells' outputs came in between.

    Args:
        home: Where the run's own cell gets its messages.
    """

    def __init__(self, home: KernelOutput) -> None:
        self.home = home
        self._displays = CellDisplays()
        self._prefix = f"taskbook-run-{uuid.uuid4().hex[:12]}-"

    def add(self, cell_id: str, header: str, output: Mapping[str, Any]) -> None:
        """Show one output of ``cell_id``; its header first if it is the first."""
        first = not self._displays.has(cell_id)
        if first:
            self._displays.register(cell_id)
            self._displays.reset(cell_id)
            self.home.output(
                {"output_type": "stream", "name": "stdout", "text": header}
            )
        data = self._displays.add(cell_id, output)
        self.home.display(data, self._prefix + cell_id, update=not first)

    def clear(self, cell_id: str) -> None:
        """Forget a cell's outputs so far (a retry starts)."""
        if self._displays.has(cell_id):
            self._displays.reset(cell_id)
            self.home.display(bundle([]), self._prefix + cell_id, update=True)


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def bundle(outputs: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Render several outputs as one ``text/html`` + ``text/plain`` bundle."""
    texts: list[str] = []
    parts: list[str] = []
    for output in outputs:
        kind = output["output_type"]
        if kind == "stream":
            texts.append(output["text"])
            style = ' style="color:#b22"' if output["name"] == "stderr" else ""
            parts.append(f"<pre{style}>{html.escape(output['text'])}</pre>")
        elif kind == "error":
            text = _ANSI.sub(
                "", "\n".join(output["traceback"])
            )  # colours are for terminals
            texts.append(text)
            parts.append(f'<pre style="color:#b22">{html.escape(text)}</pre>')
        else:
            data = output.get("data", {})
            plain = str(data.get("text/plain", ""))
            texts.append(plain)
            if "text/html" in data:
                parts.append(str(data["text/html"]))
            elif "image/png" in data:
                parts.append(f'<img src="data:image/png;base64,{data["image/png"]}"/>')
            elif "image/svg+xml" in data:
                parts.append(str(data["image/svg+xml"]))
            else:
                parts.append(f"<pre>{html.escape(plain)}</pre>")
    return {
        "text/plain": "".join(texts),
        "text/html": "".join(parts) or "<span></span>",
    }
