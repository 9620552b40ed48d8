"""The module an export writes, compared whole (STYLE §7: snapshots)."""

from __future__ import annotations

from inline_snapshot import snapshot
from tests.export.conftest import export_text

SMALL = [
    "%load_ext taskbook",
    (
        "n: int = Param(3, min=1, max=10, description='how many numbers')\n"
        "label = 'run'  # what to call it",
        ["parameters"],
    ),
    "import json",
    "factor = 2",
    "def scaled(x):\n    return x * factor",
    "%%task numbers --retries 2 --retry-delay 0.5 --cache=1h\n"
    "numbers = [scaled(i) for i in range(n)]\n"
    "print(label, numbers)",
    '%%task total --no-cache\ntotal = sum(numbers)\nprint(json.dumps({"total": total}))',
    "total",
]


def test_a_notebook_becomes_tasks_functions_and_a_flow_in_notebook_order():
    assert export_text(SMALL, notebook="small.ipynb") == snapshot('''\
"""The notebook small.ipynb as a flow (taskbook export --target taskbook).

Run it with python; papermill's -p NAME VALUE sets a parameter (--help lists
the options). A `# %% [cell N id=...]` comment marks the notebook cell the
code below it comes from.
"""

import json
from datetime import timedelta
from typing import Annotated

from pydantic import Field
from taskbook import flow, task
from taskbook.cache_policies import INPUTS, NO_CACHE, TASK_SOURCE
from taskbook.exceptions import ParameterTypeError


# %% [cell 5 id=c4]
def scaled(x, *, factor):
    return x * factor


# %% [cell 6 id=c5] %%task numbers --retries 2 --retry-delay 0.5 --cache=1h
@task(
    name="numbers",
    cache_policy=INPUTS + TASK_SOURCE,
    cache_expiration=timedelta(hours=1),
    retries=2,
    retry_delay_seconds=0.5,
)
def numbers_task(factor, label, n):
    numbers = [scaled(i, factor=factor) for i in range(n)]
    print(label, numbers)
    return numbers


# %% [cell 7 id=c6] %%task total --no-cache
@task(name="total", cache_policy=NO_CACHE)
def total_task(numbers):
    total = sum(numbers)
    print(json.dumps({"total": total}))
    return total


@flow(name="small")
def small(n: Annotated[int, Field(ge=1, le=10)] = 3, label: str = "run"):
    """Run the cells of small.ipynb in order, tasks as tasks.

    Args:
        n: how many numbers
        label: what to call it
    """

    # %% [cell 1 id=c0] dropped: taskbook's own magics (%load_ext taskbook)

    # %% [cell 4 id=c3]
    factor = 2

    numbers = numbers_task(factor, label, n)

    total = total_task(numbers)

    # %% [cell 8 id=c7]
    # total  (the notebook shows this value)

    return {"factor": factor, "numbers": numbers, "total": total}


def main(argv: list[str] | None = None) -> None:
    """Run the flow once; parameters as papermill takes them."""
    import argparse

    def typed(text: str) -> object:
        """Type a -p value as papermill does: True/False/None, int, float, or text."""
        constants = {"True": True, "False": False, "None": None}
        if text in constants:
            return constants[text]
        for kind in (int, float):
            try:
                return kind(text)
            except ValueError:
                continue
        return text

    names = ("n", "label")
    text_parameters = ("label",)
    parser = argparse.ArgumentParser(description="Run the flow of small.ipynb.")
    parser.add_argument(
        "-p",
        "--parameters",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="set a parameter, typed as papermill types it (1, 1.5, True, None, text)",
    )
    parser.add_argument(
        "-r",
        "--parameters_raw",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="set a parameter to the value as a string",
    )
    parser.add_argument(
        "-f",
        "--parameters_file",
        action="append",
        default=[],
        metavar="FILE",
        help="YAML or JSON file of parameters",
    )
    parser.add_argument(
        "-y",
        "--parameters_yaml",
        action="append",
        default=[],
        metavar="YAML",
        help="YAML text of parameters",
    )
    arguments = parser.parse_args(argv)
    parameters: dict[str, object] = {}
    texts = []
    for path in arguments.parameters_file:
        with open(path, encoding="utf-8") as file:
            texts.append(file.read())
    texts += arguments.parameters_yaml
    if texts:
        import yaml

        class Loader(yaml.SafeLoader):
            """YAML as papermill reads parameters: dates stay strings."""

        Loader.yaml_implicit_resolvers = {
            key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
            for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
        }

        for text in texts:
            parameters.update(yaml.load(text, Loader=Loader) or {})
    for name, value in arguments.parameters:
        parameters[name] = value if name in text_parameters else typed(value)
    parameters.update(dict(arguments.parameters_raw))
    unknown = sorted(set(parameters) - set(names))
    if unknown:
        taken = ", ".join(names) or "none"
        parser.error(f"unknown parameter {unknown[0]!r}; the flow takes: {taken}")
    try:
        small(**parameters)
    except ParameterTypeError as error:
        parser.error(str(error))


if __name__ == "__main__":
    main()
''')


def test_the_prefect_module_differs_only_in_the_framework_it_imports():
    taskbook = export_text(SMALL).splitlines()
    prefect = export_text(SMALL, "prefect").splitlines()
    assert len(prefect) == len(taskbook)
    assert [(a, b) for a, b in zip(taskbook, prefect, strict=True) if a != b] == (
        snapshot(
            [
                (
                    '"""The notebook nb.ipynb as a flow (taskbook export --target taskbook).',
                    '"""The notebook nb.ipynb as a flow (taskbook export --target prefect).',
                ),
                ("from pydantic import Field", "from prefect import flow, task"),
                (
                    "from taskbook import flow, task",
                    "from prefect.cache_policies import INPUTS, NO_CACHE, TASK_SOURCE",
                ),
                (
                    "from taskbook.cache_policies import INPUTS, NO_CACHE, TASK_SOURCE",
                    "from prefect.exceptions import ParameterTypeError",
                ),
                (
                    "from taskbook.exceptions import ParameterTypeError",
                    "from pydantic import Field",
                ),
            ]
        )
    )
