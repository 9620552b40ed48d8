# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/global-concurrency-limits.mdx
# (section "Use `concurrency` and `rate_limit` outside of a flow"), PrefectHQ/prefect at
# 043ec3a4, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
# Needs the limit first: gcl create rate-limited-api --limit 5 --slot-decay-per-second 10
import asyncio

from prefect.concurrency.asyncio import rate_limit


async def main():
    for _ in range(10):
        await rate_limit("rate-limited-api")
        print("Making an HTTP request...")



if __name__ == "__main__":
    asyncio.run(main())
