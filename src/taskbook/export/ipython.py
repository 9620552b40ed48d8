"""IPython syntax in a cell -> plain Python, or an error naming the cell and line.

``!cmd`` and ``x = !cmd`` become ``subprocess.run``; ``%time``/``%%time`` time their
code; ``%matplotlib``, ``%autoreload`` and taskbook's own magics are dropped with a
comment; any other magic, help syntax or ``get_ipython()`` is refused with
``UntranslatableMagicError``. IPython's own transforms find the syntax (the same
ones a kernel applies), so nothing is dropped silently.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass

from taskbook.core import pyast
from taskbook.errors import UntranslatableMagicError
from taskbook.export.layout import bracket, str_literal
from taskbook.export.source import Edit, apply_edits, char_column, parse

__all__ = ("Helpers", "Translation", "ipython_python", "translate")


@dataclass(frozen=True, slots=True)
class Helpers:
    """The names translated code uses for its imports and its timer variable."""

    subprocess: str = "subprocess"
    time: str = "time"
    started: str = "_started"


@dataclass(frozen=True, slots=True)
class Translation:
    """A cell body as plain Python, and the helper modules it now uses."""

    source: str
    uses: frozenset[str] = frozenset()


_DROPPED = {
    "matplotlib": "a script shows no inline plots",
    "autoreload": "a script loads its modules once",
    "load_ext": "notebook extensions do nothing in a script",
    "reload_ext": "notebook extensions do nothing in a script",
    "config": "inline display settings do nothing in a script",
}
_DROPPED_ARGUMENT = {
    "load_ext": ("taskbook", "autoreload"),
    "reload_ext": ("taskbook", "autoreload"),
    "config": ("InlineBackend",),
}
_INSTALL_FIX = (
    "Install the package in the environment the flow runs in, and delete the line."
)
_DEFAULT_FIX = "Rewrite it in plain Python, or delete it."


def ipython_python(body: str) -> str:
    """Return ``body`` after IPython's input transforms (magics -> calls)."""
    if not any(mark in body for mark in "%!?"):
        return body  # nothing for IPython to transform: skip its tokenizer
    from IPython.core.inputtransformer2 import TransformerManager

    return str(TransformerManager().transform_cell(body))


def translate(
    body: str, cell: int, helpers: Helpers, known: Collection[str] = ()
) -> Translation:
    """Translate one cell body's IPython syntax to plain Python.

    Args:
        body: The cell source without its ``%%task``/``%%params`` line.
        cell: The cell's number (from 1), for messages.
        helpers: The names of the helper imports and the timer variable.
        known: Names the notebook binds: ``$name`` in a shell command is the
            variable only when the notebook has one (IPython's rule at run time).

    Raises:
        UntranslatableMagicError: Syntax that has no translation; the message names
            the cell, the line and the fix.
    """
    lines = body.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        header = lines[first].strip()
        name = header[2:].split(maxsplit=1)[0] if len(header) > 2 else ""
        if name != "time":
            raise _refused(cell, first + 1, header, name)
        rest = "\n".join(lines[first + 1 :])
        inner = _translate_lines(rest, cell, helpers, known, offset=first + 1)
        timed = [
            f"{helpers.started} = {helpers.time}.perf_counter()",
            inner.source,
            _report(helpers, ""),
        ]
        return Translation("\n".join(timed), inner.uses | {"time"})
    return _translate_lines(body, cell, helpers, known, offset=0)


def _refused(cell: int, line: int, text: str, name: str) -> UntranslatableMagicError:
    fix = _INSTALL_FIX if name in ("pip", "conda", "mamba") else _DEFAULT_FIX
    return UntranslatableMagicError.from_line(cell, line, text, fix)


def _report(helpers: Helpers, indent: str) -> str:
    elapsed = f"{helpers.time}.perf_counter() - {helpers.started}"
    return f'{indent}print(f"Wall time: {{{elapsed}:.3f}} s")'


