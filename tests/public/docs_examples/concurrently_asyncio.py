# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/run-work-concurrently.mdx
# (section "Using asyncio"), PrefectHQ/prefect at ce79dd3d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
import asyncio

from prefect import flow, task


@task
async def stop_at_floor(floor: int):
    print(f"elevator moving to floor {floor}")
    await asyncio.sleep(floor / 100)  # changed for the test: the docs sleep `floor` seconds
    print(f"elevator stops on floor {floor}")


@flow
async def elevator():
    floors = list(range(10, 0, -1))
    await asyncio.gather(*[stop_at_floor(floor) for floor in floors])


if __name__ == "__main__":
    asyncio.run(elevator())
