"""Copy the browser tests' screenshot of the live graph + Gantt into docs/ for the README.

Run the tutorial browser test first, then this, then commit the image:

    python -m pytest -m browser tests/browser/test_tutorials.py -k 03_parallel
    python scripts/refresh_readme_screenshot.py

The image is tutorial 3's ``%flow run --force`` view (state graph above the
Gantt), as ``tests/browser/test_tutorials.py`` saves it.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "test-artifacts" / "browser" / "tutorial-03-graph-and-gantt.png"
TARGET = REPO / "docs" / "images" / "live-graph-and-gantt.png"


def main() -> int:
    """Copy the screenshot; return the exit code (1 when the test has not run)."""
    if not SOURCE.is_file():
        print(
            f"{SOURCE.relative_to(REPO)} is missing: run `python -m pytest -m browser "
            "tests/browser/test_tutorials.py -k 03_parallel` first",
            file=sys.stderr,
        )
        return 1
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SOURCE, TARGET)
    print(f"copied {SOURCE.relative_to(REPO)} -> {TARGET.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
