"""Every AST taskbook builds goes through ``core.pyast.parse`` and its lock.

Two notebook cells starting on worker threads at once made CPython 3.11 fail one
of them with ``SystemError: AST constructor recursion depth mismatch`` (seen in
tests/cellflow about one run in six before the lock).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from taskbook.core import pyast

SRC = Path(__file__).resolve().parents[2] / "src" / "taskbook"
UNLOCKED = re.compile(r"\bast\.parse\(|PyCF_ONLY_AST")


def test_no_module_builds_an_ast_without_the_lock() -> None:
    offenders = [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "pyast.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if UNLOCKED.search(line)
    ]
    assert offenders == [], "use taskbook.core.pyast.parse:\n" + "\n".join(offenders)


def test_parse_is_ast_parse_with_flags() -> None:
    tree = pyast.parse("x = await f()", "<cell>", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    assert isinstance(tree, ast.Module)
    assert ast.dump(pyast.parse("a + 1", mode="eval")) == ast.dump(
        ast.parse("a + 1", mode="eval")
    )
    with pytest.raises(SyntaxError):
        pyast.parse("def f(:")
