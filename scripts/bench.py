"""Benchmarks of the heavy paths, each in a fresh process on a fresh database.

Every case runs as ``fupin bench-case`` in a child process (so peak memory is the case's own),
on SQLite and on PostgreSQL when it is reachable, and the table in BENCHMARKS.md between the
markers is rewritten with the figures of this run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUPIN = str(ROOT / ".venv" / "bin" / "fupin")
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
# FUPIN_BENCH_DB names the scratch database (so two people can run benchmarks side by side).
BENCH_DB = os.environ.get("FUPIN_BENCH_DB", "fupin_bench")
PG_BENCH = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
# Every case, in the order of the table. `make bench` runs them all; `make bench ARGS="--only assess"`
# runs some (the table keeps the other rows of earlier runs, each with the date it was measured).
CASES = ("seed-demo", "audit-append", "verify-audit", "registry-search", "import-registry", "reimport-registry", "assess",
         "assess-one", "crosscheck-load", "crosscheck", "project-alerts", "monitor", "hotline-sweep", "measures-coverage")
ROW = re.compile(r"^\| (?P<case>[a-z-]+) \| (?P<engine>SQLite|PostgreSQL) \| (?P<rows>[\d,]+) \| "
                 r"(?P<seconds>[\d.,]+) \| [\d,]+ \| (?P<peak>[\d,]+) \|(?: (?P<when>[\d-]+ [\d:]+) \|)?$")


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
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')


def run_cases(engine: str, env: dict[str, str], cases: list[str]) -> list[dict[str, object]]:
    subprocess.run([FUPIN, "migrate", "-v0"], env=env, check=True)
    subprocess.run([FUPIN, "seed-reference"], env=env, check=True, stdout=subprocess.DEVNULL)
    results = []
    for case in cases:
        out = subprocess.run([FUPIN, "bench-case", case], env=env, check=False, capture_output=True, text=True)
        if out.returncode != 0:  # show why before stopping (the output was captured)
            print(out.stdout[-5000:], out.stderr[-5000:], sep="\n", file=sys.stderr)
            out.check_returncode()
        figure = json.loads(out.stdout.strip().splitlines()[-1])
        figure["engine"] = engine
        figure["when"] = f"{datetime.now():%Y-%m-%d %H:%M}"
        print(f"{engine:10} {figure['case']:14} {figure['rows']:>9} rows {figure['seconds']:8.2f} s "
              f"{figure['peak_mib']:7.0f} MiB", file=sys.stderr)
        results.append(figure)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="", help="comma-separated cases (default: all); "
                        "a case that needs another's database runs after it, so list both")
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    cases = [c for c in CASES if c in args.only.split(",")] if args.only else list(CASES)
    unknown = set(filter(None, args.only.split(","))) - set(CASES)
    if unknown:
        parser.error(f"unknown case(s): {', '.join(sorted(unknown))}; known: {', '.join(CASES)}")
    base_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    results: list[dict[str, object]] = []
    if args.engine in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            results += run_cases("SQLite", {**base_env, "FUPIN_VAR_DIR": tmp}, cases)
    if args.engine in ("postgresql", "both"):
        if pg_reachable():
            fresh_pg()
            # A var/ folder of its own too: the run's key file and audit checkpoints are not the checkout's.
            with tempfile.TemporaryDirectory() as tmp:
                results += run_cases("PostgreSQL", {**base_env, "DATABASE_URL": PG_BENCH, "FUPIN_VAR_DIR": tmp}, cases)
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


def earlier_rows(block: str, when: str) -> dict[tuple[str, str], dict[str, object]]:
    """The rows of the table as it stands, so a partial run keeps the cases it did not run."""
    rows: dict[tuple[str, str], dict[str, object]] = {}
    for line in block.splitlines():
        m = ROW.match(line.strip())
        if m and m["case"] in CASES:
            rows[(m["case"], m["engine"])] = {
                "case": m["case"], "engine": m["engine"], "rows": int(m["rows"].replace(",", "")),
                "seconds": float(m["seconds"].replace(",", "")), "peak_mib": float(m["peak"].replace(",", "")),
                "when": m["when"] or when}
    return rows


def write_table(results: list[dict[str, object]]) -> None:
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text(encoding="utf-8") if path.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    head, _, rest = text.partition(START)
    block, _, tail = rest.partition(END)
    stamp = re.search(r"^Run ([\d-]+ [\d:]+)", block.strip())
    merged = earlier_rows(block, stamp[1] if stamp else "")
    merged.update({(str(r["case"]), str(r["engine"])): r for r in results})
    lines = [
        f"Last run {datetime.now():%Y-%m-%d %H:%M} on {platform.node()} ({os.cpu_count()} cores, Python "
        f"{platform.python_version()}); each row gives when it was measured.",
        "",
        "| case | engine | rows | seconds | rows/s | peak memory (MiB) | measured |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for engine in ("SQLite", "PostgreSQL"):
        for case in CASES:
            r = merged.get((case, engine))
            if r is None:
                continue
            rate = float(r["rows"]) / float(r["seconds"]) if float(r["seconds"]) else 0.0  # type: ignore[arg-type]
            lines.append(f"| {r['case']} | {r['engine']} | {r['rows']:,} | {float(r['seconds']):.2f} | "  # type: ignore[arg-type]
                         f"{rate:,.0f} | {float(r['peak_mib']):.0f} | {r['when']} |")  # type: ignore[arg-type]
    searches = search_table(results)
    if not searches:  # keep the earlier per-search table when this run did not search
        kept = block.partition("\nregistry-search, ")
        searches = ["", "registry-search, " + kept[2].strip()] if kept[1] else []
    lines += searches
    path.write_text(f"{head}{START}\n" + "\n".join(lines) + f"\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
