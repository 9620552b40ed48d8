"""Failure notices of schedules: a ``Notifier`` (the ``notify(body, subject)`` of
Prefect's notification blocks), a webhook one and an email one.

``--notify`` takes an ``http(s)://`` URL (a JSON POST; Slack's incoming
webhooks read its ``text``), ``mailto:ADDRESS`` (smtplib, through the SMTP
server ``TASKBOOK_SMTP_HOST``/``TASKBOOK_SMTP_PORT``, default localhost:25), or
a notification block saved in the store, as ``TYPE-SLUG/NAME`` (such as
``slack-webhook/ops``; ``taskbook.blocks``, where this taskbook has them).
Sending happens in a thread with a timeout, so a slow endpoint never delays a
slot; a failed send is logged, never raised.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import re
import smtplib
import socket
import threading
import urllib.request
from email.message import EmailMessage
from typing import Protocol

from taskbook.core.schedule import ScheduleSpec
from taskbook.errors import InvalidScheduleError, TaskbookError

__all__ = (
    "EmailNotifier",
    "Notifier",
    "WebhookNotifier",
    "check_notify",
    "send_notice",
)

_log = logging.getLogger("taskbook.schedule")
TIMEOUT_SECONDS = 10.0
_ADDRESS = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+$")


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


class EmailNotifier:
    """Sends a plain-text email through an SMTP server (``smtplib``)."""

    def __init__(
        self,
        to: str,
        host: str = "localhost",
        port: int = 25,
        sender: str | None = None,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.to = to
        self.host = host
        self.port = port
        self.sender = sender or f"taskbook@{socket.gethostname()}"
        self.timeout = timeout

    @classmethod
    def from_env(cls, to: str) -> EmailNotifier:
        """The server from ``TASKBOOK_SMTP_HOST``, ``_PORT`` and ``_FROM``."""
        return cls(
            to,
            host=os.environ.get("TASKBOOK_SMTP_HOST", "localhost"),
            port=int(os.environ.get("TASKBOOK_SMTP_PORT", "25")),
            sender=os.environ.get("TASKBOOK_SMTP_FROM"),
        )

    def notify(self, body: str, subject: str | None = None) -> None:
        """Send the message; raises ``OSError`` (``smtplib``'s errors are ones)."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = self.to
        message["Subject"] = subject or "taskbook"
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(message)


def check_notify(target: str | None) -> str | None:
    """Return ``--notify``'s value if it can be used.

    Raises:
        InvalidScheduleError: It is neither an ``http(s)://`` URL, nor
            ``mailto:`` one email address, nor a saved notification block.
    """
    if target is None or target.startswith(("http://", "https://")):
        return target
    if target.startswith("mailto:") and _ADDRESS.match(target[len("mailto:") :]):
        return target
    if "/" in target and ":" not in target:
        _block(target)
        return target
    raise InvalidScheduleError.from_problem(
        f"--notify {target!r} is not a webhook URL, a mailto: address or a "
        "notification block",
        "Give an http:// or https:// URL, mailto:you@example.com, or a saved "
        "notification block as TYPE-SLUG/NAME (such as slack-webhook/ops)",
    )


def _block(target: str) -> Notifier:
    """Load the notification block saved as ``TYPE-SLUG/NAME``.

    Raises:
        InvalidScheduleError: There are no blocks here, none is saved under that
            name, or it is no notification block.
    """
    try:
        # By name: a taskbook without blocks (or their extras) still schedules
        # and says so here, and the import graph does not depend on whether
        # the package is there (schedule -> blocks is allowed either way).
        notification_block = importlib.import_module(
            "taskbook.blocks.notifications"
        ).NotificationBlock
    except ImportError as error:
        raise InvalidScheduleError.from_problem(
            f"--notify {target!r} names a notification block, and this taskbook "
            f"cannot load blocks ({error})",
            "Give an http:// or https:// URL or mailto:you@example.com",
        ) from None
    try:
        block = notification_block.load(target)
    except TaskbookError as error:  # not saved, an unknown type, a bad name
        raise InvalidScheduleError.from_problem(
            f"--notify {target!r}: {str(error).rstrip('.')}",
            "Save the block first (block.save(NAME)), or give a URL or mailto:",
        ) from None
    if not isinstance(block, notification_block):
        raise InvalidScheduleError.from_problem(
            f"--notify {target!r} is a {type(block).__name__} block, which cannot "
            "notify",
            "Name a notification block (slack-webhook, custom-webhook, smtp-email)",
        )
    return block


def notifier_for(target: str) -> Notifier:
    """Return the notifier ``--notify`` names."""
    if target.startswith("mailto:"):
        return EmailNotifier.from_env(target[len("mailto:") :])
    if target.startswith(("http://", "https://")):
        return WebhookNotifier(target)
    return _block(target)


def send_notice(spec: ScheduleSpec, kind: str, message: str) -> threading.Thread:
    """Send a schedule's ``failed``/``recovered`` message in a thread; return it."""

    def send() -> None:
        assert spec.notify is not None
        try:
            notifier_for(spec.notify).notify(
                message, subject=f"taskbook schedule {spec.name}: {kind}"
            )
        except (OSError, TaskbookError) as exc:  # a block's NotificationError is one
            _log.warning("Could not send the %s notice of %s: %s", kind, spec.name, exc)

    thread = threading.Thread(target=send, name="taskbook-notice", daemon=True)
    thread.start()
    return thread
