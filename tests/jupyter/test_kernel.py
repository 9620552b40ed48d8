"""One run at a time per kernel: a second run while one runs says what to do."""

from __future__ import annotations

import threading

from IPython.utils.capture import capture_output


def test_a_run_started_while_a_background_run_is_running_says_to_wait(ip):
    gate = threading.Event()
    gate.set()
    ip.user_ns["gate"] = gate
    ip.run_cell("%%task held --no-cache\nopened = gate.wait(30)")
    gate.clear()  # the background rerun now waits until the test opens the gate
    ip.run_cell("%flow run --background")
    side = ip._taskbook_magics[0].side
    try:
        with capture_output() as captured:
            result = ip.run_cell("%flow run")
    finally:
        gate.set()
        side.background.join(timeout=30)
    assert not result.success
    assert (
        "RunInProgressError: A run is already in progress (%flow run). "
        "Wait for it to finish, or interrupt the kernel to cancel it."
    ) in captured.stdout + captured.stderr
    assert side.last_result.state.is_completed()
