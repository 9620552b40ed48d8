"""Why a cell ran or hit the cache (``%flow why T``), kept next to the cache.

After each run every cell's key parts and the reasons it ran are stored under a
slot per notebook and cell, so the next run (in any process) can say which part
of the key changed.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from taskbook.cellflow.keys import KeyParts, explain_miss
from taskbook.cellflow.result import CellOutcome
from taskbook.core.cells import CellSpec

__all__ = ("explanation", "remember_keys")


def _slot(notebook_name: str, task: str) -> str:
    return f"taskbook-why:{notebook_name}:{task}"


def remember_keys(
    notebook_name: str,
    outcomes: Mapping[str, CellOutcome],
    specs: Mapping[str, CellSpec],
    parts: Mapping[str, KeyParts],
    forced: bool,
    stale: Mapping[str, str] | None = None,
) -> dict[str, list[str]]:
    """Store each cell's key parts; return cell name -> why it ran (or hit).

    A miss is explained against the parts stored by the cell's previous run, or by
    ``stale``: cell id -> why its cache entry was not used (a lost output file).
    """
    import cloudpickle

    from taskbook.engine.session import get_session

    cache = get_session().cache
    now = time.time()
    explanations: dict[str, list[str]] = {}
    for node_id, current in parts.items():
        outcome = outcomes[node_id]
        slot = _slot(notebook_name, outcome.name)
        hit, stored, _ = cache.get(slot, now, outcome.name)
        previous = KeyParts.from_dict(stored["parts"]) if hit else None
        if outcome.state_name == "Cached":
            reasons = ["it was a cache hit: nothing in its key changed."]
        elif not specs[node_id].header.cache:
            reasons = ["caching is off for it (--no-cache)."]
        elif forced:
            reasons = ["the run was forced (--force)."]
        elif stale and node_id in stale:
            reasons = [f"{stale[node_id]}."]
        else:
            reasons = explain_miss(previous, current)
        explanations[outcome.name] = reasons
        record = {
            "parts": current.to_dict(),
            "reasons": reasons,
            "state": outcome.state_name,
        }
        cache.put(slot, cloudpickle.dumps(record), None)
    return explanations


def explanation(notebook_name: str, task: str) -> list[str] | None:
    """Return why ``task`` of the notebook ran (or hit) in its last run, if known."""
    from taskbook.engine.session import get_session

    hit, stored, _ = get_session().cache.get(_slot(notebook_name, task), time.time())
    return list(stored["reasons"]) if hit else None
