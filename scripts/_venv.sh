# Sourced by demo.sh and test.sh: make ./.venv (python3 >= 3.10 is all it needs)
# and install taskbook into it with the extras given as "$1" (e.g. "test").
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv with $("$PYTHON" --version)"
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
.venv/bin/python -m pip install --quiet -e ".[$1]"
