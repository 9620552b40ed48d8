"""Run the fault-injection suite and write what it observed into README.md.

    python scripts/faults_table.py [pytest args...]

The table goes between the README's ``<!-- faults-table -->`` markers; each row is
a scenario of ``tests/faults/scenarios.py`` with what its test observed (FAILED
when the test failed). ``tests/faults/test_readme_table.py`` keeps the README's
rows equal to the suite's scenarios.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- faults-table:start -->", "<!-- faults-table:end -->"


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as folder:
        table = Path(folder) / "table.md"
        env = {**os.environ, "TASKBOOK_FAULTS_TABLE": str(table)}
        command = [sys.executable, "-m", "pytest", "-q", "-m", "faults", "tests/faults"]
        # That test checks the README this run is about to rewrite.
        command.append("--ignore=tests/faults/test_readme_table.py")
        status = subprocess.call([*command, *argv], cwd=ROOT, env=env)
        readme = ROOT / "README.md"
        text = readme.read_text()
        before, rest = text.split(START, 1)
        _old, after = rest.split(END, 1)
        readme.write_text(f"{before}{START}\n{table.read_text()}{END}{after}")
    print(f"README.md: table written (pytest exit {status})")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
