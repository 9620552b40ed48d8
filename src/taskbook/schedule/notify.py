"""Failure notices of schedules: a ``Notifier`` (the ``notify(body, subject)`` of
Prefect's notification blocks) and a webhook one.

``--notify`` takes an ``http(s)://`` URL today; the notification blocks (Slack,
email) come with taskbook's blocks and will plug in here by name. Sending
happens in a thread with a timeout, so a slow endpoint never delays a slot; a
failed send is logged, never raised.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.request
from typing import Protocol

from taskbook.core.schedule import ScheduleSpec
from taskbook.errors import InvalidScheduleError

__all__ = ("Notifier", "WebhookNotifier", "check_notify", "send_notice")

_log = logging.getLogger("taskbook.schedule")
TIMEOUT_SECONDS = 10.0


class Notifier(Protocol):
    """Sends one message (Prefect's ``NotificationBlock.notify``)."""

    def notify(self, body: str, subject: str | None = None) -> None: ...


class WebhookNotifier:
    """POSTs ``{"subject", "body", "text"}`` as JSON to a URL (Slack reads ``text``)."""

    def __init__(self, url: str, timeout: float = TIMEOUT_SECONDS) -> None:
        self.url = url
        self.timeout = timeout

    def notify(self, body: str, subject: str | None = None) -> None:
        """Send the message; raises ``OSError`` if the endpoint cannot be reached."""
        data = json.dumps({"subject": subject, "body": body, "text": body}).encode()
        request = urllib.request.Request(
            self.url,
            data=data,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            response.read()


def check_notify(target: str | None) -> str | None:
    """Return ``--notify``'s value if it can be used.

    Raises:
        InvalidScheduleError: It is not an ``http(s)://`` URL.
    """
    if target is None or target.startswith(("http://", "https://")):
        return target
    raise InvalidScheduleError.from_problem(
        f"--notify {target!r} is not a webhook URL",
        "Give an http:// or https:// URL (notification blocks by name come with "
        "taskbook's blocks)",
    )


def notifier_for(target: str) -> Notifier:
    """Return the notifier ``--notify`` names."""
    return WebhookNotifier(target)


def send_notice(spec: ScheduleSpec, kind: str, message: str) -> threading.Thread:
    """Send a schedule's ``failed``/``recovered`` message in a thread; return it."""

    def send() -> None:
        assert spec.notify is not None
        try:
            notifier_for(spec.notify).notify(
                message, subject=f"taskbook schedule {spec.name}: {kind}"
            )
        except OSError as exc:
            _log.warning("Could not send the %s notice of %s: %s", kind, spec.name, exc)

    thread = threading.Thread(target=send, name="taskbook-notice", daemon=True)
    thread.start()
    return thread
