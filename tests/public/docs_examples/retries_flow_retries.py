# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/retries.mdx
# (section "Set the number of retries"), PrefectHQ/prefect at ce79dd3d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
from prefect import flow


@flow(retries=3)
def troublesome_workflow():
    raise Exception("oopsie daisy")


state = troublesome_workflow(return_state=True)  # added for the test
print(state.type.value, state.name)  # added for the test
