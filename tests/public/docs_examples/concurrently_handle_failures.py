# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/run-work-concurrently.mdx
# (section "Handling failures in concurrent work"), PrefectHQ/prefect at ce79dd3d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
from typing import Any
from prefect import flow, task
from prefect.futures import wait
from prefect.states import State

@task
def process_data(item: int) -> str:
    if item < 0:
        raise ValueError(f"Cannot process negative value: {item}")
    return f"Processed {item}"

@flow
def batch_processing():
    items = [1, -2, 3, -4, 5]

    # Submit all tasks and return the futures
    futures = process_data.map(items)

    # Wait for all futures to complete concurrently
    done, not_done = wait(futures)

    # Check each future's state
    successful: list[Any] = []
    failed: list[State] = []

    for future in done:
        if future.state.is_completed():
            successful.append(future.result())
        else:
            failed.append(future.state)

    print(f"Processed {len(successful)} items successfully")
    print(f"Failed to process {len(failed)} items")

    return successful


print(sorted(batch_processing()))  # added for the test
