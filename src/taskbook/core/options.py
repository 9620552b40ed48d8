"""The one definition of every task and flow option.

``TaskOptions`` and ``FlowOptions`` are frozen and validated on creation; the
decorators, ``with_options``, the ``%%task`` magic and the CLI all build them, so an
option's name, default and check live only here. Field metadata carries the check
(a predicate plus the words "expected ..." for the error) and the magic flag.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import timedelta
from typing import Any, Literal

from taskbook.core.flags import Flag
from taskbook.errors import InvalidNameError, InvalidOptionError


class _NotSet:
    """Sentinel for "option not given" where None is a meaningful value."""

    _instance: _NotSet | None = None

    def __new__(cls) -> _NotSet:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NotSet"

    def __bool__(self) -> bool:
        return False


NOT_SET: Any = _NotSet()


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _nonneg_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _opt(pred: Callable[[Any], bool]) -> Callable[[Any], bool]:
    return lambda v: v is None or pred(v)


def _delay(v: Any) -> bool:
    if v is None or callable(v):
        return True
    if _is_number(v):
        return bool(v >= 0)
    return (
        isinstance(v, Sequence)
        and not isinstance(v, str)
        and all(_is_number(x) and x >= 0 for x in v)
    )


def _hooks(v: Any) -> bool:
    return v is None or (isinstance(v, (list, tuple)) and all(callable(h) for h in v))


def _tags(v: Any) -> bool:
    return v is None or (
        not isinstance(v, str)
        and isinstance(v, (list, tuple, set, frozenset))
        and all(isinstance(t, str) for t in v)
    )


def _name_template(v: Any) -> bool:
    return v is None or isinstance(v, str) or callable(v)


def _option(
    default: Any,
    check: Callable[[Any], bool],
    expected: str,
    flag: str | None = None,
    parse: Callable[[str], Any] | None = None,
) -> Any:
    """Declare an option: default, check, words for the error, magic flag, parser."""
    return field(
        default=default,
        metadata={"check": check, "expected": expected, "flag": flag, "parse": parse},
    )


def _optional_bool(
    flag: str | None = None, parse: Callable[[str], Any] | None = None
) -> Any:
    """Declare an option that is True, False or None (None: the default applies)."""
    return _option(
        None, _opt(lambda v: isinstance(v, bool)), "True, False or None", flag, parse
    )


def _optional_str() -> Any:
    """Declare an option that is a string or None."""
    return _option(None, _opt(lambda v: isinstance(v, str)), "a string")


def _hooks_option(owner: str) -> Any:
    """Declare a list of state hooks, called as ``hook(owner, run, state)``."""
    return _option((), _hooks, f"a list of functions ({owner}, {owner}_run, state)")


_DURATION_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_seconds(text: str) -> float:
    """Parse ``"30"``, ``"1.5"``, ``"30s"``, ``"10m"``, ``"2h"`` or ``"1d"`` to seconds.

    Raises:
        ValueError: The text is not a non-negative duration.
    """
    text = text.strip().lower()
    factor = _DURATION_UNITS.get(text[-1:], None) if text else None
    number = float(text[:-1] if factor is not None else text)
    if number < 0 or number != number:  # NaN fails the comparison with itself
        raise ValueError(text)
    return number * (factor or 1.0)


def _parse_tags(text: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in text.split(",") if t.strip())


def _parse_delays(text: str) -> float | list[float]:
    delays = [parse_seconds(part) for part in text.split(",")]
    return delays[0] if len(delays) == 1 else delays


def _parse_expiration(text: str) -> timedelta | None:
    return timedelta(seconds=parse_seconds(text)) if text else None


def _parse_flag_on(text: str) -> bool:
    if text.lower() in ("", "true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise ValueError(text)


def _validate(obj: Any, owner: str) -> None:
    for f in fields(obj):
        check = f.metadata.get("check")
        value = getattr(obj, f.name)
        if check is not None and value is not NOT_SET and not check(value):
            raise InvalidOptionError.from_value(
                f.name, value, f.metadata["expected"], owner
            )
    name = getattr(obj, "name", None)
    # Prefect bans these characters in flow names only; task names may have them.
    if owner == "flow" and name and any(c in name for c in InvalidNameError.BANNED):
        raise InvalidNameError.from_name(name, owner)


def _timeout_as_float(options: Any) -> None:
    # As Prefect stores it: ``Task(timeout_seconds=1).timeout_seconds == 1.0``,
    # and its messages say "1.0 second(s)".
    value = options.timeout_seconds
    if _is_number(value) and not isinstance(value, float):
        object.__setattr__(options, "timeout_seconds", float(value))


# The task options given as lists (tuples once stored).
TASK_HOOK_LISTS = (
    "tags",
    "on_completion",
    "on_failure",
    "on_running",
    "on_commit",
    "on_rollback",
)


@dataclass(frozen=True, slots=True)
class TaskOptions:
    """Every option of ``@task``, with Prefect 3's names and defaults."""

    name: str | None = _optional_str()
    description: str | None = _optional_str()
    tags: tuple[str, ...] = _option(
        (), _tags, "a list of strings", "--tags", _parse_tags
    )
    version: str | None = _optional_str()
    cache_policy: Any = _option(NOT_SET, lambda v: True, "a cache policy")
    cache_key_fn: Callable[..., str | None] | None = _option(
        None, _opt(callable), "a function (context, parameters) -> str"
    )
    cache_expiration: timedelta | None = _option(
        None,
        _opt(lambda v: isinstance(v, timedelta)),
        "a datetime.timedelta",
        "--cache",
        _parse_expiration,
    )
    task_run_name: str | Callable[[], str] | None = _option(
        None, _name_template, "a string template or a function returning a string"
    )
    retries: int = _option(0, _nonneg_int, "a non-negative int", "--retries", int)
    retry_delay_seconds: Any = _option(
        None,
        _delay,
        "a non-negative number, a list of numbers or a function of the retry count",
        "--retry-delay",
        _parse_delays,
    )
    retry_jitter_factor: float | None = _option(
        None, _opt(lambda v: _is_number(v) and v >= 0), "a non-negative number"
    )
    persist_result: bool | None = _optional_bool()
    timeout_seconds: float | None = _option(
        None,
        _opt(lambda v: _is_number(v) and v > 0),
        "a positive number",
        "--timeout",
        parse_seconds,
    )
    log_prints: bool | None = _optional_bool()
    refresh_cache: bool | None = _optional_bool("--refresh", _parse_flag_on)
    on_completion: tuple[Callable[..., Any], ...] = _hooks_option("task")
    on_failure: tuple[Callable[..., Any], ...] = _hooks_option("task")
    on_running: tuple[Callable[..., Any], ...] = _hooks_option("task")
    retry_condition_fn: Callable[..., bool] | None = _option(
        None, _opt(callable), "a function (task, task_run, state) -> bool"
    )
    # Transaction hooks, called as hook(transaction) (Prefect's on_commit/on_rollback).
    on_commit: tuple[Callable[..., Any], ...] = _option(
        (), _hooks, "a list of functions (transaction)"
    )
    on_rollback: tuple[Callable[..., Any], ...] = _option(
        (), _hooks, "a list of functions (transaction)"
    )

    def __post_init__(self) -> None:
        for name in TASK_HOOK_LISTS:
            value = getattr(self, name)
            if isinstance(value, (list, set, frozenset)):
                object.__setattr__(
                    self, name, tuple(sorted(value) if name == "tags" else value)
                )
            elif value is None:
                object.__setattr__(self, name, ())
        _check_prefect_limits(self)
        _validate(self, "task")
        _timeout_as_float(self)

    def merge(self, **changes: Any) -> TaskOptions:
        """Return a copy with ``changes`` applied (unknown names are an error)."""
        return replace(self, **_known(type(self), changes, "task"))


