# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/retries.mdx
# (section "Retry with configurable delay"), PrefectHQ/prefect at ce79dd3d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
from prefect import task


@task(retries=4, retry_delay_seconds=[1, 2, 4, 8])
def melancholic_task():
    raise Exception("We used to see each other so much more often")


print(melancholic_task.retries, melancholic_task.retry_delay_seconds)  # added for the test
