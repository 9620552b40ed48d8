from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from taskbook.blocks.core import Block
from taskbook.blocks.system import Secret
from taskbook.errors import (
    BlockNameInUseError,
    BlockNotFoundError,
    InvalidBlockNameError,
    UnknownBlockTypeError,
)


class DatabaseConfig(Block):
    host: str
    port: int = 5432
    password: SecretStr | None = None


@pytest.fixture(autouse=True)
def _home(isolated_home: Path) -> Path:
    return isolated_home


def test_a_custom_block_saves_and_loads_with_its_defaults() -> None:
    DatabaseConfig(host="db.internal").save("prod")

    loaded = DatabaseConfig.load("prod")

    assert (loaded.host, loaded.port) == ("db.internal", 5432)


def test_saving_a_taken_name_says_to_pass_overwrite_as_prefect_does() -> None:
    DatabaseConfig(host="a").save("prod")

    with pytest.raises(
        BlockNameInUseError,
        match=r"^You are attempting to save values with a name that is already in "
        r"use for this block type\. If you would like to overwrite the values that "
        r"are saved, then save with `overwrite=True`\.",
    ):
        DatabaseConfig(host="b").save("prod")
    DatabaseConfig(host="b").save("prod", overwrite=True)

    assert DatabaseConfig.load("prod").host == "b"


def test_loading_an_unknown_name_lists_the_saved_names() -> None:
    DatabaseConfig(host="a").save("prod")
    DatabaseConfig(host="a").save("staging")

    with pytest.raises(
        BlockNotFoundError,
        match=r"^Unable to find block document named dev for block type "
        r"databaseconfig\. Saved databaseconfig blocks: prod, staging\.",
    ):
        DatabaseConfig.load("dev")


def test_delete_removes_the_block_and_an_unknown_name_is_an_error() -> None:
    DatabaseConfig(host="a").save("prod")

    DatabaseConfig.delete("prod")

    with pytest.raises(BlockNotFoundError, match="named prod"):
        DatabaseConfig.load("prod")
    with pytest.raises(BlockNotFoundError, match="named prod"):
        DatabaseConfig.delete("prod")


@pytest.mark.parametrize("name", ["Prod", "my block", "a/b", ""])
def test_a_name_with_other_characters_than_lowercase_digits_dashes_is_refused(
    name: str,
) -> None:
    with pytest.raises(InvalidBlockNameError, match="lowercase letters, numbers"):
        DatabaseConfig(host="a").save(name)


def test_a_loaded_block_saves_again_under_its_name() -> None:
    DatabaseConfig(host="a").save("prod")
    block = DatabaseConfig.load("prod")
    block.port = 6543

    block.save(overwrite=True)

    assert DatabaseConfig.load("prod").port == 6543


def test_block_load_takes_a_type_slug_and_name() -> None:
    Secret(value="tb-slug-secret-1").save("api-key")

    assert Block.load("secret/api-key").get() == "tb-slug-secret-1"
    with pytest.raises(UnknownBlockTypeError, match="'no-such-type'"):
        Block.load("no-such-type/x")


def test_secret_saves_loads_and_stays_hidden_in_its_repr() -> None:
    Secret(value="tb-secret-repr-2").save("api-key")

    secret = Secret.load("api-key")

    assert secret.get() == "tb-secret-repr-2"
    assert "tb-secret-repr-2" not in repr(secret)


def test_secret_holds_json_values() -> None:
    Secret(value={"user": "me", "token": "tb-json-secret-3"}).save("creds")
    Secret(value='{"a": 1}').save("json-text")

    assert Secret.load("creds").get() == {"user": "me", "token": "tb-json-secret-3"}
    assert Secret.load("json-text").get() == {"a": 1}


def test_secret_fields_are_saved_with_their_values() -> None:
    DatabaseConfig(host="a", password="tb-field-secret-4").save("prod")

    loaded = DatabaseConfig.load("prod")

    assert loaded.password is not None
    assert loaded.password.get_secret_value() == "tb-field-secret-4"


def test_blocks_live_in_an_owner_only_file_of_the_store(isolated_home: Path) -> None:
    Secret(value="tb-file-secret-5").save("api-key")

    mode = stat.S_IMODE(os.stat(isolated_home / "blocks.sqlite").st_mode)

    assert mode == 0o600


@pytest.mark.anyio
async def test_async_twins_save_and_load() -> None:
    await DatabaseConfig(host="x").asave("prod")

    loaded = await DatabaseConfig.aload("prod")
    await DatabaseConfig.adelete("prod")

    assert loaded.host == "x"
    with pytest.raises(BlockNotFoundError):
        DatabaseConfig.load("prod")
