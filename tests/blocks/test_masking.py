"""A secret's value appears in no log, output, record, artifact or output notebook.

The flows below use a Secret in parameters, log lines, prints, an exception
message and an artifact; then every file of the store (but the owner-only
``blocks.sqlite`` that holds the secret), the captured console output and an
output notebook of ``taskbook run`` are searched for the value.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from taskbook import flow, get_run_logger, task
from taskbook.artifacts import create_markdown_artifact, create_table_artifact
from taskbook.blocks.system import Secret
from taskbook.engine import masking
from taskbook.engine.session import get_session

VALUE = "tb-masked-Zq81xv"


def files_holding(folder: Path, text: str) -> list[str]:
    needle = text.encode()
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.is_file()
        and not path.name.startswith("blocks.sqlite")
        and needle in path.read_bytes()
    )


def test_flows_using_a_secret_leave_its_value_nowhere(
    isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Secret(value=VALUE).save("api-key")

    @task(log_prints=True)
    def call_api(credential: str) -> None:
        get_run_logger().info("calling with %s", credential)
        print("credential is", credential)
        create_markdown_artifact(f"# Report\nused {credential}", key="report")
        create_table_artifact([{"who": "me", "secret": credential}], key="table")
        raise ValueError(f"the API refused {credential}")

    @flow
    def pipeline(config: str, api_key: str) -> None:
        logging.getLogger("taskbook.flow_runs").warning("config %s", config)
        call_api(Secret.load("api-key").get())

    with pytest.raises(ValueError, match="the API refused"):
        pipeline(Secret.load("api-key").get(), api_key=VALUE)
    get_session().store.flush()

    captured = capsys.readouterr()
    assert VALUE not in captured.out + captured.err
    assert masking.MASK in captured.err  # the log lines were written, masked
    assert files_holding(isolated_home, VALUE) == []
    messages = [r["message"] for r in get_session().store.query("SELECT * FROM states")]
    assert f"the API refused {masking.MASK}" in " ".join(m or "" for m in messages)


def test_a_parameter_named_like_a_secret_is_masked_by_its_name(
    isolated_home: Path,
) -> None:
    @flow
    def connect(db_password: str, host: str) -> str:
        return host

    connect("tb-plain-pw-7731", host="db")
    get_session().store.flush()

    rows = get_session().store.query("SELECT parameters FROM flow_runs")
    assert json.loads(rows[0]["parameters"]) == {
        "db_password": masking.MASK,
        "host": "db",
    }
    assert files_holding(isolated_home, "tb-plain-pw-7731") == []


def test_a_generic_key_parameter_is_hidden_in_the_record_only(
    isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    @flow(log_prints=True)
    def report(sort_key: str) -> None:
        print("sorted by", sort_key)

    report("tb-region-name")
    get_session().store.flush()

    [row] = get_session().store.query("SELECT parameters FROM flow_runs")
    assert json.loads(row["parameters"]) == {"sort_key": masking.MASK}
    assert "sorted by tb-region-name" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "sensitive"),
    [
        ("password", True),
        ("db_password", True),
        ("api_key", True),
        ("apiKey", True),
        ("access_token", True),
        ("client-secret", True),
        ("key", True),
        ("keys", False),
        ("monkey", False),
        ("keyword", False),
        ("host", False),
    ],
)
def test_sensitive_names(name: str, sensitive: bool) -> None:
    assert masking.is_sensitive_name(name) is sensitive


def test_what_the_kernel_side_sends_to_the_notebook_is_masked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from taskbook.jupyter.output import KernelOutput

    masking.register_secret("tb-kernel-secret-31")
    out = KernelOutput(kernel=None, parent=None)

    out.send("stream", {"name": "stdout", "text": "status: tb-kernel-secret-31\n"})
    out.send("error", {"traceback": ["ValueError: tb-kernel-secret-31"]})

    captured = capsys.readouterr()
    assert captured.out == f"status: {masking.MASK}\n"
    assert captured.err == f"ValueError: {masking.MASK}\n"
