#!/usr/bin/env bash
# The whole suite on SQLite, then on PostgreSQL when one is reachable (DATABASE_URL, or the local
# server at 127.0.0.1:5432). Under CI=true an unreachable PostgreSQL fails the run instead of
# skipping it. The PostgreSQL half leaves out the engine-independent tests (fupin/conftest.py
# deselects them; docs/testing.md lists them).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export TASKS_BACKEND="${TASKS_BACKEND:-django_tasks.backends.immediate.ImmediateBackend}"
PYTEST_ARGS=(-q -n "${PYTEST_WORKERS:-2}" --dist loadgroup "$@")
START=$SECONDS
elapsed() { printf '%dm%02ds' $(( (SECONDS - $1) / 60 )) $(( (SECONDS - $1) % 60 )); }

echo "== tests on SQLite"
env -u DATABASE_URL "$BIN/pytest" "${PYTEST_ARGS[@]}"
echo "== SQLite half: $(elapsed "$START")"

PG_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/fupin}"
if "$BIN/python" - "$PG_URL" <<'PY'
import sys
import psycopg
url = sys.argv[1].rsplit("/", 1)[0] + "/postgres"
try:
    psycopg.connect(url, connect_timeout=3).close()
except Exception as exc:  # report why, then let the shell decide
    print(f"PostgreSQL not reachable at {url}: {exc}", file=sys.stderr)
    sys.exit(1)
PY
then
  echo "== tests on PostgreSQL ($PG_URL)"
  PG_START=$SECONDS
  DATABASE_URL="$PG_URL" "$BIN/pytest" "${PYTEST_ARGS[@]}"
  echo "== PostgreSQL half: $(elapsed "$PG_START")"
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL is required under CI=true" >&2
  exit 1
else
  echo "== PostgreSQL not reachable: skipped the PostgreSQL run (CI would fail here)"
fi
echo "== make test: $(elapsed "$START") in all"
