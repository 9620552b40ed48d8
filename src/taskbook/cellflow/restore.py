"""Bring back from the cache the inputs that selected cells need from cells not selected.

After a restart, ``%flow run --only T`` finds T's inputs gone. Each missing input's
producer is looked up under the key it has now (its own missing inputs brought back
first, so the key is the one its last run stored), and a valid hit (output files
intact) puts its values back, as a full run would. A producer with no valid entry
stops the run before anything starts: ``MissingInputError`` names it and says how
to run it. Inputs still in the namespace are left as they are.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from taskbook.cellflow.cell_result import CellResult
from taskbook.cellflow.cell_task import describe
from taskbook.core.cells import CellSpec
from taskbook.core.graph import Edge, NotebookGraph
from taskbook.engine.effects import lookup
from taskbook.engine.session import get_session
from taskbook.errors import MissingInputError

if TYPE_CHECKING:
    from taskbook.cellflow.cell_task import CellTasks

__all__ = ("restore_inputs",)


def restore_inputs(
    graph: NotebookGraph,
    specs: Mapping[str, CellSpec],
    selected: Sequence[str],
    tasks: CellTasks,
    parameters: Mapping[str, Any],
) -> tuple[str, ...]:
    """Restore what ``selected`` cells read from unselected producers; return their names.

    Raises:
        MissingInputError: A producer has no valid cached result (never ran with
            this key, its key changed, caching is off, or an output file is gone).
    """
    restorer = _Restorer(graph, specs, set(selected), tasks, parameters)
    for node_id in selected:
        restorer.inputs_of(node_id)
    return tuple(restorer.restored)


class _Restorer:
    def __init__(
        self,
        graph: NotebookGraph,
        specs: Mapping[str, CellSpec],
        chosen: set[str],
        tasks: CellTasks,
        parameters: Mapping[str, Any],
    ) -> None:
        self.graph, self.specs, self.chosen = graph, specs, chosen
        self.tasks, self.parameters = tasks, parameters
        self.namespace = tasks.runner.namespace
        self.restored: list[str] = []
        self._done: set[str] = set()
        self._into: dict[str, list[Edge]] = {}
        for edge in graph.edges:
            if edge.names and edge.from_id not in chosen:
                self._into.setdefault(edge.to_id, []).append(edge)

    def inputs_of(self, node_id: str) -> None:
        """Make sure every input ``node_id`` reads from outside the run is here."""
        for edge in self._into.get(node_id, ()):
            missing = sorted(n for n in edge.names if n not in self.namespace)
            if missing:
                self._bring(edge.from_id, node_id, missing[0])

    def _bring(self, producer_id: str, reader_id: str, name: str) -> None:
        if producer_id in self._done:
            return
        self.inputs_of(producer_id)
        spec, node = self.specs[producer_id], self.graph.node(producer_id)
        overrides = dict(self.parameters) if spec.kind == "params" else {}
        self.tasks.key_parts(spec, node, overrides)
        key = self.tasks.keys[producer_id] if spec.header.cache else None
        why = (
            "its caching is off (--no-cache)"
            if spec.problem is None
            else "its %%task line is bad; fix that line"  # which turns its cache off
        )
        if key is not None:
            found = lookup(get_session().cache, key, time.time(), node.name)
            if found.hit and isinstance(found.value, CellResult):
                self.tasks.runner.restore(found.value, key)
                self.restored.append(node.name)
                self._done.add(producer_id)
                return
            why = found.stale or "no cached result matches its source and inputs"
        reader = describe(self.graph.node(reader_id))
        raise MissingInputError.from_cache(reader, name, node.name, why)
