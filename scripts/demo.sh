#!/usr/bin/env bash
# The main job: install taskbook into ./.venv, run the example ETL flow, then run
# the example notebook headless (taskbook run, no kernel). Needs only python3
# (>= 3.10). Run it twice: the second run is served from the cache.
# Runs and the cache live in ./.taskbook (or $TASKBOOK_HOME): a local store, no server.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/_venv.sh "pandas,notebook"
.venv/bin/python examples/etl_flow.py "$@"
echo
echo "== taskbook run notebooks/01_etl.ipynb (headless, outputs in notebooks/output/)"
mkdir -p notebooks/output
# No TASKBOOK_HOME needed: the run finds the repo's .taskbook/ (made by the flow
# above), as a kernel started in notebooks/ does, so they share one cache.
.venv/bin/taskbook run notebooks/01_etl.ipynb notebooks/output/01_etl.out.ipynb --cwd notebooks
