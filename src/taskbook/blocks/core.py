"""``Block``: typed, named configuration saved in the local store (Prefect's blocks).

A block is a pydantic model; ``save(name)`` writes its values to the store's
owner-only ``blocks.sqlite`` (no server), ``load(name)`` reads them back and
validates them, ``delete(name)`` removes them. Documents are keyed by the class's
block type slug (``DatabaseConfig`` -> ``databaseconfig``, as Prefect slugifies).
``SecretStr`` fields are saved with their values and registered with the masker
whenever a block is created or loaded, so they never reach a log or record.
"""

from __future__ import annotations

import re
import uuid
from typing import Any, ClassVar

from pydantic import BaseModel, PrivateAttr, SecretBytes, SecretStr
from pydantic_core import to_jsonable_python

from taskbook.engine import masking
from taskbook.engine.documents import Documents
from taskbook.engine.session import get_session
from taskbook.errors import (
    BlockNameInUseError,
    BlockNotFoundError,
    InvalidBlockNameError,
    UnknownBlockTypeError,
)
from taskbook.utilities.asyncutils import async_dispatch

__all__ = ("Block",)

_KIND = "block"
_NAME = re.compile(r"^[a-z0-9-]+$")
_types: dict[str, type[Block]] = {}


def _slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class Block(BaseModel):
    """Base of blocks: subclass it with typed fields, then ``save`` and ``load``.

    Example:
        ``class DatabaseConfig(Block): host: str; port: int = 5432``, then
        ``DatabaseConfig(host="db").save("prod")`` and
        ``DatabaseConfig.load("prod").port``.
    """

    _block_type_name: ClassVar[str | None] = None
    _block_type_slug: ClassVar[str | None] = None
    _logo_url: ClassVar[str | None] = None
    _description: ClassVar[str | None] = None
    _block_document_name: str | None = PrivateAttr(default=None)
    _block_document_id: uuid.UUID | None = PrivateAttr(default=None)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _types[cls.get_block_type_slug()] = cls

    def model_post_init(self, context: Any, /) -> None:
        """Register the values of secret fields with the masker."""
        for value in self.__dict__.values():
            if isinstance(value, (SecretStr, SecretBytes)):
                raw = value.get_secret_value()
                masking.register_secret(
                    raw.decode(errors="replace") if isinstance(raw, bytes) else raw
                )

    @classmethod
    def get_block_type_name(cls) -> str:
        """Return the block type's name: ``_block_type_name`` or the class name."""
        return cls._block_type_name or cls.__name__

    @classmethod
    def get_block_type_slug(cls) -> str:
        """Return the block type's slug (the name lowercased, dashes between words)."""
        return cls._block_type_slug or _slugify(cls.get_block_type_name())

    # The async twins come first: called from an ``async def``, ``save`` and
    # ``delete`` return their coroutine, as Prefect 3's do (``await block.save()``).
    async def asave(
        self, name: str | None = None, overwrite: bool = False
    ) -> uuid.UUID:
        """``save`` for async code (the store is local: it does not wait on a server)."""
        return self.save(name, overwrite=overwrite, _sync=True)

    @classmethod
    async def adelete(cls, name: str) -> None:
        """``delete`` for async code."""
        cls.delete(name, _sync=True)

    @async_dispatch(asave)
    def save(self, name: str | None = None, overwrite: bool = False) -> uuid.UUID:
        """Save the block's values under ``name`` in the local store.

        Args:
            name: Lowercase letters, numbers and dashes; defaults to the name the
                block was loaded or saved under.
            overwrite: Replace values already saved under ``name``.

        Returns:
            The saved document's id.

        Raises:
            BlockNameInUseError: ``name`` is taken and ``overwrite`` is False.
            InvalidBlockNameError: ``name`` has other characters, or is missing.
        """
        name = name if name is not None else self._block_document_name
        _check_name(name)
        assert name is not None
        slug = self.get_block_type_slug()
        saved = _documents().write(
            _KIND, slug, name, self._document(), overwrite=overwrite
        )
        if saved is None:
            raise BlockNameInUseError.from_name(name, slug)
        self._block_document_name = name
        self._block_document_id = uuid.UUID(saved)
        return self._block_document_id

    @classmethod
    def load(cls, name: str, validate: bool = True) -> Any:
        """Return the block saved under ``name`` (``"type-slug/name"`` on ``Block``).

        Args:
            name: The saved name.
            validate: Validate the saved values against the class (as Prefect does);
                False builds the block from them without validation.

        Raises:
            BlockNotFoundError: Nothing is saved under ``name`` for this type; the
                message lists the saved names.
            UnknownBlockTypeError: ``Block.load("slug/name")`` names a type no
                imported class defines.
        """
        target, slug, doc_name = cls._resolve(name)
        data = _documents().read(_KIND, slug, doc_name)
        if data is None:
            saved = [n for _, n in _documents().names(_KIND, slug)]
            raise BlockNotFoundError.from_name(doc_name, slug, saved, target.__name__)
        values = data["values"]
        block = (
            target.model_validate(values)
            if validate
            else target.model_construct(**values)
        )
        if not validate:
            block.model_post_init(None)
        block._block_document_name = doc_name
        block._block_document_id = uuid.UUID(data["id"]) if data.get("id") else None
        return block

    def __await__(self) -> Any:
        """``await Block.load(...)`` gives the block, as in Prefect's async code.

        ``load`` does not dispatch on the run (a notebook's ``Secret.load("x").get()``
        inside an async task keeps working); the loaded block is awaitable instead.
        """
        return _itself(self).__await__()

    @classmethod
    async def aload(cls, name: str, validate: bool = True) -> Any:
        """``load`` for async code."""
        return cls.load(name, validate=validate)

    @classmethod
    @async_dispatch(adelete)
    def delete(cls, name: str) -> None:
        """Delete the block saved under ``name``.

        Raises:
            BlockNotFoundError: Nothing is saved under ``name`` for this type.
        """
        target, slug, doc_name = cls._resolve(name)
        if not _documents().delete(_KIND, slug, doc_name):
            saved = [n for _, n in _documents().names(_KIND, slug)]
            raise BlockNotFoundError.from_name(doc_name, slug, saved, target.__name__)

    @classmethod
    def _resolve(cls, name: str) -> tuple[type[Block], str, str]:
        if cls is Block or "/" in name:
            slug, _, doc_name = name.partition("/")
            if not doc_name:
                raise InvalidBlockNameError.from_name(
                    name, "Block", "a block type slug, '/' and a name", "secret/api-key"
                )
            target = _types.get(slug)
            if target is None:
                raise UnknownBlockTypeError.from_slug(slug, _types)
            return target, slug, doc_name
        return cls, cls.get_block_type_slug(), name

    def _document(self) -> dict[str, Any]:
        return {
            "id": str(self._block_document_id or uuid.uuid4()),
            "values": to_jsonable_python(_reveal(self.model_dump(mode="python"))),
        }


def _reveal(value: Any) -> Any:
    """Replace secret wrappers by their values, so the saved document keeps them."""
    if isinstance(value, (SecretStr, SecretBytes)):
        raw = value.get_secret_value()
        return raw.decode() if isinstance(raw, bytes) else raw
    get = getattr(value, "get_secret_value", None)  # pydantic.Secret[T]
    if callable(get):
        return _reveal(get())
    if isinstance(value, dict):
        return {k: _reveal(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_reveal(v) for v in value]
    return value


async def _itself(block: Block) -> Block:
    return block


def _check_name(name: object) -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidBlockNameError.from_name(
            name, "Block", "lowercase letters, numbers, and dashes", "my-block"
        )


def _documents() -> Documents:
    return Documents(get_session().home)
