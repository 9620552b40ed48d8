# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/cache-workflow-steps.mdx
# (section "Cache on multiple criteria"), PrefectHQ/prefect at ce79dd3d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
from prefect import task
from prefect.cache_policies import INPUTS, TASK_SOURCE

@task(cache_policy=INPUTS + TASK_SOURCE)
def my_task(x: int):
    return x + 1


for x in (1, 1, 2):  # added for the test
    state = my_task(x, return_state=True)  # added for the test
    print(state.name, state.result())  # added for the test
