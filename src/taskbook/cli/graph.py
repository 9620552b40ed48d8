"""``taskbook graph NOTEBOOK``: print the notebook's DAG as JSON, Mermaid or DOT.

The graph is the one ``taskbook run`` executes (same classification, IPython
transforms and builder); dependency warnings go to stderr, the graph to stdout.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import click

from taskbook.cellflow.headless import notebook_graph
from taskbook.cli.errors import NOTEBOOK_KEY, debug_option
from taskbook.core.cells import classify_all
from taskbook.core.graph_formats import to_dot, to_json, to_mermaid
from taskbook.errors import NotebookGraphWarning
from taskbook.notebook.read import read_notebook

__all__ = ("echo_graph_warnings", "graph")

FORMATS = ("json", "mermaid", "dot")


def echo_graph_warnings(caught: Sequence[warnings.WarningMessage]) -> None:
    """Print dependency warnings as ``Warning:`` lines; re-issue any other warning."""
    for warning in caught:
        if issubclass(warning.category, NotebookGraphWarning):
            click.echo(f"Warning: {warning.message}", err=True)
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )


@click.command("graph")
@click.argument("notebook", type=click.Path(dir_okay=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="json",
    show_default=True,
    help="json: nodes and edges (DESIGN §8); mermaid/dot: diagram source.",
)
@debug_option
@click.pass_context
def graph(ctx: click.Context, notebook: str, fmt: str) -> None:
    """Print the DAG of NOTEBOOK's cells: what each cell reads, defines, waits for."""
    ctx.meta[NOTEBOOK_KEY] = notebook
    _nb, cells = read_notebook(notebook)
    specs = classify_all(cells)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dag = notebook_graph(specs, notebook)
    echo_graph_warnings(caught)
    if fmt == "json":
        click.echo(to_json(dag))
    elif fmt == "mermaid":
        click.echo(to_mermaid(dag), nl=False)
    else:
        click.echo(to_dot(dag), nl=False)
