"""The README's fault table lists exactly the suite's scenarios, all observed to hold."""

from __future__ import annotations

from pathlib import Path

from faults.scenarios import SCENARIOS

README = Path(__file__).resolve().parents[2] / "README.md"


def _rows() -> list[list[str]]:
    text = README.read_text()
    table = text.split("<!-- faults-table:start -->")[1]
    table = table.split("<!-- faults-table:end -->")[0]
    lines = [line for line in table.strip().splitlines() if line.startswith("|")]
    return [
        [cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[2:]
    ]


def test_the_readme_table_has_one_row_per_scenario_in_the_suites_order():
    assert [(r[0], r[1]) for r in _rows()] == list(SCENARIOS.values())


def test_every_row_of_the_readme_table_was_observed_to_hold():
    unheld = [r[0] for r in _rows() if "FAILED" in r[2] or "not run" in r[2]]
    assert unheld == []
