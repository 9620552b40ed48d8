"""The bridge: events in from any thread, coalesced frames out, never blocking.

These tests drive a real ``Bridge`` thread with the engine's event classes and a
recording ``apply`` (standing in for the widgets, which ``test_live`` covers).
"""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

from taskbook.core.events import FlowRunCreated, StateChanged, TaskRunCreated
from taskbook.core.states import State, StateType
from taskbook.widgets.bridge import Bridge, KernelHost, NullHost
from taskbook.widgets.viewmodel import RunFold


class Recorder:
    """An ``apply`` that records when it ran and what the frame said."""

    def __init__(self, cost: float = 0.0) -> None:
        self.cost = cost
        self.calls: list[tuple[float, dict[str, Any]]] = []

    def __call__(self, frame: dict[str, Any]) -> None:
        self.calls.append((time.monotonic(), frame))
        if self.cost:
            time.sleep(self.cost)


def publish_run(
    bridge: Bridge, tasks: int, spacing: float, finish: bool = True
) -> None:
    t = time.time()
    bridge(FlowRunCreated("F", "flow", "run", {}, (), None, t))
    bridge(StateChanged("F", "flow", State(StateType.RUNNING, ts=t)))
    for i in range(tasks):
        now = time.time()
        bridge(TaskRunCreated(f"r{i}", "F", "t", "t", f"t-{i}", (), now))
        bridge(StateChanged(f"r{i}", "task", State(StateType.RUNNING, ts=now), 1))
        bridge(StateChanged(f"r{i}", "task", State(StateType.COMPLETED, ts=now), 1))
        if spacing:
            time.sleep(spacing)
    if finish:
        bridge(StateChanged("F", "flow", State(StateType.COMPLETED, ts=time.time())))


def test_frames_are_coalesced_to_the_interval_and_the_last_one_is_complete() -> None:
    recorder = Recorder()
    bridge = Bridge(RunFold(), recorder, interval=0.05, duty=1.0).start()
    started = time.monotonic()
    publish_run(bridge, tasks=200, spacing=0.003)
    assert bridge.finished.wait(5)
    elapsed = time.monotonic() - started
    frames = len(recorder.calls)
    # 600 events; at most one frame per 50 ms (plus the first and the final one).
    assert 3 <= frames <= elapsed / 0.05 + 2, (frames, elapsed)
    gaps = [
        b[0] - a[0] for a, b in zip(recorder.calls, recorder.calls[1:], strict=False)
    ]
    # The final frame skips the window: the run is over, nothing left to slow.
    assert min(gaps[:-1]) >= 0.045
    last = recorder.calls[-1][1]
    assert last["summary"]["counts"] == {"Completed": 200}
    assert last["summary"]["done"]


def test_publishing_never_waits_for_a_slow_view() -> None:
    in_frame, release = threading.Event(), threading.Event()

    def stuck(frame: dict[str, Any]) -> None:
        in_frame.set()
        release.wait(30)  # a view that hangs until the test lets it go

    bridge = Bridge(RunFold(), stuck, interval=0.01, duty=1.0).start()
    bridge(FlowRunCreated("F", "flow", "run", {}, (), None, time.time()))
    assert in_frame.wait(5)  # the first frame is being applied, and hangs
    publish_run(bridge, tasks=1000, spacing=0, finish=True)
    # All 3,003 events were taken while the view was stuck: none waited for it.
    assert not release.is_set()
    assert len(bridge._queue) >= 3000
    release.set()
    assert bridge.finished.wait(10)
    bridge.stop()


def test_a_costly_frame_delays_the_next_by_the_duty_cycle() -> None:
    recorder = Recorder(cost=0.02)
    bridge = Bridge(RunFold(), recorder, interval=0.01, duty=0.1).start()
    publish_run(bridge, tasks=100, spacing=0.008)
    assert bridge.finished.wait(5)
    starts = [t for t, _ in recorder.calls][:-1]  # the last frame follows the end
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # A 20 ms frame at a 10 % duty cycle: at least 200 ms between frame starts.
    assert gaps
    assert min(gaps) >= 0.19, gaps


