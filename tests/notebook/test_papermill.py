"""papermill's conventions, checked against papermill itself (its CLI, --prepare-only).

``--prepare-only`` makes papermill merge, type and inject the parameters and write the
notebook without starting a kernel, so these comparisons need no mocks.
"""

from __future__ import annotations

import base64
import datetime as dt
import importlib.util
import math
from pathlib import Path
from typing import Any

import nbformat
import pytest
from click.testing import CliRunner
from papermill.cli import _resolve_type
from papermill.cli import papermill as papermill_cli
from papermill.translators import PythonTranslator
from tests.corpora import PAPERMILL

from taskbook.core.parameter_parsing import parse_parameters
from taskbook.errors import ParameterSourceError
from taskbook.notebook.papermill import (
    INJECTED_TAG,
    help_lines,
    inject_parameters,
    load_yaml,
    merge_parameters,
    parameters_source,
    python_literal,
    resolve_type,
)
from taskbook.notebook.read import read_notebook

EXAMPLE_YAML = str(PAPERMILL / "example.yaml")
EXAMPLE_JSON = str(PAPERMILL / "example.json")
BLACK_INSTALLED = importlib.util.find_spec("black") is not None


def papermill_prepare(tmp_path: Path, notebook: Path, args: list[str]) -> Any:
    """Run real papermill with --prepare-only; return the notebook it wrote."""
    out = tmp_path / "papermill-out.ipynb"
    result = CliRunner().invoke(
        papermill_cli, [str(notebook), str(out), "--prepare-only", *args]
    )
    assert result.exit_code == 0, result.output
    return nbformat.read(out, as_version=4)


# --- -p typing -----------------------------------------------------------------------

RESOLVE_INPUTS = [
    "True",
    "False",
    "None",
    "true",
    "none",
    "12.51",
    "10",
    "-23",
    "1_000",
    " 5 ",
    "1e3",
    "nan",
    "-inf",
    "0x10",
    "007",
    "hello world",
    "😍",
    "",
    "1.2.3",
    "[1, 2]",
]


@pytest.mark.parametrize("text", RESOLVE_INPUTS)
def test_p_values_are_typed_as_papermill_types_them(text: str) -> None:
    ours, theirs = resolve_type(text), _resolve_type(text)
    assert type(ours) is type(theirs)
    assert ours == theirs or (
        isinstance(ours, float) and math.isnan(ours) and math.isnan(theirs)
    )


# --- merging -------------------------------------------------------------------------

B64 = base64.b64encode(b'{"base64_foo": "base64_bar", "foo": "from-b64"}').decode()

MERGE_CASES = {
    "typed -p": (
        ["-p", "foo", "bar", "--parameters", "baz", "42"],
        {"values": [("foo", "bar"), ("baz", "42")]},
    ),
    "raw -r": (
        ["-r", "foo", "bar", "--parameters_raw", "baz", "42"],
        {"raw": [("foo", "bar"), ("baz", "42")]},
    ),
    "files, last wins": (
        ["-f", EXAMPLE_YAML, "--parameters_file", EXAMPLE_JSON],
        {"files": [EXAMPLE_YAML, EXAMPLE_JSON]},
    ),
    "files, other order": (
        ["-f", EXAMPLE_JSON, "-f", EXAMPLE_YAML],
        {"files": [EXAMPLE_JSON, EXAMPLE_YAML]},
    ),
    "yaml texts": (
        ["-y", '{"foo": "bar"}', "--parameters_yaml", '{"foo2": ["baz"]}'],
        {"yaml_texts": ['{"foo": "bar"}', '{"foo2": ["baz"]}']},
    ),
    "yaml override": (
        ["-y", '{"foo": "bar"}', "-y", '{"foo": ["baz"]}'],
        {"yaml_texts": ['{"foo": "bar"}', '{"foo": ["baz"]}']},
    ),
    "yaml dates stay strings": (
        ["-y", "a_date: 2019-01-01"],
        {"yaml_texts": ["a_date: 2019-01-01"]},
    ),
    "-p beats -f and -y whatever the order": (
        ["-p", "foo", "1", "-y", "foo: 2", "-f", EXAMPLE_JSON],
        {"values": [("foo", "1")], "yaml_texts": ["foo: 2"], "files": [EXAMPLE_JSON]},
    ),
    "-y beats -f whatever the order": (
        ["-y", "foo: 2", "-f", EXAMPLE_YAML],
        {"yaml_texts": ["foo: 2"], "files": [EXAMPLE_YAML]},
    ),
    "-r beats -p": (
        ["-r", "foo", "1", "-p", "foo", "2"],
        {"raw": [("foo", "1")], "values": [("foo", "2")]},
    ),
    "base64 loses to everything": (
        ["-b", B64, "-y", "foo: from-yaml"],
        {"base64_texts": [B64], "yaml_texts": ["foo: from-yaml"]},
    ),
    "everything at once": (
        [
            "-f",
            EXAMPLE_YAML,
            "-y",
            '{"yaml_foo": {"yaml_bar": "yaml_baz"}}',
            "-b",
            B64,
            "-p",
            "baz",
            "replace",
            "-r",
            "foo",
            "54321",
        ],
        {
            "files": [EXAMPLE_YAML],
            "yaml_texts": ['{"yaml_foo": {"yaml_bar": "yaml_baz"}}'],
            "base64_texts": [B64],
            "values": [("baz", "replace")],
            "raw": [("foo", "54321")],
        },
    ),
}


