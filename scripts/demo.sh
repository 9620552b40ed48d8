#!/usr/bin/env bash
# The main job: install taskbook into ./.venv and run the example ETL flow.
# Needs only python3 (>= 3.10). Run it twice: the second run shows cache hits.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv with $("$PYTHON" --version)"
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
.venv/bin/python -m pip install --quiet -e '.[pandas]'
exec .venv/bin/python examples/etl_flow.py "$@"
