"""Ctrl-C and SIGTERM during ``taskbook run``: the run is cancelled, then recorded.

The first SIGINT or SIGTERM raises ``KeyboardInterrupt`` in the main thread, which
cancels the run (Cancelled, as the engine records an interrupt). Signals that follow
while the run is being cancelled, recorded and written out are swallowed, so two
signals close together (``timeout``, an impatient user) cannot break the cancel
half-way and leave the run Crashed; a third forces an exit at once.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType, TracebackType

__all__ = ("Interrupts",)

_HANDLED = (signal.SIGINT, signal.SIGTERM)
_FORCE_AFTER = 3  # signals; the run is then left to the store's crash recovery


class Interrupts:
    """Handle SIGINT/SIGTERM inside the ``with`` block; ``signal`` is the first one."""

    def __init__(self) -> None:
        self.signal: int | None = None
        self._count = 0
        self._previous: dict[int, object] = {}

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is not threading.main_thread():
            return self  # only the main thread may handle signals
        for signum in _HANDLED:
            self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        self._count += 1
        if self.signal is None:
            self.signal = signum
            raise KeyboardInterrupt
        if self._count >= _FORCE_AFTER:
            sys.stderr.write("Interrupted again: exiting without waiting.\n")
            sys.stderr.flush()
            os._exit(128 + self.signal)
        # A signal while the cancel is under way: it is already what was asked for.
