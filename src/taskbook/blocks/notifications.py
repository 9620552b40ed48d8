"""Notification blocks (Prefect's names): Slack, any webhook, SMTP email, apprise.

Each block's ``notify(body, subject=None)`` sends with a timeout, retries failed
sends with exponential backoff, masks secrets in what it sends, and logs the
outcome on ``taskbook.notifications`` (inside a run, the line is recorded with
the run). After its last attempt it raises ``NotificationError``; the hooks of
``taskbook.blocks.hooks`` catch it, so a notification never changes a run's state.
"""

from __future__ import annotations

import functools
import logging
import re
import smtplib
import ssl
import time
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any, Literal

import anyio.to_thread
from pydantic import Field, SecretStr, model_validator

from taskbook.blocks.core import Block
from taskbook.engine.masking import mask
from taskbook.errors import MissingDependencyError, NotificationError
from taskbook.utilities.asyncutils import async_dispatch

__all__ = (
    "AppriseNotificationBlock",
    "CustomWebhookNotificationBlock",
    "NotificationBlock",
    "SMTPEmail",
    "SlackWebhook",
    "failure_report",
    "notify_on_failure",
)

_log = logging.getLogger("taskbook.notifications")
_USER_AGENT = {"user-agent": "taskbook notifications"}


class NotificationBlock(Block):
    """Base of notification blocks: ``notify`` with timeout, retries and masking."""

    timeout: float = Field(default=10, description="Seconds one send may take.")
    retries: int = Field(default=2, ge=0, description="Sends retried after a failure.")
    retry_delay_seconds: float = Field(
        default=1.0, ge=0, description="Delay before the first retry; doubles after."
    )

    async def anotify(self, body: str, subject: str | None = None) -> None:
        """``notify`` for async code: sends in a worker thread."""
        await anyio.to_thread.run_sync(
            functools.partial(self.notify, body, subject, _sync=True)
        )

    # Called from an ``async def``, ``notify`` returns ``anotify``'s coroutine,
    # as Prefect 3's does (``await slack.notify("...")``).
    @async_dispatch(anotify)
    def notify(self, body: str, subject: str | None = None) -> None:
        """Send ``body`` (and ``subject``), secrets masked; retry failed sends.

        Raises:
            NotificationError: Every attempt failed (the message names the cause).
        """
        body, subject = mask(body), mask(subject) if subject is not None else None
        attempts = self.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                self._send(body, subject)
            except (OSError, smtplib.SMTPException, _http_error()) as exc:
                if attempt == attempts:
                    _log.warning(
                        "Notification via %s failed after %d attempt(s): %s",
                        type(self).__name__,
                        attempts,
                        mask(str(exc)),
                    )
                    raise NotificationError.from_attempts(
                        type(self).__name__, attempts, exc
                    ) from exc
                time.sleep(self.retry_delay_seconds * 2 ** (attempt - 1))
            else:
                _log.info(
                    "Notification sent via %s (attempt %d)",
                    type(self).__name__,
                    attempt,
                )
                return

    def _send(self, body: str, subject: str | None) -> None:
        raise NotImplementedError


def _http_error() -> type[Exception]:
    import httpx

    return httpx.HTTPError


def _post(url: str, timeout: float, **request: Any) -> None:
    import httpx

    method = request.pop("method", "POST")
    cookies = request.pop("cookies", None) or {}
    with httpx.Client(headers=_USER_AGENT, cookies=cookies, timeout=timeout) as client:
        client.request(method, url, **request).raise_for_status()


class SlackWebhook(NotificationBlock):
    """Post to a Slack incoming webhook: ``SlackWebhook(url=...).notify("hi")``."""

    _block_type_name = "Slack Webhook"
    _block_type_slug = "slack-webhook"

    url: SecretStr = Field(
        default=...,
        title="Webhook URL",
        description="Slack incoming webhook URL used to send notifications.",
    )

    def _send(self, body: str, subject: str | None) -> None:
        text = f"*{subject}*\n{body}" if subject else body
        _post(self.url.get_secret_value(), self.timeout, json={"text": text})


