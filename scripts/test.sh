#!/usr/bin/env bash
# Set up everything the tests need and run them. This is the README's test command and all that
# .ci/run does. Exits non-zero on any failure, and also when no test ran (pytest's exit 5).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PREFECT_SERVER_ANALYTICS_ENABLED=false
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "error: no tests were collected" >&2
  exit 1
fi
exit "$status"
