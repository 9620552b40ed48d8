"""Child-process script: run a notebook or an exported module, write what it returned.

``python observe.py notebook NB.ipynb OUT.json ARGS...`` runs ``taskbook run NB ARGS``
in this process and writes the notebook's variables afterwards;
``python observe.py module MOD.py OUT.json ARGS...`` runs the module's ``main(ARGS)``
and writes what its flow returned, the run's final state and the taskbook modules
it imported. Values are written as comparable text (frames as JSON, futures and
States as their state's name, other values as their repr); a value whose repr
shows an address is left out.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

STATE = "<state of the flow run>"
TASKBOOK_MODULES = "<taskbook modules imported>"


def _state_name(value: Any) -> str | None:
    """A future's or a State's state name (a flow hands back its futures as States)."""
    if hasattr(value, "wait") and hasattr(value, "state"):  # a future
        value = value.state
    if hasattr(value, "is_completed") and hasattr(value, "type"):  # a State
        return f"state {value.name}"
    return None


def fingerprint(value: Any) -> str | None:
    """Comparable text for a value, or None when the value has none."""
    if isinstance(value, list | tuple) and value:
        states = [_state_name(v) for v in value]
        if all(states):
            return repr(states)
    if (state := _state_name(value)) is not None:
        return state
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return repr(value)
    to_json = getattr(value, "to_json", None)
    if callable(to_json) and hasattr(value, "dtypes"):  # a pandas frame or series
        return f"{type(value).__name__} {value.dtypes!s} {to_json(date_format='iso')}"
    tolist = getattr(value, "tolist", None)
    if callable(tolist) and hasattr(value, "dtype"):  # a numpy array or scalar
        return f"{type(value).__name__} {value.dtype} {tolist()!r}"
    text = repr(value)
    if " at 0x" in text or " object at " in text or text.startswith("<"):
        return None
    return text


def notebook_values(notebook: str, args: list[str]) -> dict[str, Any]:
    from taskbook.cellflow.headless import headless_shell
    from taskbook.cli.main import main

    try:
        main(["run", notebook, *args])
    except SystemExit as exit_:
        if exit_.code not in (0, None):
            raise
    return dict(headless_shell().user_ns)


def module_values(module: str, args: list[str]) -> dict[str, Any]:
    spec = importlib.util.spec_from_file_location("exported", module)
    assert spec is not None
    assert spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    sys.modules["exported"] = loaded  # pickling by reference (process pools) finds it
    spec.loader.exec_module(loaded)
    flows = [
        (name, value)
        for name, value in vars(loaded).items()
        if type(value).__name__ == "Flow"
    ]
    name, flow = flows[-1]  # the notebook's flow comes after any flow it defines
    returned: dict[str, Any] = {}

    def keep(*a: Any, **kw: Any) -> Any:
        state = flow(*a, return_state=True, **kw)
        returned[STATE] = state.name
        returned.update(state.result() or {})

    setattr(loaded, name, keep)
    loaded.main(args)
    returned[TASKBOOK_MODULES] = sorted(
        m for m in sys.modules if m.split(".")[0] == "taskbook"
    )
    return returned


def main() -> None:
    kind, path, out, *args = sys.argv[1:]
    values = (
        notebook_values(path, args) if kind == "notebook" else module_values(path, args)
    )
    special = {STATE, TASKBOOK_MODULES}
    shown = {
        name: value if name in special else fingerprint(value)
        for name, value in values.items()
    }
    Path(out).write_text(json.dumps(shown, sort_keys=True), encoding="utf-8")


if __name__ == "__main__":
    main()
