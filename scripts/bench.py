"""Benchmarks of the heavy paths, each in a fresh process on a fresh database.

Every case runs as ``fupin bench-case`` in a child process (so peak memory is the case's own),
on SQLite and on PostgreSQL when it is reachable, and the table in BENCHMARKS.md between the
markers is rewritten with the figures of this run.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUPIN = str(ROOT / ".venv" / "bin" / "fupin")
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgres://postgres@127.0.0.1:5432/fupin_bench"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def pg_reachable() -> bool:
    import psycopg

    try:
        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
    except Exception:
        return False
    return True


def fresh_pg() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS fupin_bench WITH (FORCE)")
        conn.execute("CREATE DATABASE fupin_bench")


def run_cases(engine: str, env: dict[str, str]) -> list[dict[str, object]]:
    subprocess.run([FUPIN, "migrate", "-v0"], env=env, check=True)
    subprocess.run([FUPIN, "seed-reference"], env=env, check=True, stdout=subprocess.DEVNULL)
    results = []
    for case in ("seed-demo", "audit-append", "verify-audit", "registry-search", "import-registry", "assess",
                 "assess-one"):
        out = subprocess.run([FUPIN, "bench-case", case], env=env, check=True, capture_output=True, text=True)
        figure = json.loads(out.stdout.strip().splitlines()[-1])
        figure["engine"] = engine
        print(f"{engine:10} {figure['case']:14} {figure['rows']:>9} rows {figure['seconds']:8.2f} s "
              f"{figure['peak_mib']:7.0f} MiB", file=sys.stderr)
        results.append(figure)
    return results


def main() -> int:
    base_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        results += run_cases("SQLite", {**base_env, "FUPIN_VAR_DIR": tmp})
    if pg_reachable():
        fresh_pg()
        results += run_cases("PostgreSQL", {**base_env, "DATABASE_URL": PG_BENCH})
    else:
        print("PostgreSQL not reachable: SQLite figures only", file=sys.stderr)
    write_table(results)
    return 0


def search_table(results: list[dict[str, object]]) -> list[str]:
    """The registry-search case's searches, one row each: median milliseconds per engine."""
    runs = [r for r in results if r.get("searches")]
    if not runs:
        return []
    engines = [str(r["engine"]) for r in runs]
    lines = ["", f"registry-search, {int(runs[0]['rows']):,} members: the household list as the page runs it "  # type: ignore[call-overload]
             "(count, first page of 25, their member counts), median of 3, milliseconds.", "",
             "| search | households found | " + " | ".join(f"{e} ms" for e in engines) + " |",
             "|---|---:|" + "---:|" * len(engines)]
    for i, search in enumerate(runs[0]["searches"]):  # type: ignore[arg-type]
        times = " | ".join(f"{float(r['searches'][i]['ms']):,.0f}" for r in runs)  # type: ignore[index]
        lines.append(f"| {search['label']} | {int(search['found']):,} | {times} |")
    return lines


def write_table(results: list[dict[str, object]]) -> None:
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text(encoding="utf-8") if path.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    lines = [
        f"Run {datetime.now():%Y-%m-%d %H:%M} on {platform.node()} ({os.cpu_count()} cores, Python "
        f"{platform.python_version()}).",
        "",
        "| case | engine | rows | seconds | rows/s | peak memory (MiB) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in results:
        rate = float(r["rows"]) / float(r["seconds"]) if float(r["seconds"]) else 0.0  # type: ignore[arg-type]
        lines.append(f"| {r['case']} | {r['engine']} | {r['rows']:,} | {float(r['seconds']):.2f} | "  # type: ignore[arg-type]
                     f"{rate:,.0f} | {float(r['peak_mib']):.0f} |")  # type: ignore[arg-type]
    lines += search_table(results)
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    path.write_text(f"{head}{START}\n" + "\n".join(lines) + f"\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
