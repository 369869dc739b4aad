#!/usr/bin/env bash
# Set up everything the tests need and run them. This is the README's test command and all that
# .ci/run does. Exits non-zero on any failure, and also when no test ran (pytest's exit 5).
# The store tests run on SQLite and on PostgreSQL: scripts/pg.sh provides the database (installing
# and starting a local server when run as root) unless ROADMAP_TEST_PG_URL already names one. In CI
# (CI=true) a missing PostgreSQL is an error rather than a reason to skip those tests; so is a missing
# chromium for the browser test of the HTML report (installed below when running as root).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if pg_env="$(bash scripts/pg.sh)"; then
  eval "$pg_env"
else
  echo "warning: PostgreSQL could not be set up (see above)" >&2
fi
if [ "${CI:-}" = "true" ] && [ -z "${ROADMAP_TEST_PG_URL:-}" ]; then
  echo "error: CI runs the store tests on PostgreSQL too, but there is none: run as root, or set ROADMAP_TEST_PG_URL" >&2
  exit 1
fi
# The HTML audit report is checked in a real headless browser: Debian's chromium, installed here
# when missing and running as root (about 20 s). Without it that test is skipped, or fails in CI.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt_log="$(mktemp)"
  if apt-get update -q >>"$apt_log" 2>&1 \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >>"$apt_log" 2>&1; then
    rm -f "$apt_log"
  else
    tail -n 20 "$apt_log" >&2
    rm -f "$apt_log"
    echo "warning: chromium could not be installed (see above): the browser test will be skipped" >&2
  fi
fi
# The importer's tests write PDF fixtures in a Cyrillic TrueType font: Debian's fonts-dejavu-core,
# installed here when missing and running as root.
if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt_log="$(mktemp)"
  if apt-get update -q >>"$apt_log" 2>&1 \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-dejavu-core >>"$apt_log" 2>&1; then
    rm -f "$apt_log"
  else
    tail -n 20 "$apt_log" >&2
    rm -f "$apt_log"
    echo "warning: fonts-dejavu-core could not be installed (see above): the PDF import tests will fail" >&2
  fi
fi
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