@dataclass(frozen=True, slots=True)
class FlowOptions:
    """Every option of ``@flow``, with Prefect 3's names and defaults."""

    name: str | None = _optional_str()
    version: str | None = _optional_str()
    flow_run_name: str | Callable[[], str] | None = _option(
        None, _name_template, "a string template or a function returning a string"
    )
    retries: int = _option(0, _opt(_nonneg_int), "a non-negative int")
    retry_delay_seconds: float = _option(
        0, _opt(lambda v: _is_number(v) and v >= 0), "a non-negative number"
    )
    task_runner: Any = _option(None, lambda v: True, "a task runner")
    description: str | None = _optional_str()
    timeout_seconds: float | None = _option(
        None, _opt(lambda v: _is_number(v) and v > 0), "a positive number"
    )
    validate_parameters: bool = _option(
        True, lambda v: isinstance(v, bool), "True or False"
    )
    persist_result: bool | None = _optional_bool()
    log_prints: bool | None = _optional_bool()
    on_completion: tuple[Callable[..., Any], ...] = _hooks_option("flow")
    on_failure: tuple[Callable[..., Any], ...] = _hooks_option("flow")
    on_cancellation: tuple[Callable[..., Any], ...] = _hooks_option("flow")
    on_crashed: tuple[Callable[..., Any], ...] = _hooks_option("flow")
    on_running: tuple[Callable[..., Any], ...] = _hooks_option("flow")

    def __post_init__(self) -> None:
        for name in (
            "on_completion",
            "on_failure",
            "on_cancellation",
            "on_crashed",
            "on_running",
        ):
            value = getattr(self, name)
            if isinstance(value, list):
                object.__setattr__(self, name, tuple(value))
            elif value is None:
                object.__setattr__(self, name, ())
        if self.retries is None:
            object.__setattr__(self, "retries", 0)
        if self.retry_delay_seconds is None:
            object.__setattr__(self, "retry_delay_seconds", 0)
        _validate(self, "flow")
        _timeout_as_float(self)

    def merge(self, **changes: Any) -> FlowOptions:
        """Return a copy with ``changes`` applied (unknown names are an error)."""
        return replace(self, **_known(type(self), changes, "flow"))


