"""The exported module gives what ``taskbook run`` gives: printed lines, files, values.

For every notebook in notebooks/ and in the ETL corpus (copied, never
changed), with the same parameters: ``python MODULE`` against ``taskbook run
NOTEBOOK``, each in a folder of its own; random streams are seeded alike at start-up.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.corpora import ETL
from tests.export import observe
from tests.export.running import prefect_python
from tests.export.running import prefect_server as running_prefect_server

REPO = Path(__file__).resolve().parents[2]
OBSERVE = Path(__file__).with_name("observe.py")
ORDERS = REPO / "examples" / "data" / "orders.csv"

# Seeds random and numpy in every child process before any user code runs.
SITECUSTOMIZE = """\
import importlib
import random

# Prefect's client libraries draw from the global stream (coolname for run names,
# rich when imported, websockets at each ping, from a thread): give them streams
# of their own, so that the notebook's draws are the same under every runner.
for name in ("rich.style", "websockets.asyncio.connection", "websockets.client"):
    try:
        module = importlib.import_module(name)
    except ImportError:
        continue
    if getattr(module, "random", None) is random:
        module.random = random.Random(1)
try:
    import coolname
except ImportError:
    pass
else:
    coolname.replace_random(random.Random(1))
random.seed(2024)
try:
    import numpy
except ImportError:
    pass
else:
    numpy.random.seed(2024)
"""


def corpus() -> list[tuple[str, Path, tuple[str, ...]]]:
    given = {"01_etl": ("-p", "orders_csv", str(ORDERS), "-p", "min_quantity", "2")}
    cases = [
        (nb.stem, nb, given.get(nb.stem, ()))
        for nb in sorted((REPO / "notebooks").glob("*.ipynb"))
    ]
    # Kale's 'pipeline-parameters' tag is not papermill's: these take no -p.
    cases += [(nb.parent.name, nb, ()) for nb in sorted(ETL.glob("*/*.ipynb"))]
    return cases


CORPUS = corpus()
CASES = {name: (source, args) for name, source, args in CORPUS}
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


def values(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


# Values that describe the run itself, so differ between any two runs.
RUN_OWN = {
    # A row of the run history: the latest run's id, name and times.
    "05_prefect_code": {"latest"},
}


def same_values(module: dict[str, Any], notebook: dict[str, Any], run_own: set[str]):
    """The run Completed, its values equal the notebook's variables of those names."""
    assert module.pop(observe.STATE) == "Completed"
    module.pop(observe.TASKBOOK_MODULES)
    for name in run_own:
        module.pop(name, None)
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
        # Notebooks beside it: tutorial 6 exports and runs tutorial 2's. The module
        # gets them too, as `taskbook export` writes it: next to the notebook.
        self.siblings = sorted(
            p for p in source.parent.glob("*.ipynb") if p.name != source.name
        )
        if source.parent == REPO / "notebooks":  # they read ../examples/data
            shutil.copytree(REPO / "examples", root / "examples")
            for sibling in self.siblings:
                shutil.copyfile(sibling, self.notebook_dir / sibling.name)
        else:
            self.siblings = []
        self.before = {source.name, "home", *(p.name for p in self.siblings)}
        self.reference: tuple[list[str], dict[str, bytes], dict[str, Any]] = (
            [],
            {},
            {},
        )

    def export(self, target: str) -> Path:
        folder = self.root / f"module-{target}"
        folder.mkdir()
        module = folder / f"{self.name}.py"
        command = [sys.executable, "-m", "taskbook.cli", "export"]
        command += [str(self.notebook), "-o", str(module), "--target", target]
        run(command, self.root, self.env)
        for sibling in self.siblings:
            shutil.copyfile(sibling, folder / sibling.name)
        return module

    def notebook_run(self) -> tuple[list[str], dict[str, bytes], dict[str, str | None]]:
        out = self.root / "notebook.json"
        command = [sys.executable, str(OBSERVE), "notebook", str(self.notebook)]
        done = run([*command, str(out), *self.args], self.notebook_dir, self.env)
        written = files(self.notebook_dir, self.before)
        return done.stdout.splitlines(), written, values(out)


