# From Prefect 3's documentation: docs/v3/concepts/caching.mdx
# (section "Cache keys: cache_key_fn"), PrefectHQ/prefect at ce79dd3d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
from prefect import task


def static_cache_key(context, parameters):
    # return a constant
    return "static cache key"


@task(cache_key_fn=static_cache_key)
def my_cached_task(x: int):
    return x + 1


print(my_cached_task(1), my_cached_task(2))  # added for the test
