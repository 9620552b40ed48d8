# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/cache-workflow-steps.mdx
# (section "Cache based on a subset of inputs"), PrefectHQ/prefect at ce79dd3d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
from prefect import task
from prefect.cache_policies import INPUTS
import time

@task(cache_policy=INPUTS - 'debug')
def my_stateful_task(x: int, debug: bool = False):
    print('sleeping')
    time.sleep(0.1)  # changed for the test: the docs sleep 10 seconds
    return x + 1

my_stateful_task(x=1) # sleeps
my_stateful_task(x=1, debug=True) # does not sleep
my_stateful_task(x=1, debug=False) # does not sleep
