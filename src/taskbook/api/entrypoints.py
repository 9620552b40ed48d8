"""Load a flow from ``path/to/file.py:flow_name`` (Prefect's entrypoint form) and
check parameters against its signature before anything runs.

Loading imports the file as a module of its own name (its folder first on
``sys.path``, as ``python file.py`` would have it), so its top-level code runs.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from taskbook.api.flows import Flow
from taskbook.errors import (
    FlowEntrypointError,
    MissingFlowError,
    ParameterTypeError,
    ParameterValueError,
    ScriptError,
    UnknownParameterError,
)

__all__ = ("check_flow_parameters", "load_flow_from_entrypoint", "split_entrypoint")


def split_entrypoint(entrypoint: str) -> tuple[Path, str] | None:
    """Return ``(file, flow name)`` of ``file.py:name``, or None if it is not one."""
    path, sep, name = entrypoint.rpartition(":")
    if not sep or not path.endswith(".py") or not name.isidentifier():
        return None
    return Path(path), name


def load_flow_from_entrypoint(entrypoint: str) -> Flow[Any, Any]:
    """Import ``file.py`` and return its flow ``name``.

    Raises:
        FlowEntrypointError: The file is missing or no module.
        ScriptError: Importing the file raised (a FlowEntrypointError).
        MissingFlowError: ``name`` is not a taskbook ``@flow`` in it (one too).
    """
    parts = split_entrypoint(entrypoint)
    if parts is None:
        raise FlowEntrypointError.from_entrypoint(entrypoint, "it is not PATH.py:NAME")
    path, name = parts
    if not path.is_file():
        raise FlowEntrypointError.from_entrypoint(entrypoint, f"{path} does not exist")
    module_name = f"taskbook_entrypoint_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise FlowEntrypointError.from_entrypoint(entrypoint, f"{path} is no module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    folder = str(path.resolve().parent)
    sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the user's module: any error means "cannot load"
        sys.modules.pop(module_name, None)
        raise ScriptError.from_exception(str(path), exc) from exc
    finally:
        if folder in sys.path:
            sys.path.remove(folder)
    found = getattr(module, name, None)
    if not isinstance(found, Flow):
        flows = sorted(n for n, v in vars(module).items() if isinstance(v, Flow))
        raise MissingFlowError.from_name(entrypoint, found, flows)
    return found


def check_flow_parameters(
    flow: Flow[Any, Any], given: Mapping[str, Any]
) -> dict[str, Any]:
    """Return ``given`` coerced to the flow's annotations.

    Raises:
        UnknownParameterError: A name is not a parameter of the flow.
        ParameterValueError: A value does not fit its annotation, or a required
            parameter has no value.
    """
    signature = inspect.signature(flow.fn)
    names = list(signature.parameters)
    takes_any = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
    for name in given:
        if name not in names and not takes_any:
            raise UnknownParameterError.from_name(name, names)
    for name, parameter in signature.parameters.items():
        required = parameter.default is inspect.Parameter.empty and parameter.kind in (
            parameter.POSITIONAL_OR_KEYWORD,
            parameter.KEYWORD_ONLY,
        )
        if required and name not in given:
            raise ParameterValueError.from_value(
                name, None, "given (it has no default): pass -p NAME VALUE", names
            )
    try:
        return flow.validate_parameters(dict(given))
    except ParameterTypeError as exc:
        details = str(exc).split(" Pass values of")[0]
        raise ParameterValueError(
            f"{details} Pass -p NAME VALUE with values of the annotated types."
        ) from exc
