"""The tutorials in ``notebooks/`` and what running each one must print.

Shared by the tests that execute them headless, in a kernel and in the binder
environment. ``PRINTED`` holds each tutorial's printed lines in order (its
``print`` calls, not log lines or timings): a change to them is a change the
tutorial's prose must follow, so the tests fail on it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"

PRINTED: dict[str, list[str]] = {
    "01_etl.ipynb": [
        "read 62 orders from orders.csv",
        "60 valid orders",
        "wrote ['product_totals.parquet', 'region_totals.csv']",
        "top region: north (1510.15 EUR)",
    ],
    "02_parameters.ipynb": [
        "read 62 orders",
        "16 orders in north with quantity >= 1",
        "top 2 in north: widget (99), gizmo (77)",
    ],
    "03_parallel.ipynb": [
        "temperatures: [23.4, 16.3, 24.6, 17.4, 17.4, 21.2]",
        "humidity: [46, 63, 46, 79, 78, 75]",
        "wind: [0.9, 1.3, 15.3, 1.8, 7.9, 8.7]",
        "best day: 0 (score 20.83)",
    ],
    "04_resume.ipynb": [
        "extracted 9 readings",
        "report: {'north': 24.0, 'south': 18.0, 'east': 6.5}",
    ],
    "05_prefect_code.ipynb": [
        "Paris: mean 19.0 max 21 °C",
        "Lima: mean 18.2 max 25 °C",
        "Cairo: mean 19.0 max 21 °C",
        "Oslo: mean 17.6 max 26 °C",
        "Cached {'mean': 19.0, 'max': 21, 'unit': '°C'}",
        "warmest: Paris",
        "latest run of weather: Completed",
    ],
    "06_production.ipynb": [
        "Exported 02_parameters.ipynb to output/top_products.py (target taskbook).",
        '@task(name="extract", cache_policy=NO_CACHE)',
        "def extract(orders_csv):",
        '@task(name="select", cache_policy=NO_CACHE)',
        "def select(min_quantity, orders, region):",
        '@task(name="top_products", cache_policy=NO_CACHE)',
        "def top_products(region, selected, top_n):",
        '@flow(name="02_parameters")',
        "def parameters_flow(",
        '    orders_csv: str = "../examples/data/orders.csv",',
        '    region: Literal["north", "south", "east", "west"] = "north",',
        "    min_quantity: Annotated[int, Field(ge=0, le=20)] = 1,",
        "    top_n: Annotated[int, Field(ge=1, le=5)] = 2,",
        "):",
        "read 62 orders",
        "17 orders in south with quantity >= 1",
        "top 3 in south: widget (77), gizmo (53), gadget (41)",
        "Exported 02_parameters.ipynb to output/top_products_prefect.py "
        "(target prefect).",
        "from prefect import flow, task",
        "from prefect.cache_policies import NO_CACHE",
        "from prefect.exceptions import ParameterTypeError",
        "parameters_flow.serve(",
    ],
    "07_secrets_and_alerts.ipynb": [
        "loaded a token of 14 characters: **********",
        "the run ended Failed",
        "subject: Flow run nightly-rates/nightly-rates failed",
        "authorized: True",
        "Flow 'nightly-rates', run 'nightly-rates': Failed.",
        "Failed tasks: fetch_rates-0",
        "Error: Flow run encountered an exception: ConnectionError: rates API "
        "answered 503 (simulated)",
        "Last log lines:",
        "  Beginning flow run 'nightly-rates' for flow 'nightly-rates'",
        "  calling the rates API with token **********",
        "  Task run failed with exception: ConnectionError('rates API answered 503 "
        "(simulated)')",
        "  Finished in state Failed('Flow run encountered an exception: "
        "ConnectionError: rates API answered 503 (simulated)')",
    ],
}

# Files a tutorial writes, relative to its folder.
WRITES: dict[str, list[str]] = {
    "01_etl.ipynb": ["output/region_totals.csv", "output/product_totals.parquet"],
    "06_production.ipynb": ["output/top_products.py", "output/top_products_prefect.py"],
}

_LOG_LINE = re.compile(r"^\d\d:\d\d:\d\d\.\d+ \| ")


def tutorials() -> list[str]:
    """Return the notebooks in ``notebooks/``, in order."""
    return sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def copy_project(dest: Path) -> Path:
    """Copy the tutorials and the data they read to ``dest``; return its notebooks/."""
    shutil.copytree(
        NOTEBOOKS,
        dest / "notebooks",
        ignore=shutil.ignore_patterns("output", ".taskbook", ".ipynb_checkpoints"),
    )
    shutil.copytree(REPO / "examples" / "data", dest / "examples" / "data")
    return dest / "notebooks"


def _outputs(notebook: Path) -> list[dict[str, Any]]:
    cells = json.loads(notebook.read_text())["cells"]
    return [o for c in cells if c["cell_type"] == "code" for o in c["outputs"]]


def _text(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


def printed_lines(notebook: Path, displays: bool = False) -> list[str]:
    """Return the lines an executed notebook printed, log lines left out.

    With ``displays``, the ``text/plain`` of displays and results too (in a
    kernel a task's prints are replayed as a display), in cell order.
    """
    lines: list[str] = []
    for output in _outputs(notebook):
        if output["output_type"] == "stream":
            text = _text(output["text"])
        elif not displays:
            continue
        else:
            text = _text(output.get("data", {}).get("text/plain", ""))
        lines += [ln for ln in text.splitlines() if not _LOG_LINE.match(ln)]
    return lines


def problems(notebook: Path) -> list[str]:
    """Return the error outputs and stderr lines (warnings) of an executed notebook.

    taskbook's log lines (``HH:MM:SS.fff | LEVEL | ...``) are not problems.
    """
    found = []
    for output in _outputs(notebook):
        if output["output_type"] == "error":
            found.append(f"{output['ename']}: {output['evalue']}")
        elif output["output_type"] == "stream" and output["name"] == "stderr":
            lines = _text(output["text"]).splitlines()
            found += [ln for ln in lines if not _LOG_LINE.match(ln)]
    return found


def in_order(expected: list[str], lines: list[str]) -> bool:
    """Whether ``expected`` occurs in ``lines`` as a subsequence."""
    rest = iter(lines)
    return all(any(line == want for line in rest) for want in expected)


def environment(home: Path, isolated: bool = False) -> dict[str, str]:
    """The environment of a tutorial run: its own run store, no Jupyter session.

    ``isolated`` keeps the run to the environment whose ``bin`` comes first on
    PATH: no PYTHONPATH or VIRTUAL_ENV of the caller, Jupyter dirs of its own.
    """
    env = {**os.environ, "TASKBOOK_HOME": str(home)}
    env.pop("JPY_SESSION_NAME", None)
    if isolated:
        for name in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"):
            env.pop(name, None)
        for name in ("CONFIG", "DATA", "RUNTIME"):
            env[f"JUPYTER_{name}_DIR"] = str(home / "jupyter" / name.lower())
    return env


def run_headless(
    bin_dir: Path, notebook: Path, out: Path, home: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """Run ``taskbook run NOTEBOOK OUT --cwd ITS_FOLDER ARGS`` from ``bin_dir``.

    When ``bin_dir`` is not this interpreter's, the run is isolated to it.
    """
    command = [str(bin_dir / "taskbook"), "run", str(notebook), str(out)]
    command += ["--cwd", str(notebook.parent), *args]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=environment(home, _other(bin_dir)),
        timeout=300,
        check=False,
    )


def _other(bin_dir: Path) -> bool:
    return bin_dir.resolve() != Path(sys.executable).parent.resolve()


def run_in_kernel(
    bin_dir: Path, notebook: Path, home: Path
) -> subprocess.CompletedProcess[str]:
    """Execute ``notebook`` in place in a real kernel (nbclient's ``jupyter-execute``).

    The kernel is the ``python3`` of the environment ``bin_dir`` belongs to and
    runs in the notebook's folder.
    """
    command = [str(bin_dir / "jupyter-execute"), "--inplace", "--timeout=300"]
    command += ["--kernel_name=python3", notebook.name]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=notebook.parent,
        env={**environment(home, _other(bin_dir)), "IPYTHONDIR": str(home / "ipython")},
        timeout=600,
        check=False,
    )
