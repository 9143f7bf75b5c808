"""The ``fupin`` command as an operator runs it.

One test runs the installed console script end to end in processes of its own: ``fupin migrate`` and
``fupin seed-reference`` on a fresh SQLite file (the ``cli_template`` fixture, once per run). The
development server needs a process too and runs on a copy of that file. Every other test calls the same
entry point in this process (``fupin.cli.main``) on the test database, which holds the reference data
once per module. All of them are engine-independent (docs/testing.md): they run in the SQLite half.
"""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from fupin.accounts.models import User
from fupin.areas.models import Area
from fupin.core.models import AuditEntry
from fupin.core.testing import CHECKOUT, FUPIN, fupin_main, process_env
from fupin.registry.models import Household

DIVISIONS = 212

pytestmark = [pytest.mark.engine_independent, pytest.mark.xdist_group("cli")]


def query(var_dir: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(var_dir / "fupin.sqlite3") as database:
        return database.execute(sql).fetchall()


def write_csv(path: Path, *rows: str) -> Path:
    path.write_text("\n".join(["code,name,level,parent_code,valid_from,valid_to", *rows]) + "\n", encoding="utf-8")
    return path


def test_the_installed_command_migrates_and_seeds_a_fresh_database(cli_template):
    migrated, seeded = cli_template.migrated, cli_template.seeded
    assert migrated.returncode == 0, migrated.stderr
    assert "Applying accounts.0001" in migrated.stdout
    assert query(cli_template.var_dir, "SELECT name FROM sqlite_master WHERE name = 'core_auditentry'")
    assert seeded.returncode == 0, seeded.stderr
    assert f"{DIVISIONS} created" in seeded.stdout
    assert query(cli_template.var_dir, "SELECT COUNT(*) FROM areas_area") == [(DIVISIONS,)]


def test_it_seeds_reference_data_idempotently(reference_db):
    again = fupin_main("seed-reference")
    assert again.returncode == 0, again.stderr
    assert f"0 created, 0 updated, {DIVISIONS} unchanged" in again.stdout
    assert Area.objects.count() == DIVISIONS


def test_it_seeds_demo_data_and_prints_the_demo_logins(reference_db):
    result = fupin_main("seed-demo", "--households", "50")
    assert result.returncode == 0, result.stderr
    assert "demo logins" in result.stdout
    assert "demo_admin" in result.stdout
    assert Household.objects.count() == 50
    assert list(User.objects.filter(username="demo_admin").values_list("is_demo", flat=True)) == [True]


def test_it_refuses_a_bad_division_file_naming_every_bad_row(reference_db, tmp_path):
    bad = write_csv(tmp_path / "bad.csv",
                    "411103101099,新设村,town,411103101000,,",
                    "41110,短代码村,village,411103101000,,",
                    "411103101098,合格村,village,411103101000,,")
    areas_before, audit_before = Area.objects.count(), AuditEntry.objects.count()
    result = fupin_main("import-divisions", str(bad))
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert "第 2 行" in output and "row 2" in output
    assert "第 3 行" in output and "row 3" in output
    assert "第 4 行" not in output
    assert Area.objects.count() == areas_before
    assert AuditEntry.objects.count() == audit_before


def test_it_imports_a_rename_and_an_ending_keeping_history(reference_db, tmp_path):
    changes = write_csv(tmp_path / "changes.csv",
                        "411103101001,李村社区居民委员会,village,411103101000,,",
                        "411103101004,后郑居民委员会,village,411103101000,,2024-12-31")
    result = fupin_main("import-divisions", str(changes))
    assert result.returncode == 0, result.stderr
    assert "updated 2, ended 1" in result.stdout
    assert list(Area.objects.filter(code="411103101001").values_list("name", "valid_to")) == [
        ("李村社区居民委员会", None)]
    assert list(Area.objects.filter(code="411103101004").values_list("name", "valid_to")) == [
        ("后郑居民委员会", date(2024, 12, 31))]
    assert Area.objects.count() == DIVISIONS
    renames = list(AuditEntry.objects.filter(action="update").values_list("changes", flat=True))
    assert {"name": ["李村居民委员会", "李村社区居民委员会"]} in renames


def test_it_verifies_the_audit_chain_and_names_a_tampered_entry(reference_db):
    intact = fupin_main("verify-audit")
    assert intact.returncode == 0, intact.stderr
    assert "audit chain intact" in intact.stdout
    with connection.cursor() as cursor:  # behind the application's back, as an intruder would
        cursor.execute("UPDATE core_auditentry SET object_label = 'x' WHERE seq = 5")
    broken = fupin_main("verify-audit")
    assert broken.returncode == 1
    assert "第 5 条" in broken.stderr
    assert "entry 5" in broken.stderr


def test_it_creates_a_superuser_without_prompting(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "county_root")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Root#Passw0rd!")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "root@example.gov.cn")
    result = fupin_main("createsuperuser", "--noinput")
    assert result.returncode == 0, result.stderr
    assert list(User.objects.filter(username="county_root").values_list("is_superuser", "email")) == [
        (True, "root@example.gov.cn")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch_within(url: str, seconds: float) -> tuple[int, str]:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (a local http URL)
                return response.status, response.read().decode("utf-8")
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_it_runs_the_development_server(cli_var_dir):
    port = free_port()
    with (cli_var_dir / "runserver.log").open("w") as log:
        server = subprocess.Popen([FUPIN, "runserver", f"127.0.0.1:{port}", "--noreload"], cwd=CHECKOUT,
                                  env=process_env(cli_var_dir), stdout=log, stderr=subprocess.STDOUT)
        try:
            status, page = fetch_within(f"http://127.0.0.1:{port}/accounts/login/", 20)
        finally:
            server.terminate()
            server.wait(timeout=10)
    assert status == 200
    assert "精准扶贫管理平台" in page
    assert "用户名" in page


def test_it_exits_non_zero_for_an_unknown_command():
    result = fupin_main("no-such-command")
    assert result.returncode != 0
    assert "no_such_command" in result.stderr


def test_it_exits_2_with_usage_when_an_argument_is_missing():
    result = fupin_main("import-divisions")
    assert result.returncode == 2
    assert "usage:" in result.stderr
