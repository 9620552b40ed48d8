"""Variables, blocks and notifications in async code, as Prefect 3 documents them:
"In a sync context (such as an ``if __name__ == "__main__"`` block or simple def
scope), these methods are used synchronously. In an async context (such as an
async def scope), they are used asynchronously." (how-to-guides/configuration/variables)
"""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

import pytest
from tests.blocks.servers import http_server

from taskbook import flow, task
from taskbook.blocks.core import Block
from taskbook.blocks.notifications import SlackWebhook
from taskbook.blocks.system import Secret
from taskbook.variables import Variable


@pytest.fixture(autouse=True)
def _home(isolated_home: Path) -> Path:
    return isolated_home


class Warehouse(Block):
    host: str
    port: int = 5432


def test_in_an_async_def_the_methods_are_awaited() -> None:
    async def main() -> tuple[object, ...]:
        await Variable.set("answer", 42)
        answer = await Variable.get("answer")
        await Warehouse(host="db").save("prod")
        loaded = await Warehouse.load("prod")
        await Secret(value="tb-async-secret-1").save("api-key")
        secret = (await Secret.load("api-key")).get()
        removed = await Variable.unset("answer")
        await Warehouse.delete("prod")
        return answer, loaded.host, secret, removed

    assert asyncio.run(main()) == (42, "db", "tb-async-secret-1", True)
    assert Variable.get("answer") is None


def test_in_sync_code_the_same_names_return_values() -> None:
    variable = Variable.set("answer", 42)
    saved = Warehouse(host="db").save("prod")

    assert variable.value == 42
    assert Variable.get("answer") == 42
    assert Warehouse.load("prod").host == "db"
    assert saved is not None
    assert not inspect.isawaitable(Variable.get("answer"))


def test_an_async_flow_awaits_while_its_sync_tasks_call_plainly() -> None:
    Variable.set("crew", ["Zaphod", "Arthur"])
    Secret(value="tb-async-secret-2").save("api-key")

    @task
    def crew_size() -> int:
        return len(Variable.get("crew"))

    @flow
    async def mission() -> tuple[object, ...]:
        crew = await Variable.get("crew")
        # load() gives the block in any code: awaited or not, as users write it.
        plain = Secret.load("api-key").get()
        awaited = (await Secret.load("api-key")).get()
        return crew, crew_size(), plain == awaited

    assert asyncio.run(mission()) == (["Zaphod", "Arthur"], 2, True)


def test_await_notify_in_an_async_flow_sends_it() -> None:
    with http_server() as (url, received):

        @flow
        async def alert() -> None:
            await SlackWebhook(url=url).notify("It broke", subject="Alert")

        asyncio.run(alert())

    [request] = received.requests
    assert request["json"] == {"text": "*Alert*\nIt broke"}


def test_sync_forces_one_side_as_prefect_does() -> None:
    Variable.set("answer", 42)

    async def main() -> tuple[object, object]:
        plain = Variable.get("answer", _sync=True)
        coroutine = Variable.get("answer", _sync=False)
        return plain, await coroutine

    assert asyncio.run(main()) == (42, 42)
    assert asyncio.run(Variable.get("answer", _sync=False)) == 42
