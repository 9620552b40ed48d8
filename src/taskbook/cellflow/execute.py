"""Execute one cell's code in the shell's namespace, as IPython would, from any thread.

IPython's ``run_cell`` is not thread-safe (history, displayhook, execution count),
so cells that run in parallel are compiled and executed here instead: IPython's
transforms (magics, ``!shell``), the last expression shown as the cell's result,
top-level ``await``, tracebacks that show the user's frames, not taskbook's.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import io
import linecache
import os
import sysconfig
import tokenize
import traceback
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from taskbook.cellflow.capture import OutputCapture
from taskbook.core import pyast

__all__ = (
    "CellCode",
    "ends_with_semicolon",
    "execute",
    "format_error",
    "python_source",
    "shows_every_frame",
    "user_frames",
    "user_traceback",
)


def python_source(shell: Any, body: str) -> str:
    """Return the cell body as plain Python (IPython's transforms applied)."""
    if shell is None:
        return body
    try:
        return str(shell.transform_cell(body))
    except Exception:  # a transform failure shows up as a SyntaxError when run
        return body


_QUIET_SKIP = (tokenize.ENDMARKER, tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)


def ends_with_semicolon(source: str) -> bool:
    """Whether the cell's last token is ``;`` (IPython's rule: comments do not count).

    ``x;  # quiet`` hides the value; ``x  # note;`` shows it.
    """
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return source.rstrip().endswith(";")
    for token in reversed(tokens):
        if token.type in _QUIET_SKIP:
            continue
        return token.type == tokenize.OP and token.string == ";"
    return False


class CellCode:
    """A cell compiled once: the statements, then the expression to display."""

    __slots__ = ("filename", "is_async", "result", "statements")

    def __init__(self, source: str, filename: str) -> None:
        self.filename = filename
        linecache.cache[filename] = (
            len(source),
            None,
            source.splitlines(keepends=True),
            filename,
        )
        flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        tree = pyast.parse(source, filename)
        assert isinstance(tree, ast.Module)
        last: ast.expr | None = None
        # `x;` hides the value in IPython; keep that convention (the statement then
        # stays in the body as it was parsed, with its line numbers).
        if (
            tree.body
            and isinstance(tree.body[-1], ast.Expr)
            and not ends_with_semicolon(source)
        ):
            last = tree.body.pop().value
        self.statements = compile(tree, filename, "exec", flags=flags)
        self.result = (
            compile(ast.Expression(last), filename, "eval", flags=flags)
            if last is not None
            else None
        )
        self.is_async = bool(
            self.statements.co_flags & inspect.CO_COROUTINE
            or (self.result is not None and self.result.co_flags & inspect.CO_COROUTINE)
        )


def execute(
    code: CellCode,
    namespace: dict[str, Any],
    capture: OutputCapture,
    formatter: Any = None,
) -> None:
    """Run ``code`` in ``namespace``; show the last expression's value in ``capture``.

    Exceptions from the cell propagate (the engine turns them into states); the
    caller records them with ``format_error``.
    """
    if code.is_async:
        value = asyncio.run(_run_async(code, namespace))
    else:
        exec(code.statements, namespace)
        value = eval(code.result, namespace) if code.result is not None else None
    if value is not None:
        namespace["_"] = value
        data, metadata = _format(value, formatter)
        capture.result(data, metadata, None)


async def _run_async(code: CellCode, namespace: dict[str, Any]) -> Any:
    outcome = eval(code.statements, namespace)
    if inspect.iscoroutine(outcome):
        await outcome
    if code.result is None:
        return None
    value = eval(code.result, namespace)
    return await value if inspect.iscoroutine(value) else value


def _format(value: Any, formatter: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    if formatter is not None:
        data, metadata = formatter.format(value)
        return dict(data), dict(metadata)
    return {"text/plain": repr(value)}, {}


def format_error(
    error: BaseException, filename_prefix: str, *, full: bool = False
) -> tuple[str, str, list[str]]:
    """Return ``(ename, evalue, traceback lines)``, starting at the cell's own frame.

    Frames of taskbook and the engine are dropped (``user_frames``): the user sees
    their cell's lines. An error with no frame of the user's (a bad ``%%task`` line)
    is its one line. ``full`` keeps every frame.
    """
    frames = traceback.extract_tb(error.__traceback__)
    if not full:
        start = next(
            (i for i, f in enumerate(frames) if f.filename.startswith(filename_prefix)),
            len(frames),
        )
        frames = traceback.StackSummary.from_list(
            [
                frame
                for frame, keep in zip(
                    frames[start:],
                    user_frames([f.filename for f in frames[start:]]),
                    strict=True,
                )
                if keep
            ]
        )
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames)
    last = traceback.format_exception_only(type(error), error)
    if type(error).__module__.startswith("taskbook."):
        # Named as users import it, not by its private module.
        last[-1] = last[-1].replace(f"{type(error).__module__}.", "", 1)
    lines += last
    return type(error).__name__, str(error), [line.rstrip("\n") for line in lines]


def shows_every_frame(shell: Any) -> bool:
    """Whether the user asked for full tracebacks (IPython's ``%xmode --show``)."""
    formatter = getattr(shell, "InteractiveTB", None)
    return formatter is not None and not getattr(formatter, "skip_hidden", True)


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_LIBRARIES = tuple(
    {
        os.path.join(path, "")
        for key in ("stdlib", "platstdlib", "purelib", "platlib")
        if (path := sysconfig.get_paths().get(key))
    }
)


def _is_library(filename: str) -> bool:
    return filename.startswith(_LIBRARIES) or filename.startswith("<frozen ")


def user_frames(filenames: Sequence[str]) -> list[bool]:
    """Say, frame by frame (outermost first), whether a traceback shows it.

    taskbook's own frames are hidden, and so are library frames that taskbook
    called (the thread pool, anyio, ``concurrent.futures``) until the user's code
    is called again. Library frames the user's code called (pandas raising) stay.
    """
    keep: list[bool] = []
    hiding = False
    for filename in filenames:
        if filename.startswith(_PACKAGE):
            hiding = True
        elif not (hiding and _is_library(filename)):
            hiding = False
        keep.append(not hiding)
    return keep


def user_traceback(tb: TracebackType | None) -> tuple[TracebackType | None, int]:
    """Return ``tb`` without the frames ``user_frames`` hides, and how many it hid.

    The exception keeps its own traceback: this is a copy for display.
    """
    entries: list[TracebackType] = []
    while tb is not None:
        entries.append(tb)
        tb = tb.tb_next
    keep = user_frames([entry.tb_frame.f_code.co_filename for entry in entries])
    shown: TracebackType | None = None
    for entry, kept in zip(reversed(entries), reversed(keep), strict=True):
        if kept:
            shown = TracebackType(
                shown, entry.tb_frame, entry.tb_lasti, entry.tb_lineno
            )
    return shown, keep.count(False)
