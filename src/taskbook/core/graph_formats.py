"""The notebook DAG as text: ``taskbook graph``'s JSON, Mermaid and DOT outputs.

Pure functions of a ``NotebookGraph``; the same graph gives the same text (nodes in
notebook order, edges in the graph's order, name lists sorted).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from taskbook.core.graph import NotebookGraph

__all__ = ("to_dict", "to_dot", "to_json", "to_mermaid")


def to_dict(graph: NotebookGraph) -> dict[str, list[dict[str, object]]]:
    """Return the ``taskbook graph --format json`` document (DESIGN §8)."""
    return {
        "nodes": [
            {
                "id": n.id,
                "name": n.name,
                "cell_index": n.cell_index,
                "kind": n.kind,
                "defines": sorted(n.defines),
                "reads": sorted(n.reads),
            }
            for n in graph.nodes
        ],
        "edges": [
            {
                "from": e.from_id,
                "to": e.to_id,
                "kind": e.kind,
                "names": sorted(e.names),
            }
            for e in graph.edges
        ],
    }


def to_json(graph: NotebookGraph, indent: int | None = 2) -> str:
    """Return ``to_dict(graph)`` as JSON text."""
    return json.dumps(to_dict(graph), indent=indent)


def to_mermaid(graph: NotebookGraph) -> str:
    """Return a Mermaid flowchart: data solid, order dotted, sequence thick."""
    ids = {node.id: f"n{i}" for i, node in enumerate(graph.nodes)}
    lines = ["flowchart TD"]
    for node in graph.nodes:
        label = _mermaid_text(f"{node.name} ({node.kind})")
        lines.append(f'    {ids[node.id]}["{label}"]')
    arrows = {"data": "-->", "order": "-.->", "sequence": "==>"}
    for edge in graph.edges:
        arrow = arrows[edge.kind]
        if edge.names:
            arrow += f'|"{_mermaid_text(", ".join(sorted(edge.names)))}"|'
        lines.append(f"    {ids[edge.from_id]} {arrow} {ids[edge.to_id]}")
    return "\n".join(lines) + "\n"


def to_dot(graph: NotebookGraph) -> str:
    """Return a Graphviz DOT digraph: tasks are boxes, plain cells ellipses."""
    shapes = {"task": "box", "cell": "ellipse", "params": "note"}
    styles = {"data": "solid", "order": "dashed", "sequence": "bold"}
    lines = ["digraph notebook {", "    rankdir=TB;"]
    for node in graph.nodes:
        lines.append(
            f"    {_dot_text(node.id)} [label={_dot_text(node.name)}, "
            f"shape={shapes[node.kind]}];"
        )
    for edge in graph.edges:
        label = f", label={_dot_text(', '.join(sorted(edge.names)))}"
        lines.append(
            f"    {_dot_text(edge.from_id)} -> {_dot_text(edge.to_id)} "
            f"[style={styles[edge.kind]}{label if edge.names else ''}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
