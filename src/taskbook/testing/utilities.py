"""``prefect_test_harness()``: run flows against a temporary store, as in Prefect.

Inside the ``with`` block the default session (run store, cache, blocks,
variables, concurrency limits) lives in a new temporary folder, also given to
child processes as ``$TASKBOOK_HOME``; on exit the previous session and
environment come back and the folder is removed.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from taskbook.engine.session import Session, using_session

__all__ = ("assert_does_not_warn", "prefect_test_harness")


@contextmanager
def prefect_test_harness(
    server_startup_timeout: int | None = 30, in_process: bool = False
) -> Iterator[None]:
    """Run the body's flows against a temporary store.

    Args:
        server_startup_timeout: Accepted for Prefect compatibility (no server).
        in_process: Accepted for Prefect compatibility (always in process).

    Example:
        ``@pytest.fixture(autouse=True, scope="session")``
        ``def harness(): with prefect_test_harness(): yield``
    """
    del server_startup_timeout, in_process
    with tempfile.TemporaryDirectory(prefix="taskbook-test-") as folder:
        home = Path(folder) / ".taskbook"
        previous_env = os.environ.get("TASKBOOK_HOME")
        os.environ["TASKBOOK_HOME"] = str(home)
        try:
            with using_session(Session(home=home)):
                yield
        finally:
            if previous_env is None:
                os.environ.pop("TASKBOOK_HOME", None)
            else:
                os.environ["TASKBOOK_HOME"] = previous_env


@contextmanager
def assert_does_not_warn(
    ignore_warnings: list[type[Warning]] | None = None,
) -> Iterator[None]:
    """Fail the body on any warning but those of ``ignore_warnings`` (as Prefect's).

    Raises:
        AssertionError: The body warned.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for category in ignore_warnings or []:
            warnings.filterwarnings("ignore", category=category)
        try:
            yield
        except Warning as warning:
            raise AssertionError(f"Warning was raised. {warning!r}") from warning
