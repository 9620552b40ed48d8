# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/access-runtime-info.mdx
# (section "Access runtime information"), PrefectHQ/prefect at ce79dd3d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
from prefect import flow
from prefect.runtime import flow_run


@flow
def moody_workflow(name: str):
    return f"I wish my parents had named me {name} instead of {flow_run.name}."


print(moody_workflow("Marvin"))  # added for the test
