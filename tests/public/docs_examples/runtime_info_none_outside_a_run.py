# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/access-runtime-info.mdx
# (section "Attributes of prefect.runtime are None if a value is not available"), PrefectHQ/prefect at ce79dd3d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
from prefect.runtime import flow_run

assert flow_run.name is None

print(flow_run.name)  # added for the test
