"""Cache policies (Prefect 3's algebra) and stable hashing of Python values.

A policy turns a task-run context, its inputs and the flow parameters into a cache
key, or None for "do not cache". Policies compose with ``+`` and drop inputs with
``-``. Hashing is deterministic across processes: JSON for plain data, pickle
otherwise; a value neither can encode raises ``taskbook.errors.HashError``.
Pydantic models hash as the JSON they serialize to, as in Prefect. A policy also
carries how its records are isolated (``configure``): an ``IsolationLevel`` and the
lock manager that makes ``SERIALIZABLE`` possible; sums keep them, and refuse two
different ones.
"""

from __future__ import annotations

import copy
import enum
import hashlib
import json
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from taskbook.errors import (
    CachePolicyConflictError,
    CachePolicyError,
    HashError,
    InputHashError,
    InvalidIsolationLevelError,
)


def hash_objects(*objects: Any) -> str:
    """Return a stable hex digest of ``objects``.

    Raises:
        HashError: If the objects are neither JSON- nor pickle-serializable.
    """
    try:
        payload = json.dumps(
            objects, sort_keys=True, separators=(",", ":"), default=_json_default
        ).encode()
    except (TypeError, ValueError):
        try:
            payload = pickle.dumps(objects, protocol=4)
        except Exception as exc:  # pickle raises many types for unpicklable values
            raise HashError.from_error(exc) from exc
    return hashlib.blake2b(payload, digest_size=16).hexdigest()


def _json_default(value: Any) -> Any:
    # A pydantic model (duck-typed: core imports no pydantic) is data: hash what it
    # serializes to, its own model_serializer included, as Prefect's JSON encoder
    # does. Its pickle may not exist (Prefect's caching docs pass a model holding
    # an object that refuses to be pickled).
    dump = getattr(value, "model_dump", None)
    if callable(dump) and hasattr(type(value), "model_fields"):
        cls = type(value)
        return {
            "__class__": f"{cls.__module__}.{cls.__qualname__}",
            "data": dump(mode="json"),
        }
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


Values = dict[str, Any]
"""Inputs or flow parameters by name, as ``compute_key`` receives them."""


class KeyContext(Protocol):
    """What a policy may read about the task run (the engine's TaskRunContext)."""

    @property
    def task_source(self) -> str: ...

    @property
    def flow_run_id(self) -> str | None: ...


class IsolationLevel(str, enum.Enum):
    """How concurrent runs with one key see each other (Prefect 3's two levels).

    READ_COMMITTED (the default) sees records once committed, but two runs may
    compute the same key at once; SERIALIZABLE takes a lock on the key, so the
    second run waits and then finds the first one's record.
    """

    READ_COMMITTED = "READ_COMMITTED"
    SERIALIZABLE = "SERIALIZABLE"

    @classmethod
    def coerce(cls, value: Any) -> IsolationLevel:
        """Return ``value`` (a level or its name) as a level.

        Raises:
            InvalidIsolationLevelError: It names no level.
        """
        try:
            return cls(value)
        except ValueError:
            raise InvalidIsolationLevelError.from_value(value) from None


_SETTINGS = ("key_storage", "isolation_level", "lock_manager")


@dataclass
class CachePolicy:
    """Base of all cache policies."""

    # Set through configure(); keyword-only so subclasses keep their positional fields.
    key_storage: Any = field(default=None, kw_only=True, repr=False)
    isolation_level: IsolationLevel | None = field(
        default=None, kw_only=True, repr=False
    )
    lock_manager: Any = field(default=None, kw_only=True, repr=False)

    def configure(
        self,
        key_storage: Any = None,
        lock_manager: Any = None,
        isolation_level: IsolationLevel | str | None = None,
    ) -> CachePolicy:
        """Return a copy with the given record storage, lock manager and isolation.

        Args:
            key_storage: Where cache records go (kept for Prefect compatibility:
                taskbook keeps them in the project's result cache).
            lock_manager: Locks keys for ``SERIALIZABLE`` isolation (shared, not
                copied: both policies lock through the same manager).
            isolation_level: ``"READ_COMMITTED"`` or ``"SERIALIZABLE"`` (or the enum).

        Raises:
            InvalidIsolationLevelError: ``isolation_level`` names no level.
        """
        new = copy.copy(self)
        if key_storage is not None:
            new.key_storage = key_storage
        if lock_manager is not None:
            new.lock_manager = lock_manager
        if isolation_level is not None:
            new.isolation_level = IsolationLevel.coerce(isolation_level)
        return new

    def _settings_with(self, other: CachePolicy) -> dict[str, Any]:
        """The settings of ``self + other``; two different values are an error."""
        merged = {}
        for name in _SETTINGS:
            mine, theirs = getattr(self, name), getattr(other, name)
            if mine is not None and theirs is not None and mine != theirs:
                raise CachePolicyConflictError.from_setting(name, mine, theirs)
            merged[name] = mine if mine is not None else theirs
        return merged

    def compute_key(
        self, task_ctx: Any, inputs: Values, flow_parameters: Values, **kwargs: Any
    ) -> str | None:
        """Return the cache key, or None to skip caching."""
        raise NotImplementedError

    def __add__(self, other: CachePolicy) -> CachePolicy:
        if isinstance(other, _None):
            return self
        return CompoundCachePolicy(policies=[self, other], **self._settings_with(other))

    def __sub__(self, other: str) -> CachePolicy:
        if not isinstance(other, str):
            raise CachePolicyError.from_subtrahend(other)
        return self

    @classmethod
    def from_cache_key_fn(cls, fn: Callable[..., str | None]) -> CachePolicy:
        """Wrap a Prefect-style ``cache_key_fn(context, parameters)``."""
        return CacheKeyFnPolicy(cache_key_fn=fn)


