"""The kernel's end of the comm, with a recording comm and the real event bus."""

from __future__ import annotations

import threading
from typing import Any

from taskbook.core.events import FlowRunCreated, StateChanged, TaskRunCreated
from taskbook.core.states import State, StateType
from taskbook.engine.bus import EventBus
from taskbook.protocol.channel import Channel
from taskbook.protocol.messages import SourcesMessage, TaskInfo


class RecordingComm:
    """A comm that keeps what the kernel sends; ``gate`` holds the first send."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.sent: list[dict[str, Any]] = []
        self.gate = gate
        self.changed = threading.Condition()
        self.handler: Any = None
        self.closed = False
        self.holding = threading.Event()

    def on_msg(self, handler: Any) -> None:
        self.handler = handler

    def on_close(self, handler: Any) -> None:
        pass

    def send(self, data: dict[str, Any]) -> None:
        if self.gate is not None and data["type"] == "states" and data["cells"]:
            self.holding.set()
            self.gate.wait(10)
            self.gate = None
        with self.changed:
            self.sent.append(data)
            self.changed.notify_all()

    def close(self) -> None:
        self.closed = True

    def wait_for(self, predicate: Any) -> list[dict[str, Any]]:
        with self.changed:
            assert self.changed.wait_for(lambda: predicate(self.sent), timeout=10)
            return list(self.sent)

    def badges(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for message in self.sent:
            if message["type"] == "states":
                out.update({c["cell_id"]: c for c in message["cells"]})
        return out


class Notebook:
    def __init__(self) -> None:
        self.cells = [
            (TaskInfo("c1", "load", "task"), "%%task load\nx = 1"),
            (TaskInfo("c2", "cell-2", "cell"), "y = x + 1"),
        ]
        self.received: list[SourcesMessage] = []

    def registry(self) -> list[tuple[TaskInfo, str]]:
        return self.cells

    def on_sources(self, message: SourcesMessage) -> None:
        self.received.append(message)


def attached(
    comm: RecordingComm | None = None,
) -> tuple[EventBus, Notebook, RecordingComm, Channel]:
    """A channel over a real bus, serving ``comm`` (a fresh recording comm)."""
    bus, notebook, comm = EventBus(), Notebook(), comm or RecordingComm()
    channel = Channel(bus.subscribe, notebook.registry, notebook.on_sources)
    channel.attach(comm)
    return bus, notebook, comm, channel


def run_task(bus: EventBus, run_id: str, name: str, *states: State) -> None:
    bus.publish(TaskRunCreated(run_id, "F", name, name, name, (), 1.0))
    for count, state in enumerate(states, 1):
        bus.publish(StateChanged(run_id, "task", state, run_count=count))


def test_an_attached_frontend_gets_the_registry_and_then_live_badges():
    bus, _notebook, comm, channel = attached()
    assert comm.sent[0] == {
        "type": "registry",
        "version": 1,
        "tasks": [
            {"cell_id": "c1", "name": "load", "kind": "task"},
            {"cell_id": "c2", "name": "cell-2", "kind": "cell"},
        ],
    }
    run_task(bus, "t1", "load", State(StateType.RUNNING, ts=10.0))
    comm.wait_for(lambda sent: any(m["type"] == "states" and m["cells"] for m in sent))
    assert comm.badges()["c1"]["state"] == "RUNNING"
    bus.publish(
        StateChanged("t1", "task", State(StateType.COMPLETED, "Cached", ts=12.5), 2)
    )
    bus.publish(StateChanged("F", "flow", State(StateType.COMPLETED, ts=13.0)))
    sent = comm.wait_for(lambda sent: sent[-1]["type"] == "run_finished")
    assert comm.badges()["c1"] == {
        "cell_id": "c1",
        "state": "COMPLETED",
        "name": "Cached",
        "duration": 2.5,
        "attempts": 2,
        "cached": True,
        "stale": False,
        "message": None,
        "ts": 12.5,
    }
    assert sent[-1] == {
        "type": "run_finished",
        "flow_run_id": "F",
        "state_type": "COMPLETED",
    }
    channel.close()
    assert comm.closed


def test_state_changes_are_coalesced_while_a_message_is_on_its_way():
    gate = threading.Event()
    bus, _notebook, comm, channel = attached(RecordingComm(gate))
    bus.publish(FlowRunCreated("F", "nb", "run", {}, (), None, 1.0))
    run_task(bus, "t0", "load", State(StateType.RUNNING, ts=1.0))
    assert comm.holding.wait(10)
    # The sender is held in its first send; 400 changes pile up meanwhile.
    for i in range(200):
        run_task(bus, f"a{i}", "load", State(StateType.RUNNING, ts=2.0))
        run_task(bus, f"b{i}", "cell-2", State(StateType.COMPLETED, ts=3.0))
    gate.set()
    comm.wait_for(lambda sent: len([m for m in sent if m["type"] == "states"]) >= 3)
    states = [m for m in comm.sent if m["type"] == "states"]
    assert len(states) == 3  # the snapshot, the held one, one for all 400 changes
    assert {c["cell_id"] for c in states[-1]["cells"]} == {"c1", "c2"}
    channel.close()


def test_an_edited_cell_is_stale_until_it_completes_again():
    bus, notebook, comm, channel = attached()
    run_task(bus, "t1", "load", State(StateType.COMPLETED, ts=1.0))
    comm.wait_for(lambda sent: "c1" in comm.badges())
    notebook.cells[0] = (notebook.cells[0][0], "%%task load\nx = 2")
    comm.handler(
        {
            "content": {
                "data": {
                    "type": "sources",
                    "cells": [{"id": "c1", "index": 0, "source": "%%task load\nx = 2"}],
                }
            }
        }
    )
    comm.wait_for(lambda sent: comm.badges()["c1"]["stale"])
    assert notebook.received[0].cells[0].source == "%%task load\nx = 2"
    run_task(bus, "t2", "load", State(StateType.COMPLETED, ts=2.0))
    comm.wait_for(lambda sent: comm.badges()["c1"]["ts"] == 2.0)
    assert comm.badges()["c1"]["stale"] is False
    channel.close()


def test_events_of_tasks_outside_the_notebook_send_nothing():
    bus, _notebook, comm, channel = attached()
    run_task(bus, "t1", "not-a-cell", State(StateType.RUNNING, ts=1.0))
    channel.flush()
    assert [m["type"] for m in comm.sent] == ["registry", "states"]
    channel.close()


def test_run_finished_waits_until_the_run_is_settled_in_the_store():
    # The sidebar reads the run store when it hears a run finished: the message
    # must not overtake the store's background commit (the settle callback).
    settled = threading.Event()
    release = threading.Event()

    def settle() -> None:
        release.wait(10)
        settled.set()

    bus, notebook, comm = EventBus(), Notebook(), RecordingComm()
    channel = Channel(
        bus.subscribe, notebook.registry, notebook.on_sources, settle=settle
    )
    channel.attach(comm)
    bus.publish(FlowRunCreated("F", "nb", "run", {}, (), None, 1.0))
    run_task(bus, "t1", "load", State(StateType.COMPLETED, ts=2.0))
    bus.publish(StateChanged("F", "flow", State(StateType.COMPLETED, ts=3.0)))
    # The badge goes out at once; the run's end waits for the store.
    comm.wait_for(lambda sent: comm.badges().get("c1", {}).get("state") == "COMPLETED")
    assert not any(m["type"] == "run_finished" for m in comm.sent)
    release.set()
    comm.wait_for(lambda sent: sent[-1]["type"] == "run_finished")
    assert settled.is_set()
    channel.close()
