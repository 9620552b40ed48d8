# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/test-workflows.mdx
# (section "MissingContextError from get_run_logger"), PrefectHQ/prefect at 0e38662d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
from prefect import get_run_logger, task  # added for the test
@task  # added for the test
def my_task():  # added for the test
    get_run_logger().info("dropped: the run logger is disabled")  # added for the test
    return 42  # added for the test

from prefect.logging import disable_run_logger

def test_task_with_logging():
    with disable_run_logger():
        result = my_task.fn()


test_task_with_logging()  # added for the test
print("ok")  # added for the test
