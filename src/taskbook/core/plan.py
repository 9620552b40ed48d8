"""Which cells a notebook run covers: ``--only``, ``--from``, ``--to``, ``--failed``.

Pure: a function of the graph, the selection flags and the previous outcomes.
Staleness needs cache keys, so the engine decides it per cell at run time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from taskbook.core.graph import NotebookGraph
from taskbook.errors import UnknownTaskError

__all__ = ("select_cells",)


def _resolve(graph: NotebookGraph, names: Iterable[str]) -> list[str]:
    by_name = {node.name: node.id for node in graph.nodes}
    ids = []
    for name in names:
        if name in by_name:
            ids.append(by_name[name])
        elif any(node.id == name for node in graph.nodes):
            ids.append(name)
        else:
            raise UnknownTaskError.from_name(name, sorted(by_name))
    return ids


def select_cells(
    graph: NotebookGraph,
    *,
    only: Sequence[str] = (),
    from_: Sequence[str] = (),
    to: Sequence[str] = (),
    failed: bool = False,
    previous: Mapping[str, str] | None = None,
) -> tuple[str, ...]:
    """Return the ids of the cells to run, in topological order.

    Args:
        graph: The notebook DAG.
        only: Run exactly these cells (names or ids).
        from_: Run these cells and everything downstream of them.
        to: Run these cells and everything upstream of them.
        failed: Run the cells whose previous state was not Completed, and downstream.
        previous: Cell id -> previous state type, for ``failed``.

    Raises:
        UnknownTaskError: A name matches no cell; the message lists the names.
    """
    selected = set(node.id for node in graph.nodes)
    if only:
        selected &= set(_resolve(graph, only))
    if from_:
        down: set[str] = set()
        for node_id in _resolve(graph, from_):
            down |= {node_id, *graph.downstream(node_id)}
        selected &= down
    if to:
        up: set[str] = set()
        for node_id in _resolve(graph, to):
            up |= {node_id, *graph.upstream(node_id)}
        selected &= up
    if failed:
        previous = previous or {}
        bad = {i for i in selected if previous.get(i, "PENDING") != "COMPLETED"}
        again: set[str] = set()
        for node_id in bad:
            again |= {node_id, *graph.downstream(node_id)}
        selected &= again
    return tuple(i for i in graph.topological_order() if i in selected)
