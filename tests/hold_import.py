"""Test helper: keep a module half-imported until the live view's thread meets it.

``hold("pandas")`` puts a finder in front of ``sys.meta_path``: the next
``import pandas`` in a task's thread (not the main thread, the view's or the
extension's warm-up thread) creates the module, puts it in ``sys.modules`` half-built, as a slow
import does, and runs pandas' real code only once a ``taskbook-live`` thread waits
on that module's import lock, or the live view logged "live view update failed".
``outcome`` then says which ("view waited" or "view failed"); it stays empty if
no task thread imported the module. Used by a subprocess test and copied next to
a browser test's notebook; it imports nothing of taskbook.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import logging
import sys
import threading
import time
from collections.abc import Sequence
from types import ModuleType
from typing import Any

outcome: list[str] = []


class _Failures(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.seen = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == "live view update failed":
            self.seen.set()


def _view_waits_for_import() -> bool:
    frames = sys._current_frames()
    for thread in threading.enumerate():
        if not thread.name.startswith("taskbook-live"):
            continue
        frame = frames.get(thread.ident or 0)
        while frame is not None:
            code = frame.f_code
            if "importlib._bootstrap" in code.co_filename and code.co_name in (
                "_lock_unlock_module",
                "acquire",
            ):
                return True
            frame = frame.f_back
    return False


class _HeldLoader(importlib.abc.Loader):
    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        thread = threading.current_thread()
        if thread is threading.main_thread() or thread.name.startswith(
            ("taskbook-live", "taskbook-warm-up")
        ):
            self.loader.exec_module(module)
            return
        failures = _Failures()
        logger = logging.getLogger("taskbook.widgets")
        logger.addHandler(failures)
        try:
            while not failures.seen.is_set() and not _view_waits_for_import():
                time.sleep(0.005)
        finally:
            logger.removeHandler(failures)
        outcome.append("view failed" if failures.seen.is_set() else "view waited")
        self.loader.exec_module(module)


class _Finder(importlib.abc.MetaPathFinder):
    def __init__(self, name: str) -> None:
        self.name = name

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None:
            spec.loader = _HeldLoader(spec.loader)
        return spec


def hold(name: str) -> None:
    """Hold the next import of the top-level module ``name`` (see the docstring)."""
    if not any(isinstance(f, _Finder) and f.name == name for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder(name))
