"""Prefect 3 documentation examples for blocks, secrets, variables and Slack
alerts, run with ``prefect`` swapped for ``taskbook`` in their import lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.blocks.servers import http_server
from tests.public.test_prefect_scripts import port_to_taskbook

# The state-hooks how-to's Slack example, with its blocks saved first.
SLACK_ON_FAILURE = """
from prefect import flow
from prefect.blocks.core import Block
from prefect.blocks.notifications import SlackWebhook
from prefect.blocks.system import Secret
from prefect.variables import Variable
from pydantic import SecretStr


class DatabaseConfig(Block):
    host: str
    port: int = 5432
    password: SecretStr


SlackWebhook(url=WEBHOOK_URL).save("my-slack-webhook", overwrite=True)
Secret(value="tb-seed-db-password").save("db-password", overwrite=True)
DatabaseConfig(
    host="db.internal", password=Secret.load("db-password").get()
).save("warehouse", overwrite=True)
Variable.set("batch_size", 500, overwrite=True)


def notify_slack(flow, flow_run, state):
    slack_webhook_block = SlackWebhook.load("my-slack-webhook")
    slack_webhook_block.notify(
        f"Your job {flow_run.name} entered {state.name} "
        f"with message:\\n\\n{state.message}"
    )


@flow(on_failure=[notify_slack], retries=1)
def failing_flow():
    config = DatabaseConfig.load("warehouse")
    size = Variable.get("batch_size")
    raise ValueError(f"cannot reach {config.host}:{config.port} "
                     f"({size} rows, password {config.password.get_secret_value()})")


state = failing_flow(return_state=True)
"""


@pytest.fixture(autouse=True)
def _home(isolated_home: Path) -> Path:
    return isolated_home


def test_slack_on_failure_with_a_secret_and_a_custom_block() -> None:
    source = port_to_taskbook(SLACK_ON_FAILURE)
    assert "from prefect" not in source
    with http_server() as (url, received):
        namespace: dict[str, object] = {"WEBHOOK_URL": url}
        exec(compile(source, "slack_on_failure.py", "exec"), namespace)

    state = namespace["state"]
    assert state.is_failed()  # type: ignore[attr-defined]
    [request] = received.requests  # once: the hook fires on the final failure
    text = request["json"]["text"]
    assert text.startswith("Your job ")
    assert "entered Failed with message:" in text
    assert "cannot reach db.internal:5432 (500 rows, password **********)" in text
