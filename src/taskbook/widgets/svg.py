"""Render view models as standalone SVG: the run graph, the Gantt timeline, a sparkline.

Pure string building. The SVG uses presentation attributes only (no CSS, no
script), so it looks the same in the live widget, in a saved notebook, on GitHub and
in nbviewer. Graph nodes carry ``data-node-id`` and ``data-state`` (and a notebook
cell's ``data-cell`` position) for the widget's click handler and for tests. Edge
labels never overlap one another or a node (``taskbook.widgets.edges``).
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

from taskbook.core.palette import SEGMENT_COLORS, STALE_COLOR, state_style
from taskbook.widgets.edges import Curve, edge_curve, place_labels
from taskbook.widgets.rows import row_labels

__all__ = (
    "FIT_WIDTH",
    "fit_to_width",
    "graph_svg",
    "node_patch",
    "sparkline_svg",
    "timeline_svg",
)

_EDGE_STYLE = {
    "data": ("#6b7280", "1.4", ""),
    "order": ("#9ca3af", "1.2", ' stroke-dasharray="5 4"'),
    "sequence": ("#d1d5db", "1.2", ' stroke-dasharray="2 3"'),
    "subflow": ("#a78bfa", "1.2", ' stroke-dasharray="1 3"'),  # a subflow runs it
}
_FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"'
_MAX_EDGE_LABELS = 300
FIT_WIDTH = 960
"""Static graphs wider than this (pixels) scale down to their container's width."""


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _a(text: object) -> str:
    return escape(str(text), quote=True)


def node_patch(node: dict[str, Any], selected: bool = False) -> dict[str, str]:
    """Return the parts of a node that change during a run (colours, second line).

    The widget sends these instead of the whole SVG when only states changed.
    """
    sub = node["badge"] or state_style(node["state"], node["state_name"]).label
    if node.get("stale"):
        sub = f"stale · {sub}"
    stroke = "#111827" if selected else STALE_COLOR if node.get("stale") else "#ffffff"
    title = f"{node['label']} ({node['kind']}): {sub}"
    if node["runs"] > 1:
        counts = ", ".join(f"{n} {c}" for n, c in sorted(node["counts"].items()))
        title += f" — {node['runs']} runs: {counts}"
    return {
        "fill": node["fill"],
        "text": node["text"],
        "stroke": stroke,
        "dash": "6 3" if node.get("stale") and not selected else "",
        "width": "3" if selected or node.get("stale") else "1",
        "sub": sub,
        "title": title,
        "state": node["state"] or "",
        "state_name": node["state_name"] or "",
    }


def _path(curve: Curve) -> str:
    x1, y1, c1x, c1y, c2x, c2y, x2, y2 = curve
    return (
        f"M{x1:.1f},{y1:.1f} C{c1x:.1f},{c1y:.1f} {c2x:.1f},{c2y:.1f} {x2:.1f},{y2:.1f}"
    )


def _edges_svg(
    model: dict[str, Any], nodes: dict[str, dict[str, Any]], marker: str
) -> list[str]:
    """Return the edges' paths, then their labels (placed apart, over the paths)."""
    w, h = model["node_width"], model["node_height"]
    drawn: list[tuple[dict[str, Any], Curve]] = []
    for edge in model["edges"]:
        source, target = nodes.get(edge["from"]), nodes.get(edge["to"])
        if source is not None and target is not None:
            drawn.append((edge, edge_curve(source, target, w, h)))
    named = (
        [(edge, curve) for edge, curve in drawn if edge["names"]]
        if len(model["edges"]) <= _MAX_EDGE_LABELS
        else []
    )
    texts = [_clip(", ".join(edge["names"]), 24) for edge, _ in named]
    boxes = [(n["x"], n["y"], n["x"] + w, n["y"] + h) for n in nodes.values()]
    spots = place_labels([curve for _, curve in named], texts, boxes)
    unlabelled = {
        id(edge) for (edge, _), spot in zip(named, spots, strict=True) if spot is None
    }
    paths, labels = [], []
    for edge, curve in drawn:
        color, stroke, dash = _EDGE_STYLE.get(edge["kind"], _EDGE_STYLE["data"])
        # No room for its label: the edge names what it carries on hover.
        title = (
            f"<title>{_a(', '.join(edge['names']))}</title>"
            if id(edge) in unlabelled
            else ""
        )
        paths.append(
            f'<path class="tb-edge" data-from="{_a(edge["from"])}" data-to="{_a(edge["to"])}" '
            f'd="{_path(curve)}" fill="none" stroke="{color}" stroke-width="{stroke}"{dash} '
            f'marker-end="url(#{_a(marker)})">{title}</path>'
        )
    for (edge, _), full, spot in zip(named, texts, spots, strict=True):
        if spot is None:
            continue
        x, y, text = spot
        # A shortened label names everything on hover.
        hover = "" if text == full else f"<title>{_a(', '.join(edge['names']))}</title>"
        labels.append(
            f'<text class="tb-edge-label" x="{x:.1f}" y="{y + 3.5:.1f}" '
            f'text-anchor="middle" font-size="10" fill="#4b5563" '
            f'stroke="#ffffff" stroke-width="3" paint-order="stroke">{hover}{_a(text)}</text>'
        )
    return paths + labels


