"""papermill's parameter conventions: typing, merging, the injected cell, notebook help.

Follows papermill 2.x (``papermill/cli.py``, ``parameterize.py``, ``translators.py``,
``inspection.py``): ``-p`` values typed by ``_resolve_type``, ``-r`` raw strings, YAML
without implicit dates, merge order base64 < files < YAML < ``-p`` < ``-r`` (last wins
within each), and an ``injected-parameters`` cell that replaces an earlier one or
follows the parameters cell. Where taskbook differs it says so at the function.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime as dt
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import nbformat
import yaml
from nbformat import NotebookNode

from taskbook.core.parameter_specs import ParameterSpec, describe_constraints
from taskbook.errors import ParameterSourceError

__all__ = (
    "INJECTED_TAG",
    "PARAMETERS_TAG",
    "help_lines",
    "inject_parameters",
    "load_yaml",
    "merge_parameters",
    "parameters_source",
    "python_literal",
    "read_parameters_file",
    "resolve_type",
)

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"
NO_PARAMETERS_CELL = "\n  No cell tagged 'parameters'"
NO_PARAMETERS_FOUND = (
    "\n  Can't infer anything about this notebook's parameters. "
    "It may not have any parameter defined."
)


class _NoDatesSafeLoader(yaml.SafeLoader):
    """papermill's ``NoDatesSafeLoader``: ``2019-01-01`` stays the string it was."""

    yaml_implicit_resolvers = {  # noqa: RUF012 - the attribute PyYAML reads
        key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def resolve_type(text: str) -> Any:
    """Type a ``-p`` value exactly as papermill's ``_resolve_type`` does.

    ``True``/``False``/``None`` become those constants, then whatever ``int()`` accepts
    becomes an int (``"1_000"`` and ``" 5 "`` included), then whatever ``float()``
    accepts a float (``"nan"``, ``"1e3"``), else the text stays a string.
    """
    if text == "True":
        return True
    if text == "False":
        return False
    if text == "None":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def load_yaml(text: str, source: str = "-y") -> dict[str, Any]:
    """Parse YAML parameters as papermill does (no implicit dates; empty is ``{}``).

    Raises:
        ParameterSourceError: The text is not YAML or not a mapping.
    """
    try:
        value = yaml.load(text, Loader=_NoDatesSafeLoader)
    except yaml.YAMLError as error:
        problem = str(error).replace("\n", " ")
        raise ParameterSourceError.from_source(
            source, f"invalid YAML ({problem})"
        ) from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ParameterSourceError.from_source(
            source, f"it is a {type(value).__name__}, not a mapping"
        )
    return value


def read_parameters_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a ``-f`` YAML/JSON parameters file.

    Raises:
        ParameterSourceError: The file is missing, unreadable, or not a mapping.
    """
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ParameterSourceError.from_source(f"file {name!r}", reason) from None
    return load_yaml(text, f"file {name!r}")


def merge_parameters(
    *,
    base64_texts: Iterable[str] = (),
    files: Iterable[str | os.PathLike[str]] = (),
    yaml_texts: Iterable[str] = (),
    values: Iterable[tuple[str, str]] = (),
    raw: Iterable[tuple[str, str]] = (),
    text_names: Iterable[str] = (),
) -> dict[str, Any]:
    """Merge command-line parameters in papermill's order; later sources win.

    The order is fixed, whatever the order on the command line: ``-b`` base64 YAML,
    ``-f`` files, ``-y`` YAML, ``-p`` typed values, ``-r`` raw strings.

    Args:
        base64_texts: ``-b`` values.
        files: ``-f`` paths.
        yaml_texts: ``-y`` values.
        values: ``-p NAME VALUE`` pairs, typed by ``resolve_type``.
        raw: ``-r NAME VALUE`` pairs, kept as strings.
        text_names: Parameters declared as ``str``: their ``-p`` value keeps the text
            as typed (taskbook differs from papermill here: ``-p version 1.10`` gives
            ``"1.10"``, not ``1.1``, when the notebook declares ``version: str``).

    Returns:
        Parameter values by name, in the order they were first set.

    Raises:
        ParameterSourceError: A file, YAML or base64 value cannot be read.
    """
    merged: dict[str, Any] = {}
    for text in base64_texts:
        try:
            decoded = base64.b64decode(text, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as error:
            raise ParameterSourceError.from_source(
                f"-b {text!r}", f"invalid base64 ({error})"
            ) from None
        merged.update(load_yaml(decoded, f"-b {text!r}"))
    for path in files:
        merged.update(read_parameters_file(path))
    for text in yaml_texts:
        merged.update(load_yaml(text, f"-y {text!r}"))
    keep_text = frozenset(text_names)
    for name, value in values:
        merged[name] = value if name in keep_text else resolve_type(value)
    for name, value in raw:
        merged[name] = value
    return merged


# --- the injected cell --------------------------------------------------------------


def python_literal(value: Any) -> str:
    """Return Python source for ``value`` as papermill's ``PythonTranslator`` writes it.

    Dates and datetimes (which papermill writes as strings) become
    ``datetime.date(...)``/``datetime.datetime(...)``; ``parameters_source`` adds the
    import.
    """
    if value is None:
        return "None"
    if isinstance(value, str):
        return _escaped(value)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return str(value)
        if math.isnan(value):
            return "float('nan')"
        return "float('-inf')" if value < 0 else "float('inf')"
    if isinstance(value, dict):
        items = ", ".join(
            f"{_escaped(k)}: {python_literal(v)}" for k, v in value.items()
        )
        return f"{{{items}}}"
    if isinstance(value, list):
        return f"[{', '.join(python_literal(v) for v in value)}]"
    if isinstance(value, (dt.date, dt.datetime)):
        return repr(value)  # "datetime.date(2024, 1, 31)"
    return _escaped(value)


def _escaped(value: Any) -> str:
    """papermill's ``translate_escaped_str``: non-strings are formatted unescaped."""
    if isinstance(value, str):
        value = value.encode("unicode_escape").decode("utf-8").replace('"', r"\"")
    return f'"{value}"'


def parameters_source(
    parameters: Mapping[str, Any], comment: str = "Parameters"
) -> str:
    """Return the injected cell's source: ``# Parameters`` then one assignment a line.

    papermill formats this with black when black is installed; taskbook does not.
    """
    lines = [f"# {comment}".strip()]
    if any(_has_date(v) for v in parameters.values()):
        lines.append("import datetime")
    lines.extend(
        f"{name} = {python_literal(value)}" for name, value in parameters.items()
    )
    return "\n".join(lines) + "\n"


def _has_date(value: Any) -> bool:
    if isinstance(value, dt.date):
        return True
    if isinstance(value, dict):
        return any(_has_date(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_date(v) for v in value)
    return False


def inject_parameters(
    nb: NotebookNode,
    parameters: Mapping[str, Any],
    params_cell_id: str | None,
) -> tuple[NotebookNode, str]:
    """Return a copy of ``nb`` with an ``injected-parameters`` cell, and that cell's id.

    As papermill: an existing injected cell is replaced in place; otherwise the new
    cell follows the parameters cell (``params_cell_id``: the tagged cell or the
    ``%%params`` cell); with neither it goes first.

    Args:
        nb: A notebook from ``read_notebook`` (unchanged).
        parameters: The values to inject, in order.
        params_cell_id: Id of the notebook's parameters cell, if any.
    """
    result = copy.deepcopy(nb)
    cell = nbformat.v4.new_code_cell(source=parameters_source(parameters))
    cell.metadata["tags"] = [INJECTED_TAG]
    ids = [c.get("id") for c in result.cells]
    injected = _first_tagged(result.cells, INJECTED_TAG)
    if injected is not None:
        cell.id = result.cells[injected].id
        result.cells[injected] = cell
        return result, cell.id
    cell.id = _unique_id(INJECTED_TAG, ids)
    position = ids.index(params_cell_id) + 1 if params_cell_id in ids else 0
    result.cells.insert(position, cell)
    return result, cell.id


def _first_tagged(cells: Sequence[NotebookNode], tag: str) -> int | None:
    for position, cell in enumerate(cells):
        if tag in cell.get("metadata", {}).get("tags", []):
            return position
    return None


def _unique_id(base: str, taken: Iterable[Any]) -> str:
    used = set(taken)
    candidate, suffix = base, 0
    while candidate in used:
        suffix += 1
        candidate = f"{base}-{suffix}"
    return candidate


# --- --help-notebook ------------------------------------------------------------------


def help_lines(
    specs: Sequence[ParameterSpec] | None, notebook_path: str, usage: str
) -> list[str]:
    """Return the ``--help-notebook`` text as papermill's ``display_notebook_help``.

    Each line is one ``click.echo`` call. Types are taskbook's (``int``, ``list``...;
    ``Unknown type`` for ``any``); constraints from ``Param`` follow the description.

    Args:
        specs: The declared parameters, or ``None`` when there is no parameters cell.
        notebook_path: The path as the user gave it.
        usage: The command's usage line.
    """
    lines = [usage, f"\nParameters inferred for notebook '{notebook_path}':"]
    if specs is None:
        return [*lines, NO_PARAMETERS_CELL]
    if not specs:
        return [*lines, NO_PARAMETERS_FOUND]
    for spec in specs:
        type_repr = "Unknown type" if spec.type_name == "any" else spec.type_name
        definition = f"  {spec.name}: {type_repr} (default {_flat(spec)})"
        text = _help(spec)
        if len(definition) > 30:
            lines.append(f"{definition}\n{34 * ' '}{text}" if text else definition)
        else:
            lines.append(f"{definition:<34}{text}")
    return lines


def _flat(spec: ParameterSpec) -> str:
    """Flatten a multi-line default as papermill does (comments dropped, lines joined)."""
    if not spec.default_source:
        return repr(spec.default)
    if "\n" not in spec.default_source:
        return spec.default_source
    parts = [line.split("#", 1)[0].strip() for line in spec.default_source.splitlines()]
    return "".join(parts)


def _help(spec: ParameterSpec) -> str:
    bounds, options = describe_constraints(spec, "min", "max")
    limits = [*bounds, options] if options else bounds
    text = spec.description or ""
    if limits:
        text = f"{text} ({'; '.join(limits)})".strip()
    return text
