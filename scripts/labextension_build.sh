#!/usr/bin/env bash
# Build the JupyterLab extension (labextension/) into src/taskbook/labextension,
# from a clean checkout: Node from the machine, or Debian's nodejs (apt-get, as
# root, only when node is missing); npm packages from the registry, pinned by
# labextension/package.json's resolutions and yarn.lock. jlpm comes with JupyterLab
# in the venv. Usage: bash scripts/labextension_build.sh [VENV]  (default .venv);
# `--node-only` only makes sure node is there (pip install -e builds with it).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${1:-.venv}"

if ! command -v node >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "labextension_build: node is missing; install Node >= 20.19 (e.g. apt-get install nodejs)" >&2
    exit 1
  fi
  echo "== apt-get install nodejs"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs >/dev/null
fi
echo "== labextension: node $(node --version)"
[ "$VENV" = "--node-only" ] && exit 0
export PATH="$PWD/$VENV/bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
cd labextension
jlpm install
jlpm build:prod