_PLACEHOLDER = re.compile(r"\{\{\s*([\w.-]+)\s*\}\}")


class CustomWebhookNotificationBlock(NotificationBlock):
    """Call any webhook; ``{{subject}}``, ``{{body}}``, ``{{name}}`` and the keys of
    ``secrets`` are substituted in the URL, params, data, headers and cookies."""

    _block_type_name = "Custom Webhook"

    name: str = Field(title="Name", description="Name of the webhook.")
    url: str = Field(title="Webhook URL", description="The webhook URL.")
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    params: dict[str, str] | None = None
    json_data: dict[str, Any] | None = None
    form_data: dict[str, str] | None = None
    headers: dict[str, str] | None = None
    cookies: dict[str, str] | None = None
    secrets: dict[str, SecretStr] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_templates(self) -> CustomWebhookNotificationBlock:
        if self.form_data is not None and self.json_data is not None:
            raise ValueError(
                "both `Form Data` and `JSON Data` provided: pass json_data or "
                "form_data, not both"
            )
        allowed = {"subject", "body", "name", *self.secrets}
        for field in ("url", "params", "form_data", "json_data", "headers", "cookies"):
            for placeholder in _placeholders(getattr(self, field)):
                if placeholder not in allowed:
                    raise ValueError(
                        f"{field}/{{{{{placeholder}}}}} names no value: use one of "
                        f"{', '.join(sorted(allowed))}, or add it to secrets"
                    )
        return self

    def model_post_init(self, context: Any, /) -> None:
        """Register the secret values with the masker."""
        super().model_post_init(context)
        from taskbook.engine.masking import register_secret

        for value in self.secrets.values():
            register_secret(value.get_secret_value())

    def _send(self, body: str, subject: str | None) -> None:
        values: dict[str, Any] = {
            k: v.get_secret_value() for k, v in self.secrets.items()
        }
        values |= {
            "subject": "null" if subject is None else subject,
            "body": body,
            "name": self.name,
        }
        _post(
            _substitute(self.url, values),
            self.timeout,
            method=self.method,
            params=_substitute(self.params, values),
            json=_substitute(self.json_data, values),
            data=_substitute(self.form_data, values),
            headers=_substitute(self.headers, values),
            cookies=_substitute(self.cookies, values),
        )


def _placeholders(template: Any) -> set[str]:
    if isinstance(template, str):
        return set(_PLACEHOLDER.findall(template))
    if isinstance(template, dict):
        return {p for v in template.values() for p in _placeholders(v)}
    if isinstance(template, list):
        return {p for v in template for p in _placeholders(v)}
    return set()


