#!/usr/bin/env bash
# Create .venv (if missing) and install the project with its test extras. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# pip's own notices (an index mirror it skips, setuptools' editable-install banner) are noise here;
# real errors still stop the script through the exit status.
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip 2>/dev/null || true
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]' 2> >(grep -vE "^WARNING: Location|^\s*$" >&2)
