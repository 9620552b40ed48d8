"""Which cache policy a task run uses, and the key it gives (Prefect 3's rules).

A key that cannot be computed (an input neither JSON nor pickle encodes) is no key:
the run is not cached, and a warning names the input.
"""

from __future__ import annotations

import warnings
from typing import Any

from taskbook.core.cache import (
    DEFAULT,
    NO_CACHE,
    CacheKeyFnPolicy,
    CachePolicy,
)
from taskbook.core.options import NOT_SET, TaskOptions
from taskbook.engine.context import FlowRunContext, TaskRunContext
from taskbook.errors import HashError, InputHashError, UnhashableInputsWarning

__all__ = ("cache_key", "effective_cache_policy")


def effective_cache_policy(
    options: TaskOptions, flow_persist: bool | None
) -> CachePolicy | None:
    """Return the policy in force, or None when results are not persisted.

    As in Prefect 3: setting a cache policy or a cache key function turns result
    persistence on; ``persist_result=False`` turns caching off; the default policy
    caches only when persistence is on (explicitly, or from the flow).
    """
    if options.cache_key_fn is not None:
        policy: CachePolicy = CacheKeyFnPolicy(cache_key_fn=options.cache_key_fn)
        explicit = True
    elif options.cache_policy is NOT_SET:
        policy, explicit = DEFAULT, False
    elif options.cache_policy is None:
        policy, explicit = NO_CACHE, True
    else:
        policy, explicit = options.cache_policy, True
    persist = options.persist_result
    if persist is None:
        persist = True if explicit and policy is not NO_CACHE else flow_persist
    if not persist or policy is NO_CACHE:
        return None
    return policy


def cache_key(
    policy: CachePolicy,
    tctx: TaskRunContext,
    parameters: dict[str, Any],
    flow_ctx: FlowRunContext | None,
    task_name: str,
) -> str | None:
    """Return the key ``policy`` gives this run, or None (with a warning) if none."""
    flow_params = flow_ctx.flow_run.parameters if flow_ctx else {}
    try:
        return policy.compute_key(tctx, parameters, flow_params)
    except InputHashError as exc:
        warnings.warn(
            UnhashableInputsWarning.from_inputs(task_name, exc.input_name, exc.cause),
            UnhashableInputsWarning,
            stacklevel=1,
        )
    except HashError as exc:
        warnings.warn(
            UnhashableInputsWarning.from_inputs(task_name, "?", exc),
            UnhashableInputsWarning,
            stacklevel=1,
        )
    return None
