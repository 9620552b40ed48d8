"""Cache keys of cells (DESIGN §4) and the explanation of a miss (``%flow why``).

A key hashes named components: the cell's normalized source, the source of every
notebook function it calls (transitively), one fingerprint per input, and the
options that change results. Keeping the components lets ``why`` say which changed.
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from taskbook.cellflow.execute import ends_with_semicolon
from taskbook.core import pyast

__all__ = ("KeyParts", "NotebookFunctions", "explain_miss", "normalize_source")


def normalize_source(source: str) -> str:
    """Return the source without comments and formatting (``ast.unparse``).

    A trailing ``;`` is kept: it changes what the cell shows, and ``unparse`` drops it.
    """
    try:
        text = ast.unparse(pyast.parse(source))
    except (SyntaxError, ValueError):
        return source.strip()
    return text + ";" if ends_with_semicolon(source) else text


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


@dataclass(frozen=True, slots=True)
class KeyParts:
    """The components of one cell's cache key.

    Attributes:
        source: Hash of the normalized cell source.
        helpers: Notebook function name -> hash of its source.
        inputs: Input name -> fingerprint (``None``: cannot be fingerprinted).
        options: Options that change results, as text.
    """

    source: str
    helpers: Mapping[str, str] = field(default_factory=dict)
    inputs: Mapping[str, str | None] = field(default_factory=dict)
    options: str = ""

    @property
    def cacheable(self) -> bool:
        """Whether every input has a fingerprint."""
        return all(fp is not None for fp in self.inputs.values())

    def key(self) -> str:
        """Return the cache key: a hash of every component, order-independent."""
        text = "\n".join(
            [
                "taskbook-cell-v1",
                self.source,
                *(f"h:{k}={v}" for k, v in sorted(self.helpers.items())),
                *(f"i:{k}={v}" for k, v in sorted(self.inputs.items())),
                f"o:{self.options}",
            ]
        )
        return "cell-" + _hash(text)

    def to_dict(self) -> dict[str, object]:
        """Return the parts as plain data, for storing next to the cache."""
        return {
            "source": self.source,
            "helpers": dict(self.helpers),
            "inputs": dict(self.inputs),
            "options": self.options,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> KeyParts:
        """Rebuild parts stored with ``to_dict``."""
        return cls(
            source=str(data["source"]),
            helpers=dict(data.get("helpers", {})),  # type: ignore[call-overload]
            inputs=dict(data.get("inputs", {})),  # type: ignore[call-overload]
            options=str(data.get("options", "")),
        )


class NotebookFunctions:
    """The functions and classes defined at cell level, with their source and calls.

    Built from the Python sources of the DAG cells in notebook order; a later
    definition of a name replaces an earlier one, as when the notebook runs.
    """

    def __init__(self, sources: Iterable[str]) -> None:
        self._source: dict[str, str] = {}
        self._calls: dict[str, frozenset[str]] = {}
        for source in sources:
            try:
                tree = pyast.parse(source)
                assert isinstance(tree, ast.Module)
            except (SyntaxError, ValueError):
                continue
            for node in tree.body:
                if isinstance(
                    node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
                ):
                    self._source[node.name] = _hash(ast.unparse(node))
                    self._calls[node.name] = frozenset(
                        n.id
                        for n in ast.walk(node)
                        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
                    )

    def used_by(self, names: Iterable[str]) -> dict[str, str]:
        """Return name -> source hash of the notebook functions reachable from ``names``."""
        found: dict[str, str] = {}
        queue = [n for n in names if n in self._source]
        while queue:
            name = queue.pop()
            if name in found:
                continue
            found[name] = self._source[name]
            queue.extend(n for n in self._calls[name] if n in self._source)
        return found


def explain_miss(previous: KeyParts | None, current: KeyParts) -> list[str]:
    """Return one sentence per component that differs between two keys."""
    if previous is None:
        return ["it has never run with caching on in this project (no earlier key)."]
    reasons: list[str] = []
    if previous.source != current.source:
        reasons.append("its source changed.")
    for name in sorted(set(previous.helpers) | set(current.helpers)):
        before, after = previous.helpers.get(name), current.helpers.get(name)
        if before != after:
            what = (
                "is new"
                if before is None
                else "is no longer called"
                if after is None
                else "changed"
            )
            reasons.append(f"helper function {name!r} {what}.")
    for name in sorted(set(previous.inputs) | set(current.inputs)):
        before, after = previous.inputs.get(name), current.inputs.get(name)
        if before != after:
            if after is None and name in current.inputs:
                reasons.append(f"input {name!r} cannot be fingerprinted (not cached).")
            else:
                reasons.append(f"input {name!r} changed.")
    if previous.options != current.options:
        reasons.append(
            f"its options changed ({previous.options!r} -> {current.options!r})."
        )
    return reasons or [
        "nothing in its key changed: the entry expired, was refreshed or cleared."
    ]
