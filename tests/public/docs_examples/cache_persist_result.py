# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/cache-workflow-steps.mdx
# (section "persist_result=True"), PrefectHQ/prefect at ce79dd3d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
from prefect import task, flow

@task(persist_result=True)
def add_one(x: int):
    return x + 1

@flow
def my_flow():
    add_one(1) # will not be cached
    add_one(1) # will be cached
    add_one(2) # will not be cached

    # added for the test: the docs show the states above in the run's log lines
    for x in (3, 3, 4):  # added for the test
        print(add_one(x, return_state=True).name)  # added for the test

if __name__ == "__main__":
    my_flow()
