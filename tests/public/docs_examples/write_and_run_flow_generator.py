# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/write-and-run.mdx
# (section "Define a workflow: generator"), PrefectHQ/prefect at ce79dd3d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
from prefect import flow


@flow
def generator():
    for i in range(10):
        yield i


for val in generator():
    print(val)
