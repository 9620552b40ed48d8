# From Prefect 3's documentation: docs/v3/how-to-guides/workflows/test-workflows.mdx
# (section "Capture log output in tests"), PrefectHQ/prefect at 0e38662d, Apache-2.0 licensed.
# Copied as shown there; lines marked "added for the test" or "changed for the test" are ours.
import logging
from typing import Any

import pytest
from prefect import flow, get_run_logger, task
from prefect.testing.utilities import prefect_test_harness


@task
def log_message() -> None:
    logger = get_run_logger()
    logger.info("Logging from task")


@flow
def parent_flow() -> None:
    logger = get_run_logger()
    logger.info("Logging from flow")
    log_message()


@pytest.fixture(autouse=True, scope="session")
def prefect_test_fixture():
    with prefect_test_harness():
        yield


def test_flow_log_message(caplog: Any) -> None:
    caplog.set_level(logging.INFO)
    parent_flow()

    assert "Logging from flow" in caplog.messages


def test_task_log_message(caplog: Any) -> None:
    caplog.set_level(logging.INFO)
    parent_flow()

    assert "Logging from task" in caplog.messages


if __name__ == "__main__":  # added for the test
    pytest.main([__file__, "-q", "-p", "no:cacheprovider"])  # added for the test
