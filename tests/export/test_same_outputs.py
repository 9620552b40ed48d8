"""The exported module gives what ``taskbook run`` gives: printed lines, files, values.

For the example notebook and every notebook of the ETL corpus (copied, never
changed), with the same parameters: ``python MODULE`` against ``taskbook run
NOTEBOOK``, each in a folder of its own; random streams are seeded alike at start-up.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ETL = Path("/work/shared/corpora/etl")
OBSERVE = Path(__file__).with_name("observe.py")
ORDERS = REPO / "examples" / "data" / "orders.csv"

# Seeds random and numpy in every child process before any user code runs.
SITECUSTOMIZE = """\
import random

random.seed(2024)
try:
    import numpy
except ImportError:
    pass
else:
    numpy.random.seed(2024)
"""


def corpus() -> list[tuple[str, Path, tuple[str, ...]]]:
    cases = [
        (
            "01_etl",
            REPO / "notebooks" / "01_etl.ipynb",
            ("-p", "orders_csv", str(ORDERS), "-p", "min_quantity", "2"),
        )
    ]
    # Kale's 'pipeline-parameters' tag is not papermill's: these take no -p.
    cases += [(nb.parent.name, nb, ()) for nb in sorted(ETL.glob("*/*.ipynb"))]
    return cases


CORPUS = corpus()
ids = [name for name, _, _ in CORPUS]


def environment(root: Path, python_path: str = "") -> dict[str, str]:
    seed = root / "seed"
    seed.mkdir(exist_ok=True)
    (seed / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    paths = [str(seed), python_path, os.environ.get("PYTHONPATH", "")]
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in paths if p),
        "TASKBOOK_HOME": str(root / "home"),
        "MPLBACKEND": "Agg",
        "TASKBOOK_LOGGING_LEVEL": "WARNING",
    }


def run(
    command: list[str], cwd: Path, env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done


def files(folder: Path, leave_out: set[str]) -> dict[str, bytes]:
    """The files under ``folder`` a run wrote (``leave_out``: what was there before)."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and path.relative_to(folder).parts[0] not in leave_out
        and "__pycache__" not in path.parts
    }


def values(path: Path) -> dict[str, str | None]:
    return json.loads(path.read_text(encoding="utf-8"))


def same_values(module: dict[str, str | None], notebook: dict[str, str | None]):
    """The values the module returned equal the notebook's variables of those names."""
    assert module, "the flow returned no values"
    compared = {n: v for n, v in module.items() if v is not None}
    assert compared, "no returned value could be compared"
    assert compared == {n: notebook.get(n) for n in compared}


class Observed:
    """One notebook, exported and run both ways, in folders under ``root``."""

    def __init__(self, root: Path, source: Path, args: tuple[str, ...]) -> None:
        self.root, self.args = root, args
        self.env = environment(root)
        self.name = source.stem
        self.notebook_dir = root / "notebook"
        self.notebook_dir.mkdir()
        self.notebook = self.notebook_dir / source.name
        shutil.copyfile(source, self.notebook)
        self.before = {source.name, "home"}

    def export(self, target: str) -> Path:
        folder = self.root / f"module-{target}"
        folder.mkdir()
        module = folder / f"{self.name}.py"
        command = [sys.executable, "-m", "taskbook.cli", "export"]
        command += [str(self.notebook), "-o", str(module), "--target", target]
        run(command, self.root, self.env)
        return module

    def notebook_run(self) -> tuple[list[str], dict[str, bytes], dict[str, str | None]]:
        out = self.root / "notebook.json"
        command = [sys.executable, str(OBSERVE), "notebook", str(self.notebook)]
        done = run([*command, str(out), *self.args], self.notebook_dir, self.env)
        written = files(self.notebook_dir, self.before)
        return done.stdout.splitlines(), written, values(out)


@pytest.fixture(scope="module")
def observed_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    """Each corpus notebook run with ``taskbook run`` once, shared by both targets."""
    runs = {}
    for name, source, args in CORPUS:
        observed = Observed(tmp_path_factory.mktemp(name), source, args)
        runs[name] = (observed, observed.notebook_run())
    return runs


@pytest.mark.slow
@pytest.mark.parametrize("name", ids)
def test_the_taskbook_module_gives_what_taskbook_run_gives(name, observed_runs):
    observed, (printed, written, notebook_values) = observed_runs[name]
    module = observed.export("taskbook")
    folder = module.parent
    plain = run([sys.executable, module.name, *observed.args], folder, observed.env)
    assert plain.stdout.splitlines() == printed
    assert files(folder, {module.name, "home"}) == written
    check = observed.root / "values-taskbook"
    check.mkdir()
    shutil.copyfile(module, check / module.name)
    out = observed.root / "module-taskbook.json"
    command = [sys.executable, str(OBSERVE), "module", module.name, str(out)]
    run([*command, *observed.args], check, observed.env)
    same_values(values(out), notebook_values)
