#!/usr/bin/env bash
# `make bench`: the heavy paths, on SQLite and (when reachable) PostgreSQL; figures go to BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python scripts/bench.py "$@"
