# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/test-workflows.mdx
# (section "Test the underlying function without the engine"), PrefectHQ/prefect at 0e38662d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
from prefect import flow, task

@task
def my_favorite_task():
    return 42

@flow
def my_favorite_flow():
    val = my_favorite_task()
    return val

def test_my_favorite_task():
    assert my_favorite_task.fn() == 42


test_my_favorite_task()  # added for the test
print("ok")  # added for the test
