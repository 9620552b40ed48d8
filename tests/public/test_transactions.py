"""Transactions, from Prefect 3's "Transactions" and idempotent-pipelines pages.

Each sequence of events was observed under Prefect 3.9.1 with the same flows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from taskbook import flow, task
from taskbook.transactions import CommitMode, get_transaction, transaction

EVENTS: list[str] = []


@task
def write(x: int) -> int:
    EVENTS.append(f"write {x}")
    return x


@write.on_rollback
def undo(txn: object) -> None:
    EVENTS.append(f"undo ({get_transaction() is not None})")


@write.on_commit
def done(txn: object) -> None:
    EVENTS.append("commit")


@task
def check(ok: bool) -> bool:
    if not ok:
        raise ValueError("bad data")
    return ok


@pytest.fixture(autouse=True)
def _events(isolated_home: Path) -> None:
    EVENTS.clear()


def test_the_documented_example_writes_then_deletes_the_file(tmp_path: Path) -> None:
    side_effect = tmp_path / "side-effect.txt"

    @task
    def write_file(contents: str) -> None:
        side_effect.write_text(contents)

    @write_file.on_rollback
    def del_file(txn: object) -> None:
        side_effect.unlink()

    @task
    def quality_test() -> None:
        if len(side_effect.read_text().splitlines()) < 2:
            raise ValueError("Not enough data!")

    @flow
    def pipeline(contents: str) -> None:
        with transaction():
            write_file(contents)
            quality_test()

    with pytest.raises(ValueError, match="Not enough data!"):
        pipeline("one line")
    assert not side_effect.exists()
    pipeline("two\nlines")
    assert side_effect.read_text() == "two\nlines"


@pytest.mark.parametrize(
    ("ok", "events"),
    [
        (True, ["write 1", "write 2", "commit", "commit", "after COMMITTED"]),
        (False, ["write 1", "write 2", "undo (True)", "undo (True)", "raised"]),
    ],
    ids=["commits", "rolls back newest first"],
)
def test_a_transaction_commits_or_rolls_back_its_tasks(
    ok: bool, events: list[str]
) -> None:
    @flow
    def pipeline() -> None:
        with transaction() as txn:
            write(1)
            write(2)
            check(ok)
        EVENTS.append(f"after {txn.state.name}")

    try:
        pipeline()
    except ValueError:
        EVENTS.append("raised")
    assert events == EVENTS


def test_a_failed_task_rolls_back_even_when_its_error_is_caught() -> None:
    @flow
    def pipeline() -> None:
        with transaction() as txn:
            write(1)
            try:
                check(False)
            except ValueError:
                EVENTS.append("caught")
            write(3)
        EVENTS.append(f"after {txn.state.name}")

    pipeline()
    assert EVENTS == [
        "write 1",
        "undo (True)",
        "caught",
        "write 3",
        "after ROLLED_BACK",
    ]


def test_without_a_transaction_commit_hooks_run_when_the_task_completes() -> None:
    @flow
    def pipeline() -> None:
        write(7)
        EVENTS.append("next")

    pipeline()
    assert EVENTS == ["write 7", "commit", "next"]


def test_a_committed_key_makes_later_runs_skip() -> None:
    @flow
    def pipeline() -> str:
        with transaction(key="download-and-write-data") as txn:
            if txn.is_committed():
                return "skipped"
            write(1)
        return "ran"

    assert pipeline() == "ran"
    assert pipeline() == "skipped"
    assert EVENTS == ["write 1", "commit"]


def test_commit_mode_off_rolls_back_what_nobody_committed() -> None:
    @flow
    def pipeline() -> None:
        with transaction(commit_mode=CommitMode.OFF) as txn:
            write(1)
        EVENTS.append(f"after {txn.state.name}")

    pipeline()
    assert EVENTS == ["write 1", "undo (True)", "after ROLLED_BACK"]


def test_values_set_on_the_transaction_reach_the_hooks() -> None:
    @task
    def upload() -> None:
        return None

    @upload.on_rollback
    def remove(txn: object) -> None:
        EVENTS.append(f"remove {txn.get('path')}")  # type: ignore[attr-defined]

    @flow
    def pipeline() -> None:
        with transaction() as txn:
            txn.set("path", "s3://bucket/file")
            upload()
            check(False)

    with pytest.raises(ValueError, match="bad data"):
        pipeline()
    assert EVENTS == ["remove s3://bucket/file"]
    assert get_transaction() is None
