# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/write-and-run.mdx
# (section "Cancel a workflow if it runs for too long"), PrefectHQ/prefect at ce79dd3d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
from prefect import flow
import time

@flow(timeout_seconds=1, log_prints=True)
def show_timeouts():
    print("I will execute")
    time.sleep(5)
    print("I will not execute")


show_timeouts()  # added for the test
