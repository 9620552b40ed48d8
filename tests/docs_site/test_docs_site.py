"""The docs site builds with warnings as errors and leads to every tutorial.

``mkdocs build --strict`` (mkdocs.yml at the repo root) renders the tutorials
from ``notebooks/`` (through the ``docs/tutorials`` link), one guide page per
journey and the API reference from the docstrings.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

REPO = Path(__file__).resolve().parents[2]
TUTORIALS = sorted(p.stem for p in (REPO / "notebooks").glob("*.ipynb"))
GUIDES = ["explore", "see", "tune", "resume", "ship", "prefect"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the site into a temporary folder; return it."""
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=500,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def _links(page: Path) -> set[str]:
    """Return the links in the page's content (the navigation left out)."""
    html = page.read_text()
    article = html[html.index("<article") : html.index("</article>")]
    return set(re.findall(r'href="([^"#]+)', article))


def test_home_page_links_to_every_tutorial_and_guide(site: Path) -> None:
    links = _links(site / "index.html")
    assert {f"tutorials/{t}/" for t in TUTORIALS} <= links
    assert {f"guide/{g}/" for g in GUIDES} <= links
    assert "reference/api/" in links


@pytest.mark.parametrize("tutorial", TUTORIALS)
def test_each_tutorial_is_rendered_with_its_code(site: Path, tutorial: str) -> None:
    page = (site / "tutorials" / tutorial / "index.html").read_text()
    notebook = (REPO / "notebooks" / f"{tutorial}.ipynb").read_text()
    title = re.search(r'"# (\d\. )?([^"\\]+)', notebook)
    assert title is not None
    assert title.group(2).split("`")[0].strip() in page
    assert "%load_ext taskbook" in page


@pytest.mark.parametrize("guide", GUIDES)
def test_each_guide_page_links_to_a_tutorial_that_exists(
    site: Path, guide: str
) -> None:
    links = _links(site / "guide" / guide / "index.html")
    linked = {
        m.group(1) for ln in links if (m := re.match(r"\.\./\.\./tutorials/(\w+)/", ln))
    }
    assert linked, links
    assert linked <= set(TUTORIALS)


def test_api_reference_documents_the_public_api(site: Path) -> None:
    page = (site / "reference" / "api" / "index.html").read_text()
    for name in ("taskbook.flow", "taskbook.task", "taskbook.Param", "taskbook.runs"):
        assert f'id="{name}"' in page, name
    assert 'id="taskbook.task_runners.ThreadPoolTaskRunner"' in page
