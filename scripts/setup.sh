#!/usr/bin/env bash
# Create .venv (if missing) and install the project with its test extras, at exactly the versions of
# constraints.txt (the tested set; scripts/upgrade-deps.sh changes it deliberately). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# pip's own notices (an index mirror it skips, setuptools' editable-install banner) are noise here;
# real errors still stop the script through the exit status.
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip 2>/dev/null || true
.venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]' \
  2> >(grep -vE "^WARNING: Location|^\s*$|BuildBackendWarning|Editable installation|^\s*!!|\*{10}|Please be careful|name as your package|with strategy, WheelFile" >&2)
# a package installed but not locked (a dependency added to pyproject.toml without re-locking) would
# be whatever resolves that day: say so, loudly (tests/test_lock.py fails on it too)
.venv/bin/python scripts/check_lock.py