def _translate_lines(
    body: str, cell: int, helpers: Helpers, known: Collection[str], offset: int
) -> Translation:
    python = ipython_python(body)
    if "get_ipython" not in python:
        return Translation(python)
    try:
        tree = parse(python)
    except SyntaxError:
        return Translation(python)  # reported as the cell's syntax error later
    original = body.splitlines()
    lines = python.splitlines()
    edits: list[Edit] = []
    uses: set[str] = set()

    def where(kind: str, name: str, node: ast.AST) -> tuple[int, str]:
        number = _original_line(original, kind, name, node)
        return offset + number, original[number - 1] if original else ""

    for statement, parent in _statements(tree):
        call = _magic_call(statement)
        if call is None:
            continue
        kind, name, argument = call
        indent = lines[statement.lineno - 1][
            : char_column(lines[statement.lineno - 1], statement.col_offset)
        ]
        target = _assigned(statement)
        if kind == "run_line_magic" and name == "time" and target is not None:
            code = f"{target}{argument}"
            timed = [
                f"{helpers.started} = {helpers.time}.perf_counter()",
                f"{indent}{code}",
                _report(helpers, indent),
            ]
            edits.append(Edit.replace_node(statement, "\n".join(timed)))
            uses.add("time")
        elif kind == "run_line_magic" and _is_dropped(name, argument):
            reason = _DROPPED[name]
            note = f"# %{name} {argument}: dropped, {reason}".replace("  ", " ")
            alone = parent is not None and len(parent) == 1
            edits.append(
                Edit.replace_node(statement, f"pass  {note}" if alone else note)
            )
    for node in ast.walk(tree):
        if not _is_get_ipython(node):
            continue
        method = _method(node)
        covered = any(_within(node, e) for e in edits)
        if covered:
            continue
        if method in ("system", "getoutput") and isinstance(node, ast.Call):
            command = _first_string(node)
            if command is None:
                line, text = where("system", "", node)
                raise _refused(cell, line, text, "")
            column = _column(lines, node)
            edits.append(
                Edit.replace_node(
                    node,
                    _subprocess(command, method == "getoutput", helpers, known, column),
                )
            )
            uses.add("subprocess")
            continue
        name = _magic_name(node) if isinstance(node, ast.Call) else ""
        line, text = where("magic" if name else "get_ipython", name, node)
        raise _refused(cell, line, text, name)
    return Translation(apply_edits(python, edits), frozenset(uses))


def _statements(tree: ast.Module) -> Iterator[tuple[ast.stmt, list[ast.stmt] | None]]:
    """Yield every statement with the block (list of statements) holding it."""
    stack: list[tuple[list[ast.stmt], bool]] = [(tree.body, True)]
    while stack:
        block, top = stack.pop()
        for statement in block:
            yield statement, None if top else block
            for field in ("body", "orelse", "finalbody"):
                inner = getattr(statement, field, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                    stack.append((inner, False))
            for handler in getattr(statement, "handlers", []):
                stack.append((handler.body, False))
            for case in getattr(statement, "cases", []):
                stack.append((case.body, False))


def _is_get_ipython(node: ast.AST) -> bool:
    if isinstance(node, ast.Name) and node.id == "get_ipython":
        return True
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and _is_get_ipython_call(node.func.value)
    )


def _is_get_ipython_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "get_ipython"
    )


def _method(node: ast.AST) -> str:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr
    return ""


def _first_string(call: ast.Call, position: int = 0) -> str | None:
    if len(call.args) > position:
        argument = call.args[position]
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            return argument.value
    return None


def _magic_name(call: ast.Call) -> str:
    if _method(call) in ("run_line_magic", "run_cell_magic"):
        return _first_string(call) or ""
    return ""


def _magic_call(statement: ast.stmt) -> tuple[str, str, str] | None:
    """Return (method, magic name, argument) of a statement that runs a line magic."""
    value = statement.value if isinstance(statement, (ast.Expr, ast.Assign)) else None
    if not isinstance(value, ast.Call) or not _is_get_ipython(value):
        return None
    method = _method(value)
    if method != "run_line_magic":
        return None
    name, argument = _first_string(value), _first_string(value, 1)
    if name is None or argument is None:
        return None
    return method, name, argument


def _assigned(statement: ast.stmt) -> str | None:
    """Return ``"a = "`` for an assignment statement, ``""`` for an expression."""
    if isinstance(statement, ast.Expr):
        return ""
    if isinstance(statement, ast.Assign):
        return "".join(f"{ast.unparse(t)} = " for t in statement.targets)
    return None


