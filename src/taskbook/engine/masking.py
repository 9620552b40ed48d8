"""Secret masking: registered secret values never reach a log, output or record.

Like Airflow's ``SecretsMasker``: secret values are registered when a secret is
created or loaded (``Secret.get()``, ``SecretStr`` fields of blocks, flow
parameters whose names say password/token/secret/key), and every writer (console
and run-record logs, the run store, captured outputs, output notebooks,
notification bodies) passes its text through ``mask`` at write time. The registry
is process-wide on purpose: a secret loaded in one run must stay hidden in every
writer of the process. Masking costs nothing while no secret is registered.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

__all__ = (
    "MASK",
    "active",
    "clear",
    "holds_secret",
    "is_sensitive_name",
    "mask",
    "mask_data",
    "mask_parameters",
    "register_secret",
    "registered",
    "secret_strings",
)

MASK = "**********"
"""What a secret value is replaced with (as pydantic's ``SecretStr`` shows it)."""

# Airflow's rule: shorter values would mask ordinary words and numbers everywhere.
MIN_LENGTH = 5

_SENSITIVE = re.compile(
    r"(?:^|[_\-.\s])(?:password|passwd|pwd|token|secret|key|apikey|credentials?)"
    r"(?:$|[_\-.\s])|(?:password|passwd|token|secret|apikey)$"
)

# Names whose values are secrets beyond doubt: registered, so logs hide them too.
# Other "*key" names (cache_key, sort_key) are only hidden in the run record:
# registering "daily" would mask the word everywhere and keep results out of
# the cache.
_STRONG = re.compile(
    r"password|passwd|pwd|secret|token|api_?key|access_?key|private_?key|credential"
)

_lock = threading.Lock()
_values: set[str] = set()
_pattern: re.Pattern[str] | None = None
_bytes_pattern: re.Pattern[bytes] | None = None


def register_secret(value: Any) -> None:
    """Mask ``value`` (a string, or the strings in a JSON-like value) from now on.

    Strings shorter than five characters are not registered: masking them would
    hide ordinary words and numbers in every log line.
    """
    global _pattern, _bytes_pattern
    new = {v for v in _strings(value) if len(v) >= MIN_LENGTH} - _values
    if not new:
        return
    with _lock:
        _values.update(new)
        # Longest first, so a secret that contains another is masked whole.
        ordered = sorted(_values, key=len, reverse=True)
        _pattern = re.compile("|".join(map(re.escape, ordered)))
        _bytes_pattern = re.compile(b"|".join(re.escape(v.encode()) for v in ordered))


def registered() -> frozenset[str]:
    """The secret values registered so far (what ``mask`` hides)."""
    with _lock:
        return frozenset(_values)


def secret_strings(value: Any) -> list[str]:
    """The strings of a secret value that masking would hide (five characters up)."""
    return [v for v in _strings(value) if len(v) >= MIN_LENGTH]


def clear() -> None:
    """Forget every registered secret (test isolation; nothing else should)."""
    global _pattern, _bytes_pattern
    with _lock:
        _values.clear()
        _pattern = _bytes_pattern = None


def active() -> bool:
    """Whether any secret is registered (writers skip masking otherwise)."""
    return _pattern is not None


def mask(text: str) -> str:
    """Return ``text`` with every registered secret value replaced by ``MASK``."""
    pattern = _pattern
    if pattern is None or not text:
        return text
    return pattern.sub(MASK, text)


def holds_secret(data: bytes) -> bool:
    """Whether serialized ``data`` (a pickled result, say) holds a secret value."""
    pattern = _bytes_pattern
    return pattern is not None and pattern.search(data) is not None


def mask_data(value: Any) -> Any:
    """Return ``value`` with secrets masked in every string of lists, tuples and dicts."""
    if _pattern is None:
        return value
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, Mapping):
        return {k: mask_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(mask_data(v) for v in value)
    return value


def is_sensitive_name(name: str) -> bool:
    """Whether a parameter or field named ``name`` holds a secret by its name."""
    return bool(_SENSITIVE.search(name.lower()))


def mask_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Return parameters with sensitive-named values replaced and secrets masked.

    The values of parameters named password, token, secret, api_key and the like
    are registered too, so they are also masked where the run prints or logs them.
    """
    shown: dict[str, Any] = {}
    for name, value in parameters.items():
        if is_sensitive_name(name) and value is not None:
            if _STRONG.search(name.lower()):
                register_secret(_plain(value))
            shown[name] = MASK
        else:
            shown[name] = mask_data(value)
    return shown


def _plain(value: Any) -> Any:
    get = getattr(value, "get_secret_value", None)
    return get() if callable(get) else value


def _strings(value: Any) -> list[str]:
    value = _plain(value)
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, (list, tuple, set)):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [str(value)]
    return []
