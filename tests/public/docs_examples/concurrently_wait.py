# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/run-work-concurrently.mdx
# (section "Handling futures: wait()"), PrefectHQ/prefect at ce79dd3d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
from prefect import task, flow
from prefect.futures import wait

@task
def cool_task():
    return "sup"

@flow
def my_workflow():
    futures = [cool_task.submit() for _ in range(10)]
    wait(futures)


print(my_workflow())  # added for the test
