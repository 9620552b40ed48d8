#!/usr/bin/env bash
# The browser suite three times in a row with two busy-loop processes beside it
# (as `stress --cpu 2` would), stopping at the first failing round. Run after
# `bash scripts/test.sh` has set up ./.venv; extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
for round in 1 2 3; do
  echo "== browser tests under load, round $round of 3"
  TASKBOOK_TEST_BUSY_CPUS="${TASKBOOK_TEST_BUSY_CPUS:-2}" \
    .venv/bin/python -m pytest -q -m browser tests/browser "$@"
done
echo "== the browser tests passed three times in a row under load"
