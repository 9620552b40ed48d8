#!/usr/bin/env bash
# The test command: install taskbook with its test extras into ./.venv (and, for
# the browser tests, Debian's chromium plus JupyterLab and Playwright), then lint
# (ruff), check the layer contracts (import-linter), build the docs site with
# warnings as errors (mkdocs --strict) and run pytest.
# Needs python3 (>= 3.10) and root for apt-get when chromium is missing.
# Extra arguments are passed to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

# Installing taskbook builds its JupyterLab extension: that needs node.
bash scripts/labextension_build.sh --node-only
# The prefect extra: the exported --target prefect modules run under real Prefect 3.
source scripts/_venv.sh "test,docs,prefect"
# The browser tests drive a real JupyterLab in Debian's Chromium: install them.
bash scripts/browser_deps.sh .venv
# The JupyterLab extension, built from source (the wheel test and the browser
# tests use this build); skipped by pip when it exists, so build it here.
bash scripts/labextension_build.sh .venv
echo "== protocol: labextension/src/protocol.ts is generated from the Python messages"
.venv/bin/python scripts/gen_protocol.py >/dev/null
git diff --exit-code -- labextension/src/protocol.ts

echo "== ruff check"
.venv/bin/ruff check src tests benchmarks examples
echo "== lint-imports"
.venv/bin/lint-imports
echo "== mkdocs build --strict (the docs site, into site/)"
NO_MKDOCS_2_WARNING=1 .venv/bin/python -m mkdocs build --strict --quiet
echo "== pytest"
# Exit code 5 means "no tests collected": that is a failure here too, so it is
# not masked; the script fails if either run fails.
status=0
.venv/bin/python -m pytest -q -m "not browser" "$@" || status=$?
echo "== pytest: browser tests (real JupyterLab + Chromium)"
# Separate process: Playwright's sync API keeps an asyncio loop running in the
# main thread while the browser is open, which other tests must not inherit.
.venv/bin/python -m pytest -q -m browser tests/browser "$@" || status=$?
exit $status
