"""``Secret``: a value kept out of notebooks, logs and run records (Prefect's block).

``Secret(value=...).save("api-key")`` stores the value in the store's owner-only
``blocks.sqlite``; ``Secret.load("api-key").get()`` returns it and registers it
with the masker, so every later log line, output, record, artifact and
notification shows ``**********`` in its place. A JSON value (dict, list, number)
is returned as saved, and a string holding JSON is decoded, as Prefect does.
"""

from __future__ import annotations

import json
from typing import Any, Generic, TypeVar, Union

from pydantic import Field, SecretStr
from pydantic import Secret as PydanticSecret

from taskbook.blocks.core import Block
from taskbook.engine import masking

__all__ = ("Secret",)

T = TypeVar("T")


class Secret(Block, Generic[T]):
    """A secret value: a string, or any JSON value (``Secret(value={"k": "v"})``)."""

    _block_type_name = "Secret"

    value: Union[SecretStr, PydanticSecret[Any]] = Field(  # noqa: UP007 (pydantic)
        default=...,
        description="A value that should be kept secret.",
    )

    def model_post_init(self, context: Any, /) -> None:
        """Register the value (each string in it) with the masker."""
        super().model_post_init(context)
        masking.register_secret(self.value.get_secret_value())

    def get(self) -> Any:
        """Return the secret's value (a string holding JSON comes back decoded)."""
        value = self.value.get_secret_value()
        masking.register_secret(value)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except (TypeError, json.JSONDecodeError):
                return value
        return value
