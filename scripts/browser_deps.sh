#!/usr/bin/env bash
# Install what the browser tests (tests/browser, marker `browser`) need:
# Debian's chromium at /usr/bin/chromium (apt-get, as root, only when missing)
# and JupyterLab, Notebook 7, ipywidgets, plotly, anywidget and Playwright into a venv.
# Usage: bash scripts/browser_deps.sh [VENV]   (default: the repo's .venv).
# Idempotent: a second run only confirms what is installed (a few seconds).
# No `playwright install`: Playwright drives the system chromium, and browser
# downloads are blocked on our machines.
set -euo pipefail
VENV="${1:-$(dirname "$0")/../.venv}"
CHROMIUM=/usr/bin/chromium

if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "browser_deps: $CHROMIUM is missing and installing it needs root;" \
      "run: sudo apt-get update && sudo apt-get install -y chromium" >&2
    exit 1
  fi
  echo "== apt-get install chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
if [ ! -x "$CHROMIUM" ]; then
  echo "browser_deps: apt-get finished but $CHROMIUM is still missing" >&2
  exit 1
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "browser_deps: no venv at $VENV (expected $VENV/bin/python);" \
    "create it first, e.g. python3 -m venv $VENV" >&2
  exit 1
fi
echo "== pip install browser-test packages into $VENV"
# Playwright's wheel ships its node driver; the browser is the system chromium.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
"$VENV/bin/python" -m pip install --quiet \
  "jupyterlab>=4.6,<5" "notebook>=7,<8" "ipywidgets>=8,<9" plotly anywidget \
  playwright nbformat