@pytest.fixture(scope="module")
def observed_runs(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str], Observed]:
    """A corpus notebook, run with ``taskbook run`` once for both targets."""
    runs: dict[str, Observed] = {}

    def observed(name: str) -> Observed:
        if name not in runs:
            source, args = CASES[name]
            runs[name] = Observed(tmp_path_factory.mktemp(name), source, args)
            runs[name].reference = runs[name].notebook_run()
        return runs[name]

    return observed


def module_run(
    observed: Observed, target: str, python: str, env: dict[str, str]
) -> dict[str, Any]:
    """Export for ``target``, run with ``python``: assert what the notebook gave."""
    printed, written, notebook_values = observed.reference
    module = observed.export(target)
    folder = module.parent
    plain = run([python, module.name, *observed.args], folder, env)
    assert plain.stdout.splitlines() == printed
    siblings = {p.name for p in observed.siblings}
    assert files(folder, {module.name, "home", ".prefect", *siblings}) == written
    check = observed.root / f"values-{target}"
    check.mkdir()
    shutil.copyfile(module, check / module.name)
    for sibling in observed.siblings:
        shutil.copyfile(sibling, check / sibling.name)
    out = observed.root / f"module-{target}.json"
    command = [python, str(OBSERVE), "module", module.name, str(out)]
    run([*command, *observed.args], check, env)
    returned = values(out)
    taskbook_modules = returned[observe.TASKBOOK_MODULES]
    same_values(returned, notebook_values, RUN_OWN.get(observed.name, set()))
    return {"stderr": plain.stderr, "taskbook_modules": taskbook_modules}


@pytest.mark.slow
@pytest.mark.timeout(900)  # a notebook and its module run, real processes
@pytest.mark.parametrize("name", ids)
def test_the_taskbook_module_gives_what_taskbook_run_gives(name, observed_runs):
    observed = observed_runs(name)
    module_run(observed, "taskbook", sys.executable, observed.env)


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """One Prefect 3 server for every Prefect run here, its home in a tmp folder."""
    with running_prefect_server(tmp_path_factory.mktemp("prefect-home")) as env:
        yield env


# Notebooks that call taskbook's own API, which Prefect 3 has no counterpart for:
# the Prefect export refuses them, naming the cell, the line and the fix.
PREFECT_REFUSES = {
    "05_prefect_code": (
        "Cell 11, line 3 uses taskbook.runs, which --target prefect has no "
        "counterpart for. Read run history in Prefect's UI or client instead. "
        "Or export with --target taskbook."
    ),
    # Secret and a webhook block map to Prefect's, its notify_on_failure hook not.
    "07_secrets_and_alerts": (
        "Cell 12 imports notify_on_failure from taskbook.blocks.notifications, which "
        "--target prefect has no counterpart for. Write an on_failure hook that loads "
        "the block and calls its notify(). Or export with --target taskbook."
    ),
}


@pytest.mark.parametrize("name", sorted(PREFECT_REFUSES))
def test_the_prefect_export_refuses_taskbook_only_calls(name, tmp_path):
    source, _ = CASES[name]
    module = tmp_path / f"{name}.py"
    command = [sys.executable, "-m", "taskbook.cli", "export", str(source)]
    done = subprocess.run(
        [*command, "-o", str(module), "--target", "prefect"],
        capture_output=True,
        text=True,
        env=environment(tmp_path),
        check=False,
    )
    assert done.returncode == 2
    assert PREFECT_REFUSES[name] in " ".join(done.stderr.split())
    assert not module.exists()


@pytest.mark.slow
@pytest.mark.timeout(900)  # a notebook and its module run, real processes
@pytest.mark.parametrize("name", [n for n in ids if n not in PREFECT_REFUSES])
def test_the_prefect_module_runs_under_prefect_3_and_gives_the_same(
    name, observed_runs, prefect_server
):
    observed = observed_runs(name)
    env = {**observed.env, **prefect_server}
    ran = module_run(observed, "prefect", prefect_python(), env)
    assert "Finished in state Completed()" in ran["stderr"]
    assert ran["taskbook_modules"] == []
    text = (observed.root / "module-prefect" / f"{observed.name}.py").read_text()
    assert "taskbook import" not in text
    assert "import taskbook" not in text