@pytest.mark.parametrize("case", MERGE_CASES, ids=list(MERGE_CASES))
def test_merging_matches_papermill(tmp_path: Path, case: str) -> None:
    args, ours = MERGE_CASES[case]
    theirs = papermill_prepare(tmp_path, PAPERMILL / "simple_execute.ipynb", args)
    assert merge_parameters(**ours) == theirs.metadata.papermill.parameters


def test_merging_empty_sources_gives_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("#empty")
    merged = merge_parameters(
        files=[empty], yaml_texts=["#empty"], base64_texts=["I2VtcHR5"]
    )
    assert merged == {}


def test_text_parameters_keep_the_text_as_typed() -> None:
    merged = merge_parameters(
        values=[("version", "1.10"), ("n", "1.10")], text_names=["version"]
    )
    assert merged == {"version": "1.10", "n": 1.1}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"yaml_texts": ["[1, 2]"]},
            r"Cannot read parameters from -y '\[1, 2\]': it is a list, not a mapping\.",
        ),
        (
            {"yaml_texts": ["a: [1"]},
            r"Cannot read parameters from -y 'a: \[1': invalid YAML",
        ),
        (
            {"files": ["/nonexistent/params.yaml"]},
            r"Cannot read parameters from file '/nonexistent/params.yaml': No such file or directory\.",
        ),
        (
            {"base64_texts": ["%%%"]},
            r"Cannot read parameters from -b '%%%': invalid base64",
        ),
    ],
    ids=["yaml-list", "yaml-broken", "missing-file", "bad-base64"],
)
def test_unreadable_parameter_sources_name_the_source_and_the_fix(
    kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ParameterSourceError, match=message) as info:
        merge_parameters(**kwargs)
    assert str(info.value).endswith(
        "Pass a YAML (or JSON) mapping of parameter names to values, such as 'n: 500'."
    )


def test_load_yaml_keeps_papermill_types() -> None:
    assert load_yaml("a: 1\nb: 1.5\nc: true\nd: null\ne: 2019-01-01\nf: [1, x]") == {
        "a": 1,
        "b": 1.5,
        "c": True,
        "d": None,
        "e": "2019-01-01",
        "f": [1, "x"],
    }


# --- the injected cell ---------------------------------------------------------------

LITERALS = [
    None,
    "plain",
    'quote " and \\ backslash',
    "new\nline",
    "ünïcode 😍",
    True,
    False,
    0,
    -7,
    10**30,
    2.5,
    float("nan"),
    float("inf"),
    float("-inf"),
    [1, "a", None],
    {"k": [1, {"n": 2.0}], "other": "v"},
    [],
    {},
]


@pytest.mark.parametrize("value", LITERALS, ids=[repr(v) for v in LITERALS])
def test_values_are_written_as_papermills_python_translator_writes_them(
    value: Any,
) -> None:
    assert python_literal(value) == PythonTranslator.translate(value)


def test_written_values_evaluate_back_to_the_value() -> None:
    for value in LITERALS:
        if isinstance(value, float) and math.isnan(value):
            continue
        assert eval(python_literal(value)) == value


def test_dates_are_written_as_datetime_calls_with_the_import() -> None:
    source = parameters_source({"day": dt.date(2024, 1, 31), "n": 1})
    assert (
        source
        == "# Parameters\nimport datetime\nday = datetime.date(2024, 1, 31)\nn = 1\n"
    )
    namespace: dict[str, Any] = {}
    exec(source, namespace)
    assert namespace["day"] == dt.date(2024, 1, 31)


@pytest.mark.skipif(
    BLACK_INSTALLED, reason="papermill formats with black when it is installed"
)
def test_injected_source_matches_papermill_codify() -> None:
    parameters = {"msg": "hello", "n": 3, "xs": [1.5, None], "d": {"a": True}}
    assert parameters_source(parameters) == PythonTranslator.codify(parameters)