def _check_prefect_limits(options: TaskOptions) -> None:
    """Raise Prefect's documented errors, in its words, for a task's retry limits."""
    delays = options.retry_delay_seconds
    if isinstance(delays, (list, tuple)) and len(delays) > 50:
        raise InvalidOptionError.from_rule(
            "Can not configure more than 50 retry delays per task.",
            f"Pass at most 50 delays (got {len(delays)}).",
        )
    jitter = options.retry_jitter_factor
    if _is_number(jitter) and jitter < 0:
        raise InvalidOptionError.from_rule(
            "`retry_jitter_factor` must be >= 0.",
            f"Pass 0 or more (got {jitter}).",
        )


def _known(cls: type, changes: dict[str, Any], owner: str) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    for key in changes:
        if key not in names:
            raise InvalidOptionError.from_unknown(key, names, owner)
    return changes


def option_names(kind: Literal["task", "flow"]) -> tuple[str, ...]:
    """Return the option names of tasks or flows, in definition order."""
    cls = TaskOptions if kind == "task" else FlowOptions
    return tuple(f.name for f in fields(cls))


def task_flags() -> tuple[Flag, ...]:
    """Return the ``%%task`` flags that set task options, derived from TaskOptions.

    ``--cache`` and ``--refresh`` may stand alone or take ``=VALUE``; the others
    take a value. A value is parsed, then checked by the option's own rule.
    """
    return tuple(
        Flag(
            flag=f.metadata["flag"],
            dest=f.name,
            parse=f.metadata["parse"],
            expected=f.metadata["expected"],
            value="optional" if f.name in _OPTIONAL_VALUE else "required",
            check=f.metadata["check"],
        )
        for f in fields(TaskOptions)
        if f.metadata.get("flag")
    )


_OPTIONAL_VALUE = ("cache_expiration", "refresh_cache")


def option_default(kind: Literal["task", "flow"], name: str) -> Any:
    """Return the default of one option."""
    cls = TaskOptions if kind == "task" else FlowOptions
    for f in fields(cls):
        if f.name == name:
            return f.default if f.default is not MISSING else None
    raise InvalidOptionError.from_unknown(name, option_names(kind), kind)
