"""Flows with ``*args``/``**kwargs`` get their arguments spread back, as in Prefect."""

from __future__ import annotations

import asyncio

from taskbook import flow


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
