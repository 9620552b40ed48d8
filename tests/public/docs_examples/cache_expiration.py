# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/cache-workflow-steps.mdx
# (section "Cache with an expiration"), PrefectHQ/prefect at ce79dd3d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
from prefect import task
from prefect.cache_policies import INPUTS

import time
from datetime import timedelta

@task(cache_policy=INPUTS, cache_expiration=timedelta(seconds=10))
def my_stateful_task(x: int):
    print('sleeping')
    time.sleep(0.1)  # changed for the test: the docs sleep 10 seconds
    return x + 1

my_stateful_task(x=1) # sleeps
my_stateful_task(x=1) # does not sleep
# ... 10 seconds pass ...
# (added for the test: they do not; the third call is a cache hit here)
my_stateful_task(x=1) # sleeps again
