"""The output files of a cell that Python's audit events do not show, and declared ones.

Writers in C raise no audit event (pandas' ``to_parquet`` writes through pyarrow's
``OSFile``; pyarrow's, polars' and DuckDB's writers likewise), so after a cell ran
the files modified while it ran count as its outputs too when the cell names them:
a file, or a file directly in a directory, named by a string or ``Path`` constant
of its code or by a string or ``Path`` among its inputs and outputs, or in a
directory it wrote to or created through Python. Hidden files and notebooks are
left out (JupyterLab saves the notebook while cells run). ``--makes file:PATH``
declares a file (or every file under a directory) whatever the search finds.
"""

from __future__ import annotations

import ast
import functools
import os
import stat
from collections.abc import Iterable, Sequence
from typing import Any

from taskbook.core import pyast
from taskbook.errors import MissingOutputFileError

__all__ = ("declared_files", "found_files")

MAX_NAMES = 256
"""Paths named by one cell that are looked at, at most."""
MAX_ENTRIES = 5_000
"""Entries of one directory that are looked at, at most (data folders can be big)."""


@functools.lru_cache(maxsize=512)
def _constants(source: str) -> tuple[str, ...]:
    """The string constants of a cell's code that could be paths."""
    try:
        tree = pyast.parse(source)
    except (SyntaxError, ValueError):
        return ()
    found = dict.fromkeys(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and 0 < len(node.value) < 1024
        and "\n" not in node.value
        and "\0" not in node.value
    )
    return tuple(found)


def found_files(
    source: str, values: Iterable[Any], dirs: Iterable[str], since_ns: int
) -> set[str]:
    """Return the files modified since ``since_ns`` that the cell names.

    Args:
        source: The cell's Python source.
        values: Its inputs' and outputs' values (strings and paths among them count).
        dirs: Directories it wrote to or created through Python.
        since_ns: When it started, on ``files.file_clock``.
    """
    named = [*_constants(source), *_path_values(values)]
    candidates = dict.fromkeys(
        [*(os.path.abspath(p) for p in named[:MAX_NAMES]), *dirs]
    )
    found: set[str] = set()
    for path in candidates:
        try:
            info = os.stat(path)
        except (OSError, ValueError):
            continue
        if stat.S_ISDIR(info.st_mode):
            found.update(_modified_in(path, since_ns))
        elif info.st_mtime_ns >= since_ns and _visible(os.path.basename(path)):
            found.add(path)
    return found


def _path_values(values: Iterable[Any]) -> list[str]:
    return [
        os.fspath(v)
        for v in values
        if isinstance(v, (str, os.PathLike)) and isinstance(os.fspath(v), str)
    ]


def _visible(name: str) -> bool:
    return not name.startswith(".") and not name.endswith(".ipynb")


def _modified_in(directory: str, since_ns: int) -> list[str]:
    found = []
    try:
        with os.scandir(directory) as entries:
            for count, entry in enumerate(entries):
                if count >= MAX_ENTRIES:
                    break
                if not _visible(entry.name) or not entry.is_file(follow_symlinks=False):
                    continue
                if entry.stat(follow_symlinks=False).st_mtime_ns >= since_ns:
                    found.append(entry.path)
    except OSError:
        pass  # gone or unreadable: nothing of this cell's there
    return [os.path.abspath(p) for p in found]


def declared_files(paths: Sequence[str], cell: str) -> list[str]:
    """Return the files ``--makes file:PATH`` declares (every file under a directory).

    Raises:
        MissingOutputFileError: A declared path does not exist after the cell ran.
    """
    files: list[str] = []
    for path in paths:
        full = os.path.abspath(path)
        if os.path.isdir(full):
            files.extend(
                os.path.join(root, name)
                for root, _dirs, names in os.walk(full)
                for name in names
            )
        elif os.path.exists(full):
            files.append(full)
        else:
            raise MissingOutputFileError.from_path(cell, path)
    return files
