# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/cache-workflow-steps.mdx
# (section "Ignore the cache: refresh_cache=False"), PrefectHQ/prefect at ce79dd3d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
import random

from prefect import task
from prefect.cache_policies import TASK_SOURCE

@task(cache_policy=TASK_SOURCE, refresh_cache=False)
def caching_task():
    return random.random()


print(caching_task() == caching_task())  # added for the test
