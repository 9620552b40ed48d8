"""``taskbook export`` of a 200-cell notebook: the whole command, in-process.

    python benchmarks/bench_export.py [--repeats N] [--cells N] [--json OUT]

The notebook is generated: a parameters cell, then groups of an import, a function,
a ``%%task`` cell with options, a plain cell with ``!cmd``/``%time`` and a cell
that shows a value. Timed (median of N, after a warm-up): ``taskbook export NB -o
FILE`` as the CLI runs it (read, translate, plan, render, write atomically).
Baseline in the same run: reading and parsing the notebook alone (nbformat, the
cells classified and their Python parsed). Target: ≤ 1 s. Every export must give
the same bytes.
"""

from __future__ import annotations

import ast
import json
import sys
import tempfile
from pathlib import Path

from _common import fmt_seconds, isolate_taskbook_home, median_time, parser, ratio

TARGET = 1.0  # seconds for the 200-cell notebook


def notebook_cells(count: int) -> list[tuple[str, list[str]]]:
    """``count`` code cells (source, tags) of the kinds real notebooks mix."""
    cells = [("rows: int = 100  # rows per batch\nlabel = 'bench'", ["parameters"])]
    group = 0
    while len(cells) < count:
        n = group
        cells += [
            (f"import math as math_{n}\nfrom statistics import mean as mean_{n}", []),
            (
                f"def scale_{n}(values, factor={n + 1}):\n"
                f'    """Scale values."""\n'
                f"    return [v * factor for v in values]",
                [],
            ),
            (
                f"%%task step_{n} --retries 1 --cache=1h\n"
                f"values_{n} = scale_{n}(list(range(rows)))\n"
                f"total_{n} = mean_{n}(values_{n}) + math_{n}.pi",
                [],
            ),
            (
                f"%time check_{n} = total_{n} * 2\n"
                f"!echo {{label}} {n}\n"
                f"print(label, check_{n})",
                [],
            ),
            (f"# show it\nvalues_{n}[:3]", []),
        ]
        group += 1
    return cells[:count]


def write_notebook(path: Path, count: int) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook(
        metadata={
            "kernelspec": {
                "name": "python3",
                "language": "python",
                "display_name": "Python 3",
            }
        }
    )
    for index, (source, tags) in enumerate(notebook_cells(count)):
        cell = nbformat.v4.new_code_cell(source)
        cell.id = f"cell-{index}"
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    nbformat.write(nb, path)


def read_and_parse(path: Path) -> None:
    """The baseline: what any tool must do to look at the notebook's code."""
    from taskbook.notebook.prepared import prepare_notebook

    for spec in prepare_notebook(str(path)).specs:
        try:
            ast.parse(spec.body)
        except SyntaxError:
            pass  # IPython syntax: parsed by the export's translation


def export(path: Path, out: Path) -> None:
    from taskbook.cli.main import main

    try:
        main(["export", str(path), "-o", str(out)])
    except SystemExit as exit_:
        if exit_.code:
            raise SystemExit(f"export failed with exit code {exit_.code}") from None


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--cells", type=int, default=200, help="code cells in the notebook")
    args = p.parse_args()
    isolate_taskbook_home()
    folder = Path(tempfile.mkdtemp(prefix="taskbook-export-bench-"))
    notebook = folder / "big.ipynb"
    write_notebook(notebook, args.cells)
    outputs = [folder / f"big_{i}.py" for i in range(args.repeats + 1)]
    runs = iter(outputs)

    baseline = median_time(lambda: read_and_parse(notebook), args.repeats)
    exported = median_time(lambda: export(notebook, next(runs)), args.repeats)
    texts = {out.read_bytes() for out in outputs}
    if len(texts) != 1:
        raise SystemExit("the exports differ: the output is not deterministic")
    lines = next(iter(texts)).count(b"\n")

    met = "met" if exported <= TARGET else "**missed**"
    print(f"export of a {args.cells}-cell notebook ({lines} lines of module):")
    print(f"  taskbook export (median of {args.repeats}): {fmt_seconds(exported)}")
    print(f"  baseline, read + parse the notebook:  {fmt_seconds(baseline)}")
    print(f"  ratio: {ratio(exported, baseline)}; target ≤ {TARGET:.0f} s ({met})")
    print(f"  {args.repeats + 1} exports, byte-identical: yes")
    if args.json:
        figures = {
            "taskbook": {"export_s": exported},
            "baseline": {"read_parse_s": baseline},
            "cells": args.cells,
            "target_s": TARGET,
        }
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    sys.exit(main())
