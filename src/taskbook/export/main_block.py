"""The exported module's command line: ``python flow.py -p NAME VALUE ...``.

papermill's parameter options, merged in papermill's order (``-f`` files, then
``-y`` YAML, then ``-p`` typed as papermill types them, then ``-r`` raw text; the
last value wins); an unknown name or a value the flow's signature rejects exits
2 with the message. The code is written out whole into each module (an export
to Prefect cannot import taskbook), already formatted. Pure text.
"""

from __future__ import annotations

from collections.abc import Sequence

from taskbook.export.layout import bracket, str_literal

__all__ = ("MAIN_LOCALS", "main_lines")

MAIN_LOCALS = frozenset(
    {
        *("argparse", "arguments", "asyncio", "constants", "error", "file", "key"),
        *("kind", "Loader", "name", "names", "parameters", "parser", "path", "r"),
        *("resolvers", "sys", "taken", "text", "text_parameters", "texts", "typed"),
        *("unknown", "value", "yaml", "Cron", "Interval", "RRule", "datetime"),
    }
)
"""Names ``main`` binds locally (the serve lines' schedule classes too): ``main``
calls the flow's function, so that function must not take one of these names."""

_OPTIONS = '''\
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
'''

_TYPED = '''\
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
'''

_SHELL = """\
    # Shell commands write straight to stdout; a print waiting in Python's buffer
    # would show after them. Flushed at each line, output keeps the notebook's order.
    import sys

    sys.stdout.reconfigure(line_buffering=True)
"""


def main_lines(
    *,
    main: str,
    description: str,
    names: Sequence[str],
    text_names: Sequence[str],
    run: Sequence[str],
    parameter_error: str,
    shell: bool = False,
) -> list[str]:
    """Return the lines of ``def main(argv)`` and the ``__main__`` guard.

    Args:
        main: The function's name.
        description: ``--help``'s description.
        names: The flow's parameter names.
        text_names: Parameters whose ``-p`` value stays text (declared ``str``).
        run: The statements that run the flow with ``parameters`` (indented by 8).
        parameter_error: The name of the framework's ``ParameterTypeError``.
        shell: The flow runs shell commands: flush prints at each line.
    """
    quoted = [str_literal(n) for n in names]
    text = [str_literal(n) for n in text_names]
    lines = [
        f"def {main}(argv: list[str] | None = None) -> None:",
        '    """Run the flow once; parameters as papermill takes them."""',
        "    import argparse",
        "",
        *_TYPED.splitlines(),
        "",
        *bracket("names = ", quoted, indent="    ", collection=True),
        *bracket("text_parameters = ", text, indent="    ", collection=True),
        *bracket(
            "parser = argparse.ArgumentParser",
            [f"description={str_literal(description)}"],
            indent="    ",
        ),
        *_OPTIONS.splitlines(),
        *(_SHELL.splitlines() if shell else ()),
        "    try:",
        *run,
        f"    except {parameter_error} as error:",
        "        parser.error(str(error))",
        "",
        "",
        'if __name__ == "__main__":',
        f"    {main}()",
    ]
    return [_tuple_fix(line) for line in lines]


def _tuple_fix(line: str) -> str:
    """``names = (\"a\")`` is a string, not a tuple: a single item needs a comma."""
    stripped = line.strip()
    if stripped.endswith(")") and " = (" in stripped and "," not in stripped:
        inner = stripped.split(" = (", 1)[1][:-1]
        if inner:
            return line[: len(line) - 1] + ",)"
    return line
