#!/usr/bin/env bash
# The main job: install taskbook into ./.venv and run the example ETL flow.
# Needs only python3 (>= 3.10). Run it twice: the second run shows cache hits.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/_venv.sh pandas
exec .venv/bin/python examples/etl_flow.py "$@"
