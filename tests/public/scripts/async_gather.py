"""An async flow: asyncio.gather over async tasks, then a submitted task's future."""

from __future__ import annotations

import asyncio

from prefect import flow, task


@task(retries=1, retry_delay_seconds=0)
async def fetch_page(page: int) -> list[int]:
    # Later pages answer first: gather must still return results in call order.
    await asyncio.sleep(0.01 * (4 - page))
    return [page * 10 + i for i in range(3)]


@task
async def total(pages: list[list[int]]) -> int:
    await asyncio.sleep(0)
    return sum(sum(p) for p in pages)


@task
def label(value: int) -> str:
    return f"total={value}"


@flow
async def crawl(pages: int = 3) -> tuple[list[list[int]], int, str]:
    results = await asyncio.gather(*[fetch_page(p) for p in range(1, pages + 1)])
    future = total.submit(results)
    value = await asyncio.to_thread(future.result)
    text = label(value)
    return list(results), value, text


if __name__ == "__main__":
    pages, value, text = asyncio.run(crawl(pages=3))
    for page in pages:
        print("page:", page)
    print("sum:", value)
    print(text)
