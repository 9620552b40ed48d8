"""Capture what a cell prints and displays, per thread, as nbformat v4 outputs.

Cells run in worker threads, several at once, so output cannot be redirected
globally. ``install`` puts routers in front of ``sys.stdout``/``sys.stderr`` and the
shell's display publisher once; a router sends a write to the ``OutputCapture`` that
is current in the writing thread (a context variable), or to the original target.
"""

from __future__ import annotations

import contextvars
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from taskbook.engine.masking import mask, mask_data

__all__ = ("OutputCapture", "capturing", "install", "outside_capture")

Output = dict[str, Any]
Listener = Callable[["OutputCapture", Output], None]

_current: contextvars.ContextVar[OutputCapture | None] = contextvars.ContextVar(
    "taskbook_output_capture", default=None
)


class OutputCapture:
    """The outputs of one cell run, in order; a listener sees each as it arrives.

    Consecutive writes to one stream are merged into one ``stream`` output, as
    Jupyter shows them; the listener still gets each chunk, as a new stream output.
    """

    def __init__(self, listener: Listener | None = None) -> None:
        self.outputs: list[Output] = []
        self.listener = listener
        self._lock = threading.Lock()

    def _emit(self, output: Output) -> None:
        if self.listener is not None:
            self.listener(self, output)

    def stream(self, name: str, text: str) -> None:
        """Record text written to ``stdout`` or ``stderr`` (secrets masked)."""
        if not text:
            return
        text = mask(text)
        with self._lock:
            last = self.outputs[-1] if self.outputs else None
            if (
                last is not None
                and last["output_type"] == "stream"
                and last["name"] == name
            ):
                last["text"] += text
            else:
                self.outputs.append(
                    {"output_type": "stream", "name": name, "text": text}
                )
        self._emit({"output_type": "stream", "name": name, "text": text})

    def display(self, data: dict[str, Any], metadata: dict[str, Any] | None) -> None:
        """Record a rich display (``display(...)``)."""
        self.replay(
            {"output_type": "display_data", "data": data, "metadata": metadata or {}}
        )

    def result(
        self, data: dict[str, Any], metadata: dict[str, Any], count: int | None
    ) -> None:
        """Record the value of the cell's last expression."""
        self.replay(
            {
                "output_type": "execute_result",
                "data": data,
                "metadata": metadata,
                "execution_count": count,
            }
        )

    def error(self, ename: str, evalue: str, traceback: list[str]) -> None:
        """Record the exception that ended the cell."""
        self.replay(
            {
                "output_type": "error",
                "ename": ename,
                "evalue": evalue,
                "traceback": traceback,
            }
        )

    def replay(self, output: Output) -> None:
        """Record an output as given (one that came back from another process)."""
        output = mask_data(output)
        with self._lock:
            self.outputs.append(output)
        self._emit(output)

    def clear(self) -> None:
        """Forget the outputs so far (``clear_output()``, or a retry)."""
        with self._lock:
            self.outputs.clear()
        self._emit({"output_type": "clear_output"})


def current() -> OutputCapture | None:
    """Return the capture of the calling thread's cell, if it is in one."""
    return _current.get()


@contextmanager
def capturing(capture: OutputCapture) -> Iterator[OutputCapture]:
    """Send this thread's output to ``capture`` for the duration of the block."""
    token = _current.set(capture)
    try:
        yield capture
    finally:
        sys.stdout.flush()
        _current.reset(token)


class _StreamRouter:
    """A text stream that writes to the current capture, else to ``target``."""

    def __init__(self, target: Any, name: str) -> None:
        self._target = target
        self._name = name

    def write(self, text: str) -> int:
        capture = _current.get()
        if capture is None:
            return int(self._target.write(text) or 0)
        capture.stream(self._name, text)
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if _current.get() is None:
            self._target.flush()

    def __getattr__(self, name: str) -> Any:  # isatty, encoding, fileno, set_parent...
        return getattr(self._target, name)


class _DisplayRouter:
    """The shell's display publisher, diverted to the current capture."""

    def __init__(self, target: Any) -> None:
        self._target = target

    def publish(
        self,
        data: dict[str, Any],
        metadata: dict[str, Any] | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        capture = _current.get()
        if capture is None:
            self._target.publish(data, metadata, *args, **kwargs)
        else:
            capture.display(data, metadata)

    def clear_output(self, wait: bool = False) -> None:
        capture = _current.get()
        if capture is None:
            self._target.clear_output(wait)
        else:
            capture.clear()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)


_install_lock = threading.Lock()


def install(shell: Any) -> None:
    """Route ``sys.stdout``/``sys.stderr`` and ``shell``'s displays (idempotent).

    Called at every run: tools such as IPython's ``capture_output`` swap the
    streams, and a run must still capture per cell underneath them.
    """
    with _install_lock:
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if not isinstance(stream, _StreamRouter):
                setattr(sys, name, _StreamRouter(stream, name))
        if shell is not None and not isinstance(shell.display_pub, _DisplayRouter):
            shell.display_pub = _DisplayRouter(shell.display_pub)


def outside_capture(fn: Callable[[], Any]) -> Any:
    """Call ``fn`` with no capture current: its output goes where it would normally."""
    return contextvars.Context().run(fn)
