"""Content fingerprints of namespace values, fast for pandas and numpy.

A fingerprint is a short hex digest that changes when the value's content changes.
pandas objects hash their rows with ``pandas.util.hash_pandas_object`` (vectorised),
numpy arrays hash their buffer; other values hash their cloudpickle bytes. A value
that cannot be fingerprinted returns ``None``: its reader runs uncached.
"""

from __future__ import annotations

import hashlib
import sys
import types
from typing import Any

import cloudpickle

__all__ = ("fingerprint",)

_SCALARS = (type(None), bool, int, float, complex, str, bytes)


def _digest(*parts: bytes) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(part)
        h.update(b"\x00")
    return h.hexdigest()


def fingerprint(value: Any) -> str | None:
    """Return a digest of ``value``'s content, or ``None`` if it has none we trust."""
    try:
        return _fingerprint(value)
    except Exception:  # anything unhashable or unpicklable means "no fingerprint"
        return None


def _fingerprint(value: Any) -> str | None:
    if isinstance(value, _SCALARS):
        return _digest(type(value).__name__.encode(), repr(value).encode())
    if isinstance(value, types.ModuleType):
        version = getattr(value, "__version__", "")
        return _digest(b"module", value.__name__.encode(), str(version).encode())
    if isinstance(value, (types.FunctionType, type)):
        return _function(value)
    module = type(value).__module__.split(".")[0]
    if module == "pandas":
        return _pandas(value)
    if module == "numpy" and hasattr(value, "dtype") and hasattr(value, "tobytes"):
        return _numpy(value)
    return _digest(type(value).__qualname__.encode(), cloudpickle.dumps(value))


def _pandas(value: Any) -> str:
    pd = sys.modules["pandas"]
    if isinstance(value, (pd.DataFrame, pd.Series, pd.Index)):
        try:
            rows = pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes()
        except TypeError:  # unhashable cells (lists, dicts): fall back to pickling
            return _digest(b"pandas-pickle", cloudpickle.dumps(value))
        kinds = _object_kinds(pd, value)
        if any(kind.startswith("mixed") for kind in kinds):
            # hash_pandas_object hashes objects by their str(): 1 and "1" collide.
            return _digest(b"pandas-pickle", cloudpickle.dumps(value))
        shape = repr(getattr(value, "shape", ())).encode()
        columns = repr(list(getattr(value, "columns", []))).encode()
        # One repr per column: a frame's dtypes Series shows "category" without
        # the categories, so reordered categories would not count.
        types = list(value.dtypes) if isinstance(value, pd.DataFrame) else [value.dtype]
        meta = repr(([repr(t) for t in types], kinds, _names(pd, value))).encode()
        return _digest(type(value).__name__.encode(), shape, columns, meta, rows)
    return _digest(b"pandas", cloudpickle.dumps(value))


def _names(pd: Any, value: Any) -> list[Any]:
    # Series.name and the axes' names are content a reader can see.
    if isinstance(value, pd.Index):
        return [list(value.names)]
    if isinstance(value, pd.Series):
        return [list(value.index.names), value.name]
    return [list(value.index.names), list(value.columns.names)]


def _object_kinds(pd: Any, value: Any) -> list[str]:
    """What object-dtype columns (and the index) hold: ``string``, ``mixed``..."""
    infer = pd.api.types.infer_dtype
    arrays = []
    if isinstance(value, pd.DataFrame):
        arrays = [value.iloc[:, i] for i in range(value.shape[1])]
    elif isinstance(value, pd.Series):
        arrays = [value]
    if not isinstance(value, pd.MultiIndex):
        arrays.append(value if isinstance(value, pd.Index) else value.index)
    return [infer(a, skipna=False) for a in arrays if a.dtype == object]


def _numpy(value: Any) -> str:
    if getattr(value, "dtype", None) is not None and value.dtype.hasobject:
        return _digest(b"numpy-object", cloudpickle.dumps(value))
    contiguous = value.copy(order="C") if hasattr(value, "copy") else value
    return _digest(
        b"numpy",
        str(value.dtype).encode(),
        repr(getattr(value, "shape", ())).encode(),
        contiguous.tobytes(),
    )


def _function(value: Any) -> str:
    # Functions and classes defined in cells pickle by value (cloudpickle), which
    # embeds their code; module-level ones pickle by reference (module + name).
    return _digest(b"code", cloudpickle.dumps(value))
