"""``Variable``: named JSON values saved in the local store (Prefect 3's variables).

``Variable.set(name, value, tags=None, overwrite=False)`` returns the variable,
``Variable.get(name, default=None)`` its value, ``Variable.unset(name)`` whether
one was removed; the ``a``-prefixed twins serve async code, and called from an
``async def`` the plain names return them (Prefect's ``await Variable.get(...)``).
Values are what JSON holds (str, int, float, bool, None, lists and dicts of
them), as in Prefect.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, Field

from taskbook.engine.documents import Documents
from taskbook.engine.session import get_session
from taskbook.errors import (
    InvalidBlockNameError,
    VariableExistsError,
    VariableValueError,
)
from taskbook.utilities.asyncutils import async_dispatch

__all__ = ("Variable",)

_KIND = "variable"
_NAME = re.compile(r"^[a-z0-9_-]{1,255}$")


class Variable(BaseModel):
    """A named value with tags."""

    name: str = Field(description="The name of the variable.")
    value: Any = Field(default=None, description="The value of the variable.")
    tags: list[str] = Field(default_factory=list)

    # The async twins come first: called from an ``async def``, the sync names
    # return their coroutine, as Prefect 3's do (``await Variable.get("x")``).
    @classmethod
    async def aset(
        cls,
        name: str,
        value: Any,
        tags: list[str] | None = None,
        overwrite: bool = False,
    ) -> Variable:
        """``set`` for async code (the store is local)."""
        return cls.set(name, value, tags=tags, overwrite=overwrite, _sync=True)

    @classmethod
    async def aget(cls, name: str, default: Any = None) -> Any:
        """``get`` for async code."""
        return cls.get(name, default, _sync=True)

    @classmethod
    async def aunset(cls, name: str) -> bool:
        """``unset`` for async code."""
        return cls.unset(name, _sync=True)

    @classmethod
    @async_dispatch(aset)
    def set(
        cls,
        name: str,
        value: Any,
        tags: list[str] | None = None,
        overwrite: bool = False,
    ) -> Variable:
        """Save ``value`` under ``name``; return the variable.

        Raises:
            VariableExistsError: ``name`` is set and ``overwrite`` is False.
            InvalidBlockNameError: ``name`` has other characters than lowercase
                letters, numbers, dashes and underscores.
        """
        _check_name(name)
        try:
            json.dumps(value)  # a value JSON cannot hold fails here, not in the store
        except (TypeError, ValueError) as exc:
            raise VariableValueError.from_value(name, value, exc) from exc
        variable = cls(name=name, value=value, tags=list(tags or []))
        data = {"value": variable.value, "tags": variable.tags}
        if _documents().write(_KIND, "", name, data, overwrite=overwrite) is None:
            raise VariableExistsError.from_name(name)
        return variable

    @classmethod
    @async_dispatch(aget)
    def get(cls, name: str, default: Any = None) -> Any:
        """Return the value saved under ``name``, or ``default`` when there is none."""
        data = _documents().read(_KIND, "", name)
        return default if data is None else data["value"]

    @classmethod
    @async_dispatch(aunset)
    def unset(cls, name: str) -> bool:
        """Remove the variable ``name``; return whether it existed."""
        return _documents().delete(_KIND, "", name)


def _check_name(name: object) -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidBlockNameError.from_name(
            name,
            "Variable",
            "lowercase letters, numbers, dashes and underscores",
            "my_variable",
        )


def _documents() -> Documents:
    return Documents(get_session().home)
