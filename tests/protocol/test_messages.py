from __future__ import annotations

import pytest

from taskbook.protocol.messages import (
    FRONTEND_MESSAGES,
    KERNEL_MESSAGES,
    CellSource,
    HelloMessage,
    SourcesMessage,
    encode,
    parse_frontend,
)


def test_a_sources_message_from_the_editor_is_validated_into_cells():
    data = {
        "type": "sources",
        "cells": [{"id": "a", "index": 2, "source": "x = 1", "tags": ["parameters"]}],
        "path": "etl.ipynb",
    }
    assert parse_frontend(data) == SourcesMessage(
        "sources", [CellSource("a", 2, "x = 1", ["parameters"])], "etl.ipynb"
    )


def test_hello_round_trips():
    assert parse_frontend(encode(HelloMessage("hello"))) == HelloMessage("hello")


@pytest.mark.parametrize(
    "data",
    [
        None,
        "sources",
        {"type": "nope"},
        {"type": "sources", "cells": [{"id": "a"}]},
        {"type": "sources", "cells": "x"},
    ],
)
def test_anything_else_from_a_browser_is_dropped_not_raised(data):
    assert parse_frontend(data) is None


@pytest.mark.parametrize("message", KERNEL_MESSAGES + FRONTEND_MESSAGES)
def test_no_message_has_a_top_level_state_key_which_nbclient_takes_for_widgets(
    message,
):
    # nbclient stores data["state"] of every comm message as widget state.
    assert "state" not in message.__dataclass_fields__