@dataclass
class CacheKeyFnPolicy(CachePolicy):
    """Key from a user function ``(context, parameters) -> str | None``."""

    cache_key_fn: Callable[..., str | None] = field(default=lambda c, p: None)

    def compute_key(
        self, task_ctx: Any, inputs: Values, flow_parameters: Values, **kwargs: Any
    ) -> str | None:
        return self.cache_key_fn(task_ctx, inputs)


@dataclass
class CompoundCachePolicy(CachePolicy):
    """Hash of the keys of several policies; None keys are ignored."""

    policies: list[CachePolicy] = field(default_factory=list)

    def __post_init__(self) -> None:
        flat = [
            q
            for p in self.policies
            for q in (p.policies if isinstance(p, CompoundCachePolicy) else [p])
        ]
        inputs = [p for p in flat if isinstance(p, Inputs)]
        self.policies = [p for p in flat if not isinstance(p, Inputs)]
        if inputs:
            exclude = sorted({name for p in inputs for name in p.exclude})
            self.policies.append(Inputs(exclude=exclude))

    def compute_key(
        self, task_ctx: Any, inputs: Values, flow_parameters: Values, **kwargs: Any
    ) -> str | None:
        keys = [
            key
            for policy in self.policies
            if (key := policy.compute_key(task_ctx, inputs, flow_parameters, **kwargs))
            is not None
        ]
        return hash_objects(*keys) if keys else None

    def __add__(self, other: CachePolicy) -> CachePolicy:
        if isinstance(other, _None):
            return self
        extra = other.policies if isinstance(other, CompoundCachePolicy) else [other]
        return CompoundCachePolicy(
            policies=[*self.policies, *extra], **self._settings_with(other)
        )

    def __sub__(self, other: str) -> CachePolicy:
        super().__sub__(other)
        if any(isinstance(p, Inputs) for p in self.policies):
            return CompoundCachePolicy(
                policies=[*self.policies, Inputs(exclude=[other])],
                **{name: getattr(self, name) for name in _SETTINGS},
            )
        return self


@dataclass
class _None(CachePolicy):
    """Never cache."""

    def compute_key(
        self, task_ctx: Any, inputs: Values, flow_parameters: Values, **kwargs: Any
    ) -> str | None:
        return None

    def __add__(self, other: CachePolicy) -> CachePolicy:
        return other

    def __repr__(self) -> str:
        return "NO_CACHE"


@dataclass
class TaskSource(CachePolicy):
    """Key from the task's source code."""

    def compute_key(
        self, task_ctx: Any, inputs: Values, flow_parameters: Values, **kwargs: Any
    ) -> str | None:
        source = getattr(task_ctx, "task_source", None)
        return hash_objects(source) if source is not None else None


@dataclass
class FlowParameters(CachePolicy):
    """Key from the parameters of the enclosing flow run."""

    def compute_key(
        self, task_ctx: Any, inputs: Values, flow_parameters: Values, **kwargs: Any
    ) -> str | None:
        return hash_objects(flow_parameters) if flow_parameters else None


@dataclass
class RunId(CachePolicy):
    """Key from the id of the enclosing flow run (or of the task run if none)."""

    def compute_key(
        self, task_ctx: Any, inputs: Values, flow_parameters: Values, **kwargs: Any
    ) -> str | None:
        run_id = getattr(task_ctx, "flow_run_id", None) or getattr(
            task_ctx, "task_run_id", None
        )
        return str(run_id) if run_id else None


@dataclass
class Inputs(CachePolicy):
    """Key from the task's inputs, minus the excluded names."""

    exclude: list[str] = field(default_factory=list)

    def compute_key(
        self, task_ctx: Any, inputs: Values, flow_parameters: Values, **kwargs: Any
    ) -> str | None:
        kept = {k: v for k, v in (inputs or {}).items() if k not in self.exclude}
        if not kept:
            return None
        try:
            return hash_objects(kept)
        except HashError:
            # Name the first input that cannot be hashed, so the message can say which.
            for name, value in kept.items():
                try:
                    hash_objects(value)
                except HashError as exc:
                    raise InputHashError.from_input(name, exc) from exc
            raise

    def __sub__(self, other: str) -> CachePolicy:
        super().__sub__(other)
        return replace(self, exclude=[*self.exclude, other])


INPUTS = Inputs()
TASK_SOURCE = TaskSource()
FLOW_PARAMETERS = FlowParameters()
RUN_ID = RunId()
NO_CACHE = _None()
DEFAULT = INPUTS + TASK_SOURCE + RUN_ID