def _is_dropped(name: str, argument: str) -> bool:
    if name not in _DROPPED:
        return False
    allowed = _DROPPED_ARGUMENT.get(name)
    words = argument.split()
    return allowed is None or (bool(words) and words[0].split(".")[0] in allowed)


def _within(node: ast.AST, edit: Edit) -> bool:
    line = getattr(node, "lineno", 0)
    return edit.line <= line <= edit.end_line


def _column(lines: list[str], node: ast.AST) -> int:
    """The character column where the statement holding ``node`` is indented."""
    line = lines[node.lineno - 1]  # type: ignore[attr-defined]
    return len(line) - len(line.lstrip())


def _original_line(original: list[str], kind: str, name: str, node: ast.AST) -> int:
    """Find the line of the cell the IPython syntax was written on (from 1)."""
    patterns: list[Callable[[str], bool]] = []
    if kind == "magic":
        magic = re.compile(rf"(^|=)\s*%{{1,2}}{re.escape(name)}\b")
        patterns.append(lambda text: bool(magic.search(text)))
        if name.startswith("pinfo"):
            patterns.append(lambda text: text.rstrip().endswith("?"))
    elif kind == "system":
        patterns.append(lambda text: bool(re.search(r"(^|=)\s*!", text)))
    else:
        patterns.append(lambda text: "get_ipython" in text)
    for matches in patterns:
        for number, text in enumerate(original, start=1):
            if matches(text.strip()):
                return number
    return min(getattr(node, "lineno", 1), max(len(original), 1))


def _subprocess(
    command: str, capture: bool, helpers: Helpers, known: Collection[str], column: int
) -> str:
    arguments = [_command(command, known), "shell=True"]
    if capture:
        arguments += ["capture_output=True", "text=True"]
    arguments.append("check=False")
    tail = ".stdout.splitlines()" if capture else ""
    laid = bracket(f"{helpers.subprocess}.run", arguments, tail, indent=" " * column)
    laid[0] = laid[0][column:]  # the replaced call starts where the old one did
    return "\n".join(laid)


_DOLLAR = re.compile(r"(.*?)\$(\$?[\w\.]+)(?=([^']*'[^']*')*[^']*$)")
"""IPython's ``DollarFormatter``: ``$name`` outside single quotes."""


def _fields(command: str) -> list[tuple[str, str | None, str, str | None]]:
    """Split a shell command as IPython's ``DollarFormatter.parse`` does."""
    parts: list[tuple[str, str | None, str, str | None]] = []
    for literal_text, field, spec, conversion in string.Formatter().parse(command):
        text, start = "", 0
        for match in _DOLLAR.finditer(literal_text):
            before, name = match.group(1, 2)
            if name.startswith("$"):
                text += before + name
            else:
                parts.append((text + before, name, "", None))
                text = ""
            start = match.end()
        parts.append((text + literal_text[start:], field, spec or "", conversion))
    return parts


def _command(command: str, known: Collection[str]) -> str:
    """Return the command as Python source: an f-string where IPython interpolates.

    IPython expands ``{expression}`` and ``$name`` from the namespace, and runs the
    command unexpanded when any of them fails; a name the notebook does not bind
    would fail, so such a command stays as written.
    """
    try:
        parts = _fields(command)
    except ValueError:
        return str_literal(command)  # unbalanced braces: IPython runs it as written
    fields = [p for p in parts if p[1] is not None]
    if not fields or not all(_expands(p[1] or "", known) for p in fields):
        return str_literal(command)
    pieces: list[str] = []
    for literal_text, field, spec, conversion in parts:
        pieces.append(literal_text.replace("{", "{{").replace("}", "}}"))
        if field is not None:
            converted = f"!{conversion}" if conversion else ""
            formatted = f":{spec}" if spec else ""
            pieces.append(f"{{{field}{converted}{formatted}}}")
    text = "".join(pieces)
    quoted = str_literal(text)
    if any("\\" in (p[1] or "") or quoted[0] in (p[1] or "") for p in fields):
        return str_literal(command)  # cannot sit in an f-string: keep IPython's text
    return f"f{quoted}"


def _expands(field: str, known: Collection[str]) -> bool:
    try:
        tree = pyast.parse(field.strip(), mode="eval")
    except SyntaxError:
        return False
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return bool(field.strip()) and names <= set(known)
