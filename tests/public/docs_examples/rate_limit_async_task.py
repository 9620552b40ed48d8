# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/global-concurrency-limits.mdx
# (section "Using `rate_limit`", Async), PrefectHQ/prefect at 043ec3a4, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
# Needs the limit first: gcl create rate-limited-api --limit 5 --slot-decay-per-second 10
import asyncio

from prefect import flow, task
from prefect.concurrency.asyncio import rate_limit


@task
async def make_http_request():
    await rate_limit("rate-limited-api")
    print("Making an HTTP request...")


@flow
def my_flow():
    for _ in range(10):
        make_http_request.submit()


if __name__ == "__main__":
    asyncio.run(my_flow())