def test_in_flight_runs_are_redrawn_on_ticks_without_events() -> None:
    recorder = Recorder()
    bridge = Bridge(RunFold(), recorder, interval=0.01, tick=0.05, duty=1.0).start()
    publish_run(bridge, tasks=1, spacing=0, finish=False)
    time.sleep(0.4)
    bridge.stop()
    ends = [call[1]["timeline"]["end"] for call in recorder.calls]
    assert len(ends) >= 4
    assert ends == sorted(ends)
    assert ends[-1] > ends[0]


def test_on_done_runs_once_after_the_final_frame() -> None:
    order: list[str] = []
    bridge = Bridge(
        RunFold(),
        lambda frame: order.append("done" if frame["summary"]["done"] else "frame"),
        interval=0.01,
        on_done=lambda: order.append("on_done"),
    ).start()
    publish_run(bridge, tasks=3, spacing=0)
    assert bridge.finished.wait(5)
    time.sleep(0.05)
    assert order[-2:] == ["done", "on_done"]
    assert order.count("on_done") == 1
    bridge.stop(timeout=1)
    assert bridge._thread is not None
    assert not bridge._thread.is_alive()


def test_a_failing_view_is_logged_and_the_bridge_goes_on(caplog: Any) -> None:
    calls = []

    def apply(frame: dict[str, Any]) -> None:
        calls.append(frame)
        if len(calls) == 1:
            raise RuntimeError("widget broke")

    bridge = Bridge(RunFold(), apply, interval=0.01).start()
    publish_run(bridge, tasks=2, spacing=0.02)
    assert bridge.finished.wait(5)
    assert calls[-1]["summary"]["done"]
    assert "live view update failed" in caplog.text


class FakeShell:
    """The part of IPython's shell a KernelHost uses, recording what it is given."""

    def __init__(self) -> None:
        self.parent = {"header": {"msg_id": "cell-1"}}
        self.thread_parents: list[Any] = []
        self.published: list[dict[str, Any]] = []
        self.display_pub = self

    def get_parent(self) -> dict[str, Any]:
        return self.parent

    def set_thread_parent(self, parent: Any) -> str:
        self.thread_parents.append(parent)
        return "token"

    def reset_thread_parent(self, token: str) -> None:
        self.thread_parents.append(("reset", token))

    def publish(self, **kwargs: Any) -> None:
        self.published.append(kwargs)


def test_kernel_host_replays_the_cells_parent_on_other_threads() -> None:
    shell = FakeShell()
    host = KernelHost(shell)
    shell.parent = {"header": {"msg_id": "cell-2"}}  # the kernel moved on
    thread = threading.Thread(
        target=lambda: host.display({"text/plain": "x"}, "d1", update=True)
    )
    thread.start()
    thread.join()
    assert shell.thread_parents == [
        {"header": {"msg_id": "cell-1"}},
        ("reset", "token"),
    ]
    assert shell.published == [
        {
            "data": {"text/plain": "x"},
            "metadata": {},
            "transient": {"display_id": "d1"},
            "update": True,
        }
    ]


def test_null_host_runs_and_shows_nothing() -> None:
    ran = []
    NullHost().deliver(lambda: ran.append(1))
    NullHost().display({"text/plain": "x"}, "d")
    assert ran == [1]


def test_a_big_run_gets_frames_only_as_its_budget_allows() -> None:
    recorder = Recorder(cost=0.03)  # a costly frame, as for a huge graph
    bridge = Bridge(RunFold(), recorder, interval=0.01, duty=0.05).start()
    started = time.monotonic()
    publish_run(bridge, tasks=300, spacing=0.002, finish=False)
    time.sleep(0.5)
    elapsed = time.monotonic() - started
    in_flight_busy = bridge.busy_seconds
    bridge(StateChanged("F", "flow", State(StateType.COMPLETED, ts=time.time())))
    assert bridge.finished.wait(5)
    # While the run was in flight the view stayed within 5 % of the elapsed time,
    # give or take the frame that was being built when we looked.
    assert in_flight_busy <= 0.05 * elapsed + 0.04, (in_flight_busy, elapsed)
    assert recorder.calls[-1][1]["summary"]["done"]  # the end is always shown
