"""The DAG of a saved notebook as SVG, nodes in their cells' last recorded states.

The same drawing as the widget's static copy (``widgets.svg.graph_svg`` over a
``RunFold`` of the last states), of the graph ``taskbook run`` builds from the
saved file; the states come from ``store.cell_states``. Read-only.
"""

from __future__ import annotations

from pathlib import Path

from taskbook.cellflow.headless import notebook_graph
from taskbook.core.cells import classify_all
from taskbook.notebook.read import read_notebook
from taskbook.server import store
from taskbook.widgets.records import fold_states
from taskbook.widgets.svg import graph_svg

__all__ = ("dag_svg",)


def dag_svg(home: Path | None, notebook: Path) -> str | None:
    """Return the notebook's DAG as an SVG document, or None if it has no DAG cells.

    Args:
        home: The notebook's store (None: no states, every node "not run").
        notebook: The saved notebook.

    Raises:
        UnreadableNotebookError: The file is not a readable notebook.
        DependencyCycleError, DuplicateTaskNameError, UnknownTaskError: The DAG
            cannot be built.
    """
    _nb, cells = read_notebook(str(notebook))
    graph = notebook_graph(classify_all(cells), notebook.stem, warn=False)
    if not graph.nodes:
        return None
    _tasks, cell_states = store.cell_states(home, notebook)
    states = {cell.cell_id: (cell.state, cell.name or None) for cell in cell_states}
    return graph_svg(fold_states(graph, states).graph_model(), uid="tb-sidebar")