def _substitute(template: Any, values: dict[str, Any]) -> Any:
    if isinstance(template, str):
        whole = _PLACEHOLDER.fullmatch(template)
        if whole:  # a lone placeholder keeps the value's type, as Prefect does
            return values[whole.group(1)]
        return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), template)
    if isinstance(template, dict):
        return {k: _substitute(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [_substitute(v, values) for v in template]
    return template


_SMTP_PORTS = {"SSL": 465, "STARTTLS": 587, "INSECURE": 25}


class SMTPEmail(NotificationBlock):
    """Send an email through an SMTP server (fields as prefect-email's credentials).

    ``smtp_type`` is ``SSL`` (port 465), ``STARTTLS`` (587) or ``INSECURE`` (25);
    ``smtp_port`` overrides the port.
    """

    _block_type_name = "SMTP Email"
    _block_type_slug = "smtp-email"

    smtp_server: str = Field(description="Host name of the SMTP server.")
    smtp_type: Literal["SSL", "STARTTLS", "INSECURE"] = "SSL"
    smtp_port: int | None = None
    username: str | None = None
    password: SecretStr | None = None
    verify: bool = Field(default=True, description="Verify the server's certificate.")
    email_from: str | None = Field(default=None, description="Defaults to username.")
    email_to: list[str] = Field(description="Recipients.")

    def _send(self, body: str, subject: str | None) -> None:
        message = EmailMessage()
        message["Subject"] = subject or "taskbook notification"
        message["From"] = self.email_from or self.username or "taskbook@localhost"
        message["To"] = ", ".join(self.email_to)
        message.set_content(body)
        port = self.smtp_port or _SMTP_PORTS[self.smtp_type]
        context = ssl.create_default_context()
        if not self.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        server: smtplib.SMTP
        if self.smtp_type == "SSL":
            server = smtplib.SMTP_SSL(
                self.smtp_server, port, timeout=self.timeout, context=context
            )
        else:
            server = smtplib.SMTP(self.smtp_server, port, timeout=self.timeout)
        with server:
            if self.smtp_type == "STARTTLS":
                server.starttls(context=context)
            if self.username and self.password is not None:
                server.login(self.username, self.password.get_secret_value())
            server.send_message(message)


class AppriseNotificationBlock(NotificationBlock):
    """Any service apprise knows, by its URL (needs ``taskbook[apprise]``)."""

    _block_type_name = "Apprise"

    url: SecretStr = Field(description="An apprise URL, e.g. 'mailto://...'.")

    def _send(self, body: str, subject: str | None) -> None:
        try:
            import apprise
        except ImportError as exc:
            raise MissingDependencyError.from_extra("apprise", "apprise") from exc
        client = apprise.Apprise()
        client.add(self.url.get_secret_value())
        if not client.notify(body=body, title=subject or ""):
            raise ConnectionError("apprise reported that the notification failed")


def notify_on_failure(
    block: NotificationBlock, log_lines: int = 10
) -> Callable[[Any, Any, Any], None]:
    """Return an ``on_failure`` hook that sends a failure report through ``block``.

    The report names the flow (or task) and run, the failed tasks, the error and
    the run's last ``log_lines`` log lines. A failed send is logged, never raised:
    the run's state stays what it was.

    Example:
        ``@flow(on_failure=[notify_on_failure(SlackWebhook.load("alerts"))])``
    """

    def hook(owner: Any, run: Any, state: Any) -> None:
        subject, body = failure_report(owner, run, state, log_lines)
        try:
            block.notify(body, subject, _sync=True)  # a hook of any run: send now
        except NotificationError:
            pass  # logged by notify; a hook never changes the run's state

    hook.__name__ = f"notify_on_failure({type(block).__name__})"
    return hook


def failure_report(
    owner: Any, run: Any, state: Any, log_lines: int = 10
) -> tuple[str, str]:
    """Return ``(subject, body)`` reporting a failed flow or task run."""
    from taskbook.api.history import get_run
    from taskbook.engine.context import TaskRun
    from taskbook.engine.session import get_session
    from taskbook.errors import RunNotFoundError

    kind = "Task" if isinstance(run, TaskRun) else "Flow"
    flow_run_id = run.flow_run_id if kind == "Task" else run.id
    get_session().store.flush()
    try:
        record = get_run(flow_run_id)
    except RunNotFoundError:
        record = None
    failed = [
        t.name
        for t in (record.task_runs if record else [])
        if t.state_type in ("FAILED", "CRASHED") and t.state_name != "NotReady"
    ]
    logs = [
        line["message"]
        for line in (record.logs if record else [])
        if kind == "Flow" or line.get("task_run_id") == run.id
    ][-log_lines:]
    name = getattr(owner, "name", type(owner).__name__)
    subject = f"{kind} run {name}/{run.name} {state.name.lower()}"
    parts = [
        f"{kind} {name!r}, run {run.name!r}: {state.name}.",
        f"Run id: {run.id}",
    ]
    if kind == "Task":
        parts.append(f"Flow run id: {flow_run_id}")
    if failed:
        parts.append(f"Failed tasks: {', '.join(failed)}")
    parts.append(f"Error: {state.message or 'none recorded'}")
    if logs:
        parts.append("Last log lines:\n" + "\n".join(f"  {m}" for m in logs))
    return mask(subject), mask("\n".join(parts))
