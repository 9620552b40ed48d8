"""The exception tree: every class lives in ``taskbook.errors`` and its docstring draws it.

STYLE §5: one place for every exception, warning and signal, and a tree in the
docstring that stays current. These tests make "current" mean exact.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import pkgutil
import re
from pathlib import Path
from types import ModuleType

import taskbook
import taskbook.errors

# Defined outside taskbook.errors on purpose, each with its reason (none today).
ALLOWED_OUTSIDE_ERRORS: set[str] = set()

_TREE_LINE = re.compile(
    r"^    (?P<prefix>(?:[│ ]   )*(?:[├└]── )?)(?P<name>[A-Z]\w*)"
    r"(?: \((?P<note>[^)]*)\))?"
)


def _modules() -> list[ModuleType]:
    names = [
        info.name
        for info in pkgutil.walk_packages(taskbook.__path__, "taskbook.")
        if not info.name.endswith("__main__")  # running it would start the CLI
    ]
    return [taskbook, *(importlib.import_module(name) for name in names)]


def _exception_classes_defined_in(module: ModuleType) -> set[str]:
    """Classes (at any depth) whose bases include an exception or warning class."""
    source = inspect.getsource(module)
    found = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ClassDef):
            continue
        for base in node.bases:
            try:
                value = eval(
                    compile(ast.Expression(base), "<base>", "eval"), vars(module)
                )
            except Exception:  # a base defined in a function: not resolvable here
                value = None
            if isinstance(value, type) and issubclass(value, BaseException):
                found.add(f"{module.__name__}.{node.name}")
    return found


def _tree() -> list[tuple[str, str | None, str]]:
    """(name, parent, note) for each line of the tree in taskbook.errors' docstring."""
    rows = []
    stack: list[str] = []
    for line in (taskbook.errors.__doc__ or "").splitlines():
        match = _TREE_LINE.match(line)
        if match is None:
            continue
        depth = len(match["prefix"]) // 4
        del stack[depth:]
        rows.append((match["name"], stack[-1] if stack else None, match["note"] or ""))
        stack.append(match["name"])
    return rows


def _errors_classes() -> dict[str, type]:
    """Every class defined in the taskbook.errors package, by name."""
    package = Path(taskbook.errors.__file__).parent
    classes = {}
    for info in pkgutil.iter_modules([str(package)], "taskbook.errors."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, type) and value.__module__ == module.__name__:
                classes[name] = value
    return classes


def _resolve(name: str) -> type:
    value = getattr(taskbook.errors, name, None) or getattr(builtins, name)
    assert isinstance(value, type)
    return value


def test_no_module_outside_taskbook_errors_defines_an_exception_or_warning():
    defined = set()
    for module in _modules():
        if module.__name__.split(".")[:2] != ["taskbook", "errors"]:
            defined |= _exception_classes_defined_in(module)
    assert defined - ALLOWED_OUTSIDE_ERRORS == set()
    assert ALLOWED_OUTSIDE_ERRORS - defined == set(), "an allowed class is gone"


def test_the_docstring_tree_names_every_class_of_taskbook_errors_and_nothing_else():
    named = {name for name, _parent, _note in _tree()}
    defined = set(_errors_classes())
    roots = {name for name in named - defined if hasattr(builtins, name)}
    assert named - roots == defined
    assert roots == {"BaseException", "Exception", "TimeoutError", "Warning"}
    assert set(taskbook.errors.__all__) == defined


def test_each_class_sits_under_its_parent_and_names_the_builtins_it_adds():
    ours = _errors_classes()
    for name, parent, note in _tree():
        if name not in ours:
            continue  # a builtin root
        cls = ours[name]
        assert parent is not None
        assert issubclass(cls, _resolve(parent)), f"{name} is not a {parent}"
        for base in cls.__bases__:
            added = vars(builtins).get(base.__name__) is base
            if added and not issubclass(_resolve(parent), base):
                assert base.__name__ in note, (
                    f"{name}: say ({base.__name__}) in the tree"
                )
        for word in re.findall(r"\b[A-Z]\w*(?:Error|Warning)\b", note):
            assert issubclass(cls, getattr(builtins, word)), f"{name} is no {word}"


def test_an_error_under_key_error_prints_its_message_unquoted():
    error = taskbook.errors.UnknownTaskError.from_name("lod", ["load", "clean"])
    assert isinstance(error, KeyError)
    assert str(error) == "No task named 'lod'. Known tasks: clean, load."