@pytest.mark.parametrize(
    "notebook",
    [
        "simple_execute.ipynb",
        "no_parameters.ipynb",
        "complex_parameters.ipynb",
        "report_mode_test.ipynb",
    ],
)
def test_injected_cell_goes_where_papermill_puts_it(
    tmp_path: Path, notebook: str
) -> None:
    theirs = papermill_prepare(
        tmp_path, PAPERMILL / notebook, ["-p", "msg", "hi", "-p", "n", "2"]
    )
    nb, cells = read_notebook(PAPERMILL / notebook)
    params = next((c.id for c in cells if "parameters" in c.tags), None)
    ours, injected_id = inject_parameters(nb, {"msg": "hi", "n": 2}, params)
    assert [c.source for c in ours.cells] == [c.source for c in theirs.cells]
    assert [c.metadata.get("tags", []) for c in ours.cells] == [
        c.metadata.get("tags", []) for c in theirs.cells
    ]
    position = [c.id for c in ours.cells].index(injected_id)
    assert ours.cells[position].metadata.tags == [INJECTED_TAG]
    assert len(nb.cells) == len(ours.cells) - 1  # the input is left unchanged
    nbformat.validate(ours)


def test_an_earlier_injected_cell_is_replaced_in_place(tmp_path: Path) -> None:
    first = papermill_prepare(
        tmp_path, PAPERMILL / "simple_execute.ipynb", ["-p", "msg", "one"]
    )
    previous = tmp_path / "previous.ipynb"
    nbformat.write(first, previous)
    theirs = papermill_prepare(tmp_path, previous, ["-p", "msg", "two"])
    nb, _ = read_notebook(previous)
    ours, injected_id = inject_parameters(nb, {"msg": "two"}, nb.cells[0].id)
    assert [c.source for c in ours.cells] == [c.source for c in theirs.cells]
    assert injected_id == nb.cells[1].id  # the replaced cell keeps its id


def test_injection_follows_a_params_cell_that_is_not_tagged(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import os"),
        nbformat.v4.new_code_cell("%%params\nn = 1"),
        nbformat.v4.new_code_cell("print(n)"),
    ]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    loaded, cells = read_notebook(path)
    injected, injected_id = inject_parameters(loaded, {"n": 5}, cells[1].id)
    assert [c.source for c in injected.cells] == [
        "import os",
        "%%params\nn = 1",
        "# Parameters\nn = 5\n",
        "print(n)",
    ]
    assert injected.cells[2].id == injected_id == "injected-parameters"


# --- --help-notebook -----------------------------------------------------------------


@pytest.mark.parametrize("notebook", ["simple_execute.ipynb", "no_parameters.ipynb"])
def test_help_matches_papermill_help_notebook(notebook: str) -> None:
    path = str(PAPERMILL / notebook)
    result = CliRunner().invoke(papermill_cli, ["--help-notebook", path])
    theirs = result.output.splitlines()
    _nb, cells = read_notebook(path)
    params = next((c for c in cells if "parameters" in c.tags), None)
    specs = parse_parameters(params.source) if params is not None else None
    ours = "\n".join(help_lines(specs, path, "USAGE")).splitlines()
    assert ours[1:] == theirs[1:]
    assert ours[0] == "USAGE"


def test_help_shows_descriptions_and_constraints() -> None:
    specs = parse_parameters(
        "n: int = Param(100, min=1, max=1000)  # rows to load\n"
        "mode = Param('fast', options=['fast', 'slow'])\n"
        "cols = Param(['a'], options=['a', 'b'])\n"
        "a_rather_long_parameter_name = 'x'  # long\n"
    )
    assert help_lines(specs, "etl.ipynb", "USAGE") == [
        "USAGE",
        "\nParameters inferred for notebook 'etl.ipynb':",
        "  n: int (default 100)            rows to load (min 1; max 1000)",
        "  mode: str (default 'fast')      (one of 'fast', 'slow')",
        "  cols: list (default ['a'])      (with items from 'a', 'b')",
        "  a_rather_long_parameter_name: str (default 'x')\n" + " " * 34 + "long",
    ]


def test_help_for_a_cell_without_declarations() -> None:
    assert help_lines((), "x.ipynb", "USAGE")[-1] == (
        "\n  Can't infer anything about this notebook's parameters. "
        "It may not have any parameter defined."
    )


def test_parsed_parameters_agree_with_papermills_inspection() -> None:
    nb, cells = read_notebook(PAPERMILL / "complex_parameters.ipynb")
    theirs = PythonTranslator.inspect(nb.cells[0])
    ours = {s.name: s for s in parse_parameters(cells[0].source)}
    for parameter in theirs:
        assert (ours[parameter.name].description or "") == parameter.help
    # papermill's line regex misses `d = a == 3`; the AST does not.
    assert [p.name for p in theirs] == ["msg", "a", "b", "c"]
    assert list(ours) == ["msg", "a", "b", "c", "d"]
