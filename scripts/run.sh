#!/usr/bin/env bash
# `make run`: prepare the SQLite demo county, then serve it with the background worker beside it.
# Ctrl-C stops both: they run as this script's children, and the EXIT trap ends them, once.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"

step() { printf '\n== %s\n' "$*"; }

step "建库 / migrating the database (var/fupin.sqlite3)"
"$BIN/fupin" migrate --no-input -v0
step "载入区划、部门、政策参数与行动计划 / loading reference data"
"$BIN/fupin" seed-reference
step "生成演示数据 / generating the demo county"
"$BIN/fupin" seed-demo
step "收集静态文件 / collecting static files"
"$BIN/fupin" collectstatic --no-input -v0

mkdir -p var
pids=()
stop() {
  trap - EXIT INT TERM  # run once: a trap that signalled its own process group would call itself again
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  printf '\n已停止 / stopped\n'
}
trap stop EXIT
trap 'exit 0' INT TERM

step "后台任务进程 / starting the background worker (log: var/worker.log)"
"$BIN/fupin" db_worker >var/worker.log 2>&1 &
pids+=("$!")

printf '\n  精准扶贫管理平台 Fupin: http://%s:%s/   (Ctrl-C 停止 / to stop)\n\n' "$HOST" "$PORT"
ALLOWED_HOSTS="${ALLOWED_HOSTS:-$HOST,127.0.0.1,localhost}" "$BIN/fupin" runserver --noreload "$HOST:$PORT" &
pids+=("$!")
# `wait` returns as soon as a trapped signal arrives (Ctrl-C), or when the server ends by itself.
wait "${pids[1]}" || true