def graph_svg(
    model: dict[str, Any], *, uid: str = "tb", selected: str | None = None
) -> str:
    """Return the run graph as an SVG document string, at its natural size.

    Args:
        model: ``RunFold.graph_model()``.
        uid: Prefix for element ids (arrow marker), unique per page.
        selected: The node id to outline as selected.
    """
    width, height = max(model["width"], 160), max(model["height"], 60)
    w, h = model["node_width"], model["node_height"]
    nodes = {n["id"]: n for n in model["nodes"]}
    marker = f"{uid}-arrow"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="tb-graph" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" {_FONT} font-size="12">',
        f'<defs><marker id="{_a(marker)}" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#6b7280"/></marker></defs>',
        *_edges_svg(model, nodes, marker),
    ]
    for node in model["nodes"]:
        patch = node_patch(node, node["id"] == selected)
        radius = {"task": 8, "params": 0}.get(node["kind"], 3)
        dash = f' stroke-dasharray="{patch["dash"]}"' if patch["dash"] else ""
        cell = (
            ""
            if node.get("cell") is None
            else f' data-cell="{node["cell"]}" data-name="{_a(node["label"])}"'
        )
        parts.append(
            f'<g class="tb-node" data-node-id="{_a(node["id"])}" data-kind="{_a(node["kind"])}"{cell} '
            f'data-state="{_a(patch["state"])}" data-state-name="{_a(patch["state_name"])}" '
            f'transform="translate({node["x"]:.1f},{node["y"]:.1f})" cursor="pointer">'
            f"<title>{_a(patch['title'])}</title>"
            f'<rect width="{w:.0f}" height="{h:.0f}" rx="{radius}" fill="{patch["fill"]}" '
            f'stroke="{patch["stroke"]}" stroke-width="{patch["width"]}"{dash}/>'
            f'<text class="tb-label" x="8" y="15" font-weight="600" fill="{patch["text"]}">'
            f"{_a(_clip(node['label'], 20))}</text>"
            f'<text class="tb-sub" x="8" y="29" font-size="10" fill="{patch["text"]}">'
            f"{_a(_clip(patch['sub'], 26))}</text></g>"
        )
    if model.get("truncated"):
        parts.append(
            f'<text x="8" y="{height - 4:.0f}" font-size="11" fill="#6b7280">'
            f"… {model['truncated']} more nodes not shown</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def fit_to_width(svg: str) -> str:
    """Return a ``graph_svg`` drawing that scales down to its container's width.

    Only a drawing wider than ``FIT_WIDTH`` changes: its root loses its size
    (the ``viewBox`` keeps the proportions), so a browser draws it as wide as
    the output and as high as that makes it.
    """
    head, _, rest = svg.partition(">")
    width = head.split(' width="', 1)[1].split('"', 1)[0]
    if float(width) <= FIT_WIDTH:
        return svg
    height = head.split(' height="', 1)[1].split('"', 1)[0]
    sized = head.replace(f' width="{width}" height="{height}"', ' width="100%"', 1)
    return f"{sized}>{rest}"


def _tick_step(span: float, ticks: int = 8) -> float:
    raw = max(span, 1e-3) / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _seconds(value: float) -> str:
    if value >= 60:
        return f"{int(value // 60)}m{value % 60:02.0f}s"
    # Ticks come in steps of 1, 2 or 5 times a power of ten: 3 digits tell them apart.
    return f"{value:g}s" if value >= 1 or value == 0 else f"{value * 1000:.3g}ms"


def timeline_svg(
    model: dict[str, Any],
    *,
    width: int = 900,
    row_height: int = 18,
    label_width: int = 170,
    max_rows: int = 300,
) -> str:
    """Return the Gantt timeline as an SVG document string (one row per task run).

    Args:
        model: ``RunFold.timeline_model()``.
        width: Total width in pixels.
        row_height: Height of one row.
        label_width: Space for run names on the left.
        max_rows: Rows drawn at most; the rest are counted below the chart.
    """
    rows = model["rows"][:max_rows]
    labels = row_labels(rows)
    hidden = len(model["rows"]) - len(rows) + model.get("truncated", 0)
    legend = _legend(rows)
    top, bottom = 24 + (18 if legend else 0), 8 + (16 if hidden else 0)
    height = top + len(rows) * row_height + bottom
    span = max(model["end"], 1e-3)
    plot = width - label_width - 12
    scale = plot / span

    def x(t: float) -> float:
        return float(label_width + max(0.0, t) * scale)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="tb-gantt" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" {_FONT} font-size="11">',
        _legend_svg(legend, label_width),
    ]
    step = _tick_step(span)
    tick = 0.0
    while tick <= span + 1e-9:
        tx = x(tick)
        parts.append(
            f'<line x1="{tx:.1f}" y1="{top - 4}" x2="{tx:.1f}" y2="{height - bottom}" '
            'stroke="#e5e7eb"/>'
            f'<text x="{tx:.1f}" y="{top - 8}" text-anchor="middle" fill="#6b7280">'
            f"{_seconds(round(tick, 6))}</text>"
        )
        tick += step
    for i, (row, label) in enumerate(zip(rows, labels, strict=True)):
        y = top + i * row_height
        parts.append(
            f'<g class="tb-row" data-run-id="{_a(row["id"])}" data-state="{_a(row["state"] or "")}">'
            f'<text x="{label_width - 6}" y="{y + row_height - 5}" text-anchor="end" '
            f'fill="#111827">{_a(_clip(label, 26))}</text>'
        )
        for seg in row["segments"]:
            fill = SEGMENT_COLORS.get(seg["kind"], row["fill"])
            x0, x1 = x(seg["start"]), x(seg["end"])
            least = 4.0 if seg["kind"] == "cached" else 1.5
            parts.append(
                f'<rect class="tb-seg" data-kind="{seg["kind"]}" x="{x0:.1f}" y="{y + 3}" '
                f'width="{max(x1 - x0, least):.1f}" height="{row_height - 6}" fill="{fill}">'
                f"<title>{_a(row['label'])}: {seg['kind']} "
                f"{_seconds(round(seg['end'] - seg['start'], 3))}</title></rect>"
            )
        parts.append("</g>")
    if hidden:
        parts.append(
            f'<text x="{label_width}" y="{height - 6}" fill="#6b7280">'
            f"… {hidden} more task runs not shown</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _legend(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Return the ``(label, colour)`` keys of what the rows draw, in a fixed order."""
    kinds = {seg["kind"] for row in rows for seg in row["segments"]}
    keys = [
        (kind, SEGMENT_COLORS[kind])
        for kind in ("waiting", "retrying")
        if kind in kinds
    ]
    states: dict[str, str] = {}
    for row in rows:
        if any(seg["kind"] in ("running", "cached") for seg in row["segments"]):
            states.setdefault(
                state_style(row["state"], row["state_name"]).label, row["fill"]
            )
    return keys + sorted(states.items())


def _legend_svg(keys: list[tuple[str, str]], left: int) -> str:
    parts = ['<g class="tb-legend">']
    x = float(left)
    for label, color in keys:
        parts.append(
            f'<rect x="{x:.1f}" y="4" width="10" height="10" fill="{color}"/>'
            f'<text x="{x + 14:.1f}" y="13" fill="#374151">{_a(label)}</text>'
        )
        x += 24 + 6.5 * len(label)
    parts.append("</g>")
    return "".join(parts) if keys else ""


def sparkline_svg(values: list[float], *, width: int = 160, height: int = 32) -> str:
    """Return a small line chart of ``values`` (oldest first), for a duration trend."""
    if not values:
        return ""
    top = max(values) or 1.0
    step = width / max(len(values) - 1, 1)
    points = " ".join(
        f"{i * step:.1f},{height - 3 - (v / top) * (height - 6):.1f}"
        for i, v in enumerate(values)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="tb-trend" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">'
        f'<polyline points="{points}" fill="none" stroke="#2563eb" stroke-width="1.5"/>'
        "</svg>"
    )
