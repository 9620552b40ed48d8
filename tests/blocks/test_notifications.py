from __future__ import annotations

from pathlib import Path

import pytest
from tests.blocks.servers import (
    http_server,
    self_signed_certificate,
    smtp_server,
    smtp_server_log,
)

from taskbook import flow, get_run, task
from taskbook.blocks.notifications import (
    AppriseNotificationBlock,
    CustomWebhookNotificationBlock,
    SlackWebhook,
    SMTPEmail,
    notify_on_failure,
)
from taskbook.blocks.system import Secret
from taskbook.engine import masking
from taskbook.engine.session import get_session
from taskbook.errors import MissingDependencyError, NotificationError


@pytest.fixture(autouse=True)
def _home(isolated_home: Path) -> Path:
    return isolated_home


def test_slack_webhook_posts_the_subject_and_body_as_text() -> None:
    with http_server() as (url, received):
        SlackWebhook(url=f"{url}/hooks/T000").notify("It broke", subject="Alert")

    [request] = received.requests
    assert (request["method"], request["path"]) == ("POST", "/hooks/T000")
    assert request["json"] == {"text": "*Alert*\nIt broke"}


def test_a_failed_send_is_retried_with_backoff() -> None:
    with http_server(fail_first=2) as (url, received):
        SlackWebhook(url=url, retries=2, retry_delay_seconds=0.01).notify("hi")

    assert len(received.requests) == 3


def test_after_the_last_attempt_notify_raises_naming_the_block() -> None:
    with (
        http_server(fail_first=5) as (url, received),
        pytest.raises(
            NotificationError,
            match=r"^SlackWebhook could not send the notification after 2 attempt",
        ),
    ):
        SlackWebhook(url=url, retries=1, retry_delay_seconds=0.01).notify("hi")
    assert len(received.requests) == 2


def test_custom_webhook_substitutes_subject_body_name_and_secrets() -> None:
    with http_server() as (url, received):
        CustomWebhookNotificationBlock(
            name="ops",
            url=url + "/notify",
            params={"channel": "{{name}}"},
            json_data={"title": "{{subject}}", "text": "{{body}}", "n": 1},
            headers={"Authorization": "Bearer {{token}}"},
            secrets={"token": "tb-webhook-token-42"},
        ).notify("body text", subject="subject text")

    [request] = received.requests
    assert request["path"] == "/notify?channel=ops"
    assert request["json"] == {"title": "subject text", "text": "body text", "n": 1}
    assert request["headers"]["Authorization"] == "Bearer tb-webhook-token-42"


def test_custom_webhook_refuses_an_unknown_placeholder_at_creation() -> None:
    with pytest.raises(ValueError, match=r"json_data/\{\{nope\}\} names no value"):
        CustomWebhookNotificationBlock(
            name="ops", url="http://x", json_data={"a": "{{nope}}"}
        )


def test_smtp_email_delivers_to_a_local_server() -> None:
    with smtp_server() as (port, messages):
        SMTPEmail(
            smtp_server="127.0.0.1",
            smtp_port=port,
            smtp_type="INSECURE",
            email_from="taskbook@example.org",
            email_to=["ops@example.org"],
        ).notify("The nightly flow failed.", subject="Flow failed")

    [message] = messages
    assert message["Subject"] == "Flow failed"
    assert message["To"] == "ops@example.org"
    assert message.get_payload().strip() == "The nightly flow failed."


def test_smtp_email_retries_after_a_failed_send() -> None:
    with smtp_server() as (port, messages):
        block = SMTPEmail(
            smtp_server="127.0.0.1",
            smtp_port=port,
            smtp_type="INSECURE",
            email_to=["ops@example.org"],
            retries=1,
            retry_delay_seconds=0.01,
        )
        calls = []
        send = SMTPEmail._send

        def flaky(self: SMTPEmail, body: str, subject: str | None) -> None:
            calls.append(body)
            if len(calls) == 1:
                raise ConnectionRefusedError("first send refused")
            send(self, body, subject)

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(SMTPEmail, "_send", flaky)
            block.notify("second time lucky")

    assert len(calls) == 2
    assert len(messages) == 1


def test_a_notification_body_never_carries_a_secret() -> None:
    value = Secret(value="tb-notify-secret-77").get()
    with http_server() as (url, received):
        SlackWebhook(url=url).notify(f"token {value} leaked?")

    assert received.requests[0]["json"] == {"text": f"token {masking.MASK} leaked?"}


