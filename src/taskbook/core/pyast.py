"""``ast.parse`` that several threads may call at once.

CPython 3.11 keeps the AST constructor's recursion depth in state shared by all
threads, so two threads building ASTs at the same time can fail with
``SystemError: AST constructor recursion depth mismatch`` (python/cpython#106905;
seen here when two notebook cells started on worker threads together). Every parse
taskbook does goes through one lock: a cell parses in well under a millisecond.
"""

from __future__ import annotations

import ast
import threading

__all__ = ("parse",)

_LOCK = threading.Lock()


def parse(
    source: str, filename: str = "<unknown>", mode: str = "exec", flags: int = 0
) -> ast.AST:
    """Return the AST of ``source`` (``compile`` with ``PyCF_ONLY_AST`` and ``flags``).

    Raises:
        SyntaxError: ``source`` does not parse.
        ValueError: ``source`` holds a null byte.
    """
    with _LOCK:
        return compile(
            source, filename, mode, flags | ast.PyCF_ONLY_AST, dont_inherit=True
        )
