#!/usr/bin/env bash
# The test command: install taskbook with its test extras into ./.venv, then
# lint (ruff), check the layer contracts (import-linter) and run pytest.
# Needs only python3 (>= 3.10). Extra arguments are passed to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/_venv.sh test

echo "== ruff check"
.venv/bin/ruff check src tests benchmarks examples
echo "== lint-imports"
.venv/bin/lint-imports
echo "== pytest"
# Exit code 5 means "no tests collected": that is a failure here too, so it is
# not masked; pytest's own exit code is the script's.
.venv/bin/python -m pytest -q "$@"
