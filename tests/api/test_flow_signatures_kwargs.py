"""Flows and tasks with ``*args``/``**kwargs`` get their arguments spread back."""

from __future__ import annotations

import asyncio

from taskbook import flow, task


def test_a_flow_with_var_keyword_receives_the_keywords(isolated_home):
    @flow
    def collect(first, *rest, **options):
        return first, rest, options

    assert collect(1, 2, 3, n=5) == (1, (2, 3), {"n": 5})


def test_an_async_flow_with_var_keyword_receives_the_keywords(isolated_home):
    @flow
    async def collect(**options):
        await asyncio.sleep(0)
        return options

    assert asyncio.run(collect(x=1)) == {"x": 1}


def test_an_async_task_with_var_positional_returns_its_value(isolated_home):
    @task
    async def add(*xs):
        await asyncio.sleep(0)
        return sum(xs)

    @flow
    def in_a_sync_flow():
        return add(1, 2), add.submit(3, 4).result()

    @flow
    async def in_an_async_flow():
        return await add(5, 6)

    assert in_a_sync_flow() == (3, 7)
    assert asyncio.run(in_an_async_flow()) == 11
