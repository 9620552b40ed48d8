"""Edge geometry of the run graph: each edge's curve, and where its label goes.

Pure. ``edge_curve`` gives the cubic Bézier an edge is drawn with.
``place_labels`` puts each label on its own edge where its box overlaps no node
and no label placed before it (tried from the middle outwards), shortened with
"…" where only a shorter one fits; a label with no such spot is left out, and the
drawing names it in the edge's tooltip instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ("Curve", "Rect", "edge_curve", "label_box", "place_labels")

Curve = tuple[float, float, float, float, float, float, float, float]
"""Start, first control point, second control point, end: ``x, y`` each."""

Rect = tuple[float, float, float, float]
"""``left, top, right, bottom``."""

# Where along an edge a label may sit, best first.
_SPOTS = (0.5, 0.38, 0.62, 0.27, 0.73, 0.18, 0.82)
_CELL = 48.0  # grid for the overlap index
_CHAR = 6.2  # widest average advance of the 10 px label font, with margin
_PAD = 2.0
_SHORTER = (8, 5)  # characters kept, with "…", when the whole label fits nowhere


def edge_curve(
    source: dict[str, Any], target: dict[str, Any], width: float, height: float
) -> Curve:
    """Return the curve from ``source``'s box to ``target``'s (boxes ``width`` x ``height``).

    Edges leave a box on its right and enter on the left; between boxes of one
    column (a wrapped layer) they leave from the bottom and enter at the top.
    """
    x1, y1 = source["x"] + width, source["y"] + height / 2
    x2, y2 = target["x"], target["y"] + height / 2
    if x2 <= x1:
        x1, y1 = source["x"] + width / 2, source["y"] + height
        x2, y2 = target["x"] + width / 2, target["y"]
        bend = max(20.0, abs(y2 - y1) / 2)
        return (x1, y1, x1, y1 + bend, x2, y2 - bend, x2, y2)
    bend = max(20.0, (x2 - x1) / 2)
    return (x1, y1, x1 + bend, y1, x2 - bend, y2, x2, y2)


def _point(curve: Curve, t: float) -> tuple[float, float]:
    x1, y1, c1x, c1y, c2x, c2y, x2, y2 = curve
    u = 1.0 - t
    a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
    return a * x1 + b * c1x + c * c2x + d * x2, a * y1 + b * c1y + c * c2y + d * y2


def label_box(x: float, y: float, text: str) -> Rect:
    """Return the box of ``text`` drawn centred on ``(x, y)`` in the label font."""
    half = (len(text) * _CHAR) / 2 + _PAD
    return (x - half, y - 6 - _PAD, x + half, y + 6 + _PAD)


class _Index:
    """Rectangles in a coarse grid, to find the ones near a box quickly."""

    def __init__(self) -> None:
        self._cells: dict[tuple[int, int], list[Rect]] = {}

    @staticmethod
    def _keys(rect: Rect) -> Iterator[tuple[int, int]]:
        left, top, right, bottom = rect
        for gx in range(int(left // _CELL), int(right // _CELL) + 1):
            for gy in range(int(top // _CELL), int(bottom // _CELL) + 1):
                yield gx, gy

    def add(self, rect: Rect) -> None:
        for key in self._keys(rect):
            self._cells.setdefault(key, []).append(rect)

    def hits(self, rect: Rect) -> bool:
        left, top, right, bottom = rect
        for key in self._keys(rect):
            for other in self._cells.get(key, ()):
                if (
                    left < other[2]
                    and other[0] < right
                    and top < other[3]
                    and other[1] < bottom
                ):
                    return True
        return False


def _versions(text: str) -> Iterator[str]:
    yield text
    for keep in _SHORTER:
        if len(text) > keep + 1:
            yield text[:keep] + "…"


def place_labels(
    curves: Sequence[Curve], texts: Sequence[str], obstacles: Sequence[Rect]
) -> list[tuple[float, float, str] | None]:
    """Return where each label goes on its curve and its text there, or None.

    Args:
        curves: One curve per label.
        texts: The labels.
        obstacles: Boxes no label may cover (the nodes).

    Returns:
        Per label, ``(x, y, text)``: the centre of its box and the text drawn
        (the label, or its start and "…"); None where no version fits anywhere.
    """
    index = _Index()
    for rect in obstacles:
        index.add(rect)
    spots: list[tuple[float, float, str] | None] = []
    for curve, text in zip(curves, texts, strict=True):
        spots.append(_first_free(index, curve, text))
    return spots


def _first_free(
    index: _Index, curve: Curve, text: str
) -> tuple[float, float, str] | None:
    points = [_point(curve, t) for t in _SPOTS]
    for version in _versions(text):
        for x, y in points:
            box = label_box(x, y, version)
            if not index.hits(box):
                index.add(box)
                return x, y, version
    return None
