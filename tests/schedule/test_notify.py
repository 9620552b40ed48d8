"""Failure notices through a webhook, by email (``--notify mailto:ADDRESS``,
through the SMTP server the environment names) and through a saved notification
block, each to a local server the test starts: at most one "failed" per 15
minutes while a schedule keeps failing, then one "recovered"."""

from __future__ import annotations

import email
import email.policy
import http.server
import json
import queue
import socketserver
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from taskbook.errors import InvalidScheduleError
from taskbook.schedule.notify import check_notify, send_notice

from .conftest import World


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib's ``send_message``."""

    received: queue.Queue[EmailMessage]

    def _reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self._reply("220 localhost test SMTP")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                self._reply("354 end with <CRLF>.<CRLF>")
                data = b""
                while (part := self.rfile.readline()) not in (b".\r\n", b""):
                    data += part[1:] if part.startswith(b"..") else part
                message = email.message_from_bytes(data, policy=email.policy.default)
                assert isinstance(message, EmailMessage)
                self.received.put(message)
                self._reply("250 queued")
            elif verb == b"QUIT":
                self._reply("221 bye")
                return
            else:  # EHLO, MAIL FROM, RCPT TO, RSET, NOOP
                self._reply("250 ok")


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[queue.Queue[EmailMessage]]:
    received: queue.Queue[EmailMessage] = queue.Queue()
    handler = type("Smtp", (_Smtp,), {"received": received})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("TASKBOOK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TASKBOOK_SMTP_PORT", str(server.server_address[1]))
    monkeypatch.setenv("TASKBOOK_SMTP_FROM", "taskbook@example.com")
    yield received
    server.shutdown()
    server.server_close()


def test_failure_emails_are_one_per_quarter_hour_then_one_recovered(
    world: World, smtp: queue.Queue[EmailMessage]
) -> None:
    world.add(seconds=300, overlap="allow", notify="mailto:ops@example.com")
    threads: list[threading.Thread] = []
    scheduler = world.scheduler(
        notify=lambda spec, kind, text: threads.append(send_notice(spec, kind, text))
    )
    for code in [1] * 9 + [0, 0]:  # five minutes apart: 45 minutes failing
        world.advance(300)
        scheduler.tick()
        world.launcher.finish(world.launcher.launched[-1], code)
        scheduler.tick()
    for thread in threads:
        thread.join(10)

    mails = [smtp.get_nowait() for _ in range(smtp.qsize())]
    assert [m["Subject"] for m in mails] == [
        *["taskbook schedule every-minute: failed"] * 3,  # minutes 5, 20, 35
        "taskbook schedule every-minute: recovered",
    ]
    assert {(m["From"], m["To"]) for m in mails} == {
        ("taskbook@example.com", "ops@example.com")
    }
    assert "ended failed" in mails[0].get_content()
    assert "recovered" in mails[3].get_content()


@pytest.mark.parametrize(
    "target", ["mailto:ops@example.com", "https://hooks.example.com/x", None]
)
def test_webhooks_and_mailto_addresses_are_accepted(target: str | None) -> None:
    assert check_notify(target) == target


@pytest.mark.parametrize(
    "target", ["mailto:", "mailto:ops", "mailto:a@b.c,d@e.f", "ops@example.com"]
)
def test_other_notify_targets_are_refused_naming_them(target: str) -> None:
    with pytest.raises(
        InvalidScheduleError,
        match="is not a webhook URL, a mailto: address or a notification block",
    ):
        check_notify(target)


class _Hook(http.server.BaseHTTPRequestHandler):
    received: queue.Queue[dict[str, Any]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.put(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, queue.Queue[dict[str, Any]]]]:
    received: queue.Queue[dict[str, Any]] = queue.Queue()
    handler = type("Hook", (_Hook,), {"received": received})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


def test_failure_notices_reach_a_webhook_with_noise_control(
    world: World, webhook: tuple[str, queue.Queue[dict[str, Any]]]
) -> None:
    from taskbook.schedule.notify import send_notice

    url, received = webhook
    world.add(seconds=60, overlap="allow", notify=url)
    threads: list[threading.Thread] = []
    scheduler = world.scheduler(
        notify=lambda spec, kind, text: threads.append(send_notice(spec, kind, text))
    )
    for code in (1, 1, 1, 0, 0):  # one minute apart
        world.advance(60)
        scheduler.tick()
        world.launcher.finish(world.launcher.launched[-1], code)
        scheduler.tick()
    for thread in threads:
        thread.join(10)

    messages = [received.get_nowait() for _ in range(received.qsize())]
    assert [m["subject"] for m in messages] == [
        "taskbook schedule every-minute: failed",
        "taskbook schedule every-minute: recovered",
    ]
    assert "ended failed" in messages[0]["text"]
    assert "recovered" in messages[1]["body"]


def test_a_notification_block_not_saved_is_refused_naming_it(
    isolated_home: Path,
) -> None:
    with pytest.raises(InvalidScheduleError, match="--notify 'slack-webhook/nobody'"):
        check_notify("slack-webhook/nobody")


def test_failure_notices_go_through_a_saved_notification_block(
    isolated_home: Path, world: World, webhook: tuple[str, queue.Queue[dict[str, Any]]]
) -> None:
    # The block is saved in a store of the test's own, not the checkout's.
    notifications = pytest.importorskip("taskbook.blocks.notifications")
    url, received = webhook
    notifications.SlackWebhook(url=url).save("ops")
    assert check_notify("slack-webhook/ops") == "slack-webhook/ops"
    world.add(seconds=60, notify="slack-webhook/ops")
    threads: list[threading.Thread] = []
    scheduler = world.scheduler(
        notify=lambda spec, kind, text: threads.append(send_notice(spec, kind, text))
    )
    for code in (1, 0):
        world.advance(60)
        scheduler.tick()
        world.launcher.finish(world.launcher.launched[-1], code)
        scheduler.tick()
    for thread in threads:
        thread.join(30)

    texts = [received.get_nowait()["text"] for _ in range(received.qsize())]
    assert [text.splitlines()[0] for text in texts] == [
        "*taskbook schedule every-minute: failed*",
        "*taskbook schedule every-minute: recovered*",
    ]
