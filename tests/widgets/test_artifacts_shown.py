"""The details panel and ``taskbook show`` show each artifact kind sensibly.

A progress artifact is its percentage (the latest, after updates in place), an
image its picture (an ``<img>`` of its URL in HTML, the URL in the terminal).
"""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner

from taskbook import flow, task
from taskbook.artifacts import (
    create_image_artifact,
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)
from taskbook.cli.main import cli
from taskbook.widgets.details import details_model
from taskbook.widgets.panels import details_html
from taskbook.widgets.records import fold_record

IMAGE = "https://example.org/chart.png?a=1&b=2"


@task
def fetch_in_batches() -> None:
    progress = create_progress_artifact(0.0, key="batches", description="fetching")
    for i in range(1, 5):
        update_progress_artifact(progress, i * 10)
    create_image_artifact(IMAGE, key="chart")
    create_markdown_artifact("# Report\n\nall good", key="report")
    create_table_artifact([{"a": 1}, {"a": 2}], key="rows")


@flow(name="etl")
def etl() -> None:
    fetch_in_batches()


def test_the_live_and_the_stored_details_show_the_latest_progress_and_the_image(
    run_recorded: Any,
) -> None:
    live, record = run_recorded(etl)

    for fold in (live, fold_record(record)):
        details = details_model(fold, "task:fetch_in_batches")
        assert details is not None
        (run,) = details["runs"]
        kinds = [(a["type"], a["key"]) for a in run["artifacts"]]
        # One progress artifact, however often it was updated.
        assert kinds == [
            ("progress", "batches"),
            ("image", "chart"),
            ("markdown", "report"),
            ("table", "rows"),
        ]
        html = details_html(details)
        assert " 40% " in html
        assert "<b>batches</b>" in html
        assert '<img src="https://example.org/chart.png?a=1&amp;b=2"' in html


def test_an_image_url_that_is_not_http_is_shown_as_text_not_loaded(
    run_recorded: Any,
) -> None:
    @task
    def draw() -> None:
        create_image_artifact("javascript:alert(1)", key="odd")

    @flow(name="odd-image")
    def odd_image() -> None:
        draw()

    live, _ = run_recorded(odd_image)
    html = details_html(details_model(live, "task:draw"))
    assert "<b>odd</b> javascript:alert(1)" in html
    assert "<img" not in html


def test_taskbook_show_prints_a_line_per_artifact_with_its_data(
    run_recorded: Any,
) -> None:
    _, record = run_recorded(etl)

    shown = CliRunner().invoke(cli, ["show", record.id], catch_exceptions=False).output

    assert "Artifacts (4):" in shown
    assert "  progress batches — fetching: 40%\n" in shown
    assert f"  image chart: {IMAGE}\n" in shown
    assert "  markdown report: # Report\n" in shown
    assert "  table rows: 2 rows\n" in shown