def test_notify_on_failure_reports_flow_task_error_logs_and_run_id() -> None:
    with http_server() as (url, received):
        alerts = SlackWebhook(url=url)

        @task
        def load_rows() -> int:
            raise RuntimeError("warehouse unreachable")

        @flow(on_failure=[notify_on_failure(alerts)])
        def nightly() -> int:
            return load_rows()

        state = nightly(return_state=True)

    assert state.is_failed()
    [request] = received.requests
    text = request["json"]["text"]
    assert text.startswith("*Flow run nightly/")
    assert "Failed tasks: load_rows-0" in text
    assert "warehouse unreachable" in text
    assert "Last log lines:" in text
    records = get_session().store.query("SELECT id FROM flow_runs")
    [flow_run_id] = [r["id"] for r in records]
    assert f"Run id: {flow_run_id}" in text


def test_a_failed_notification_leaves_the_run_state_and_is_recorded() -> None:
    with http_server(fail_first=10) as (url, _received):
        alerts = SlackWebhook(url=url, retries=1, retry_delay_seconds=0.01)

        @flow(on_failure=[notify_on_failure(alerts)])
        def nightly() -> None:
            raise ValueError("boom")

        state = nightly(return_state=True)

    assert state.is_failed()
    assert state.message is not None
    assert "boom" in state.message
    get_session().store.flush()
    [row] = get_session().store.query("SELECT id FROM flow_runs")
    messages = [line["message"] for line in get_run(row["id"]).logs]
    assert any(
        m.startswith("Notification via SlackWebhook failed after 2 attempt(s)")
        for m in messages
    )


def test_a_sent_notification_is_recorded_in_the_run_history() -> None:
    with http_server() as (url, _received):
        alerts = SlackWebhook(url=url)

        @flow
        def tell() -> None:
            alerts.notify("done")

        tell()

    get_session().store.flush()
    [row] = get_session().store.query("SELECT id FROM flow_runs")
    messages = [line["message"] for line in get_run(row["id"]).logs]
    assert "Notification sent via SlackWebhook (attempt 1)" in messages


def test_notify_on_failure_as_a_task_hook_names_the_task_and_its_flow_run() -> None:
    with http_server() as (url, received):
        alerts = SlackWebhook(url=url)

        @task(on_failure=[notify_on_failure(alerts)])
        def load_rows() -> int:
            raise RuntimeError("disk full")

        @flow
        def nightly() -> None:
            load_rows(return_state=True)

        nightly()

    [request] = received.requests
    text = request["json"]["text"]
    [row] = get_session().store.query("SELECT id FROM flow_runs")
    assert text.startswith("*Task run load_rows/load_rows-0 failed*")
    assert f"Flow run id: {row['id']}" in text
    assert "disk full" in text


def test_apprise_block_without_the_extra_names_the_install_command() -> None:
    try:
        import apprise  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("apprise is installed: the extra is present")
    block = AppriseNotificationBlock(url="json://127.0.0.1:9/")

    with pytest.raises(
        MissingDependencyError, match=r'pip install "taskbook\[apprise\]"'
    ):
        block.notify("hi")


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[str, str]:
    pytest.importorskip("cryptography")  # the prefect extra brings it
    return self_signed_certificate(tmp_path)


def test_smtp_email_starts_tls_then_logs_in_and_sends(certificate) -> None:
    with smtp_server_log("STARTTLS", certificate) as (port, log):
        SMTPEmail(
            smtp_server="127.0.0.1",
            smtp_port=port,
            smtp_type="STARTTLS",
            username="ops",
            password="tb-smtp-password-1",
            verify=False,  # the test's certificate is self-signed
            email_to=["ops@example.org"],
        ).notify("sent over TLS", subject="STARTTLS")

    # The server refuses MAIL and AUTH before STARTTLS: a message means TLS ran.
    assert log.logins == [("ops", "tb-smtp-password-1")]
    [message] = log.messages
    assert message["Subject"] == "STARTTLS"
    assert message.get_payload().strip() == "sent over TLS"


def test_smtp_email_over_ssl_sends_and_verifies_the_certificate(certificate) -> None:
    with smtp_server_log("SSL", certificate) as (port, log):
        settings = {
            "smtp_server": "127.0.0.1",
            "smtp_port": port,
            "smtp_type": "SSL",
            "email_to": ["ops@example.org"],
            "retries": 0,
        }
        with pytest.raises(NotificationError) as refused:
            SMTPEmail(**settings).notify("not sent")  # verify=True: self-signed
        SMTPEmail(**settings, verify=False).notify("sent over SSL")

    assert "CERTIFICATE_VERIFY_FAILED" in str(refused.value)
    assert str(refused.value).startswith("SMTPEmail")
    assert [m.get_payload().strip() for m in log.messages] == ["sent over SSL"]
