"""Calls behave the same inside a running event loop (a notebook cell) and in a script.

A sync call returns a value, never a coroutine, and taskbook never runs a loop on
the caller's thread: ``asyncio.run`` and ``run_until_complete`` are patched to fail
there for the duration of each test (the engine's own loop thread may use them).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.usefixtures("isolated_home")

# The same definitions run in-process (inside a running loop) and as a plain script.
_FLOWS = textwrap.dedent(
    """
    import anyio
    from taskbook import flow, task

    @task
    def add(x, y):
        return x + y

    @task
    async def async_double(x):
        await anyio.sleep(0.01)
        return 2 * x

    @flow
    def sync_flow(n: int):
        futures = add.map(range(n), 1)
        return sum(f.result() for f in futures)

    @flow
    def sync_flow_with_async_task(x: int):
        direct = async_double(x)
        submitted = async_double.submit(x + 1).result()
        return direct, submitted

    @flow
    async def async_flow(x: int):
        a = await async_double(x)
        b = add(a, 1)
        return a, b
    """
)

_SCRIPT = _FLOWS + textwrap.dedent(
    """
    import asyncio

    print("sync", sync_flow(3))
    print("sync+async task", sync_flow_with_async_task(5))
    print("async", asyncio.run(async_flow(4)))

    async def main():
        # a script that is itself async, like a notebook cell
        print("sync in loop", sync_flow(3))
        print("async in loop", await async_flow(4))

    asyncio.run(main())
    """
)


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def flows() -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "taskbook_event_loop_flows"}
    exec(compile(_FLOWS, "<flows>", "exec"), namespace)
    return namespace


@contextlib.contextmanager
def no_loop_on_this_thread() -> Iterator[list[str]]:
    """Make ``asyncio.run``/``run_until_complete`` fail when called on this thread.

    Used inside the test body, where this thread is running the test's event loop
    (asyncio or trio); the engine's own loop thread may still use both.
    """
    test_thread = threading.get_ident()
    attempts: list[str] = []
    real_run = asyncio.run
    real_ruc = asyncio.BaseEventLoop.run_until_complete

    def guarded_run(main: Any, **kwargs: Any) -> Any:
        if threading.get_ident() == test_thread:
            attempts.append("asyncio.run")
            if inspect.iscoroutine(main):
                main.close()
            raise AssertionError("asyncio.run called on the running loop's thread")
        return real_run(main, **kwargs)

    def guarded_ruc(self: asyncio.BaseEventLoop, future: Any) -> Any:
        if threading.get_ident() == test_thread:
            attempts.append("run_until_complete")
            if inspect.iscoroutine(future):
                future.close()
            raise AssertionError("run_until_complete called on the running loop")
        return real_ruc(self, future)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(asyncio, "run", guarded_run)
        patch.setattr(asyncio.BaseEventLoop, "run_until_complete", guarded_ruc)
        yield attempts


def test_the_guard_catches_a_loop_started_on_the_callers_thread():
    async def noop() -> None:
        return None

    with no_loop_on_this_thread() as attempts, pytest.raises(AssertionError):
        asyncio.run(noop())
    assert attempts == ["asyncio.run"]


@pytest.mark.anyio
async def test_a_sync_flow_called_in_a_running_loop_returns_its_value(flows):
    with no_loop_on_this_thread() as attempts:
        result = flows["sync_flow"](3)
    assert not inspect.isawaitable(result)
    assert result == 1 + 2 + 3
    assert attempts == []


@pytest.mark.anyio
async def test_a_sync_flow_calling_an_async_task_in_a_running_loop_returns_values(
    flows,
):
    with no_loop_on_this_thread() as attempts:
        result = flows["sync_flow_with_async_task"](5)
    assert result == (10, 12)
    assert attempts == []


@pytest.mark.anyio
async def test_an_async_flow_is_awaited_in_the_running_loop(flows):
    with no_loop_on_this_thread() as attempts:
        call = flows["async_flow"](4)
        assert inspect.iscoroutine(call)
        result = await call
    assert result == (8, 9)
    assert attempts == []


@pytest.mark.anyio
async def test_tasks_called_outside_a_flow_in_a_running_loop(flows):
    with no_loop_on_this_thread() as attempts:
        assert flows["add"](1, 2) == 3
        assert await flows["async_double"](21) == 42
    assert attempts == []


@pytest.mark.anyio
async def test_sync_calls_in_a_running_loop_are_recorded_like_any_other(flows):
    import taskbook

    flows["sync_flow_with_async_task"](1)
    record = taskbook.get_run(taskbook.runs().id[0])
    assert record.state_type == "COMPLETED"
    assert sorted(t.name for t in record.task_runs) == [
        "async_double-0",
        "async_double-1",
    ]
    assert {t.state_type for t in record.task_runs} == {"COMPLETED"}


def test_the_same_flows_work_in_a_plain_script(isolated_home, tmp_path):
    script = tmp_path / "script.py"
    script.write_text(_SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script)],
        env={**os.environ, "TASKBOOK_HOME": str(isolated_home)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "sync 6",
        "sync+async task (10, 12)",
        "async (8, 9)",
        "sync in loop 6",
        "async in loop (8, 9)",
    ]
