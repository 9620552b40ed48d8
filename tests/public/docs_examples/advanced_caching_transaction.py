# From Prefect 3's documentation: docs/v3/advanced/caching.mdx
# (section "Coordinate caching across multiple tasks"), PrefectHQ/prefect at ce79dd3d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
from prefect import task, flow
from prefect.transactions import transaction


@task(cache_key_fn=lambda *args, **kwargs: "static-key-1")
def load_data():
    return "some-data"


@task(cache_key_fn=lambda *args, **kwargs: "static-key-2")
def process_data(data, fail):
    if fail:
        raise RuntimeError("Error! Abort!")
    return len(data)


@flow
def multi_task_cache(fail: bool = True):
    with transaction():
        data = load_data()
        process_data(data=data, fail=fail)


# added for the test: the docs describe these two runs and their effect
print(multi_task_cache(return_state=True).name)  # added for the test
print(multi_task_cache(fail=False, return_state=True).name)  # added for the test
print(load_data(return_state=True).name)  # added for the test
