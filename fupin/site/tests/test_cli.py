"""The ``fupin`` command as an operator runs it, each time against a temporary SQLite file.

Migrating and loading the reference data takes seconds, so it happens once per module in a
template directory; every test works on its own copy.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]  # the checkout under test
# The `fupin` entry point installed beside the interpreter running the tests.
FUPIN = str(Path(sys.executable).with_name("fupin"))
DB_NAME = "fupin.sqlite3"
DIVISIONS = 212
LEAKY_VARIABLES = ("DATABASE_URL", "FUPIN_PROFILE", "SECRET_KEY", "SECRET_KEY_FILE", "DEBUG", "ALLOWED_HOSTS",
                   "FUPIN_TEST_SQLITE", "DJANGO_ALLOW_ASYNC_UNSAFE")

pytestmark = pytest.mark.xdist_group("cli")


def cli_env(var_dir: Path, **extra: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if k not in LEAKY_VARIABLES}
    environ.update({"FUPIN_VAR_DIR": str(var_dir), **extra})
    return environ


def fupin(var_dir: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([FUPIN, *args], cwd=ROOT, env=cli_env(var_dir, **extra), capture_output=True,
                          text=True, timeout=300, check=False)


def query(var_dir: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(var_dir / DB_NAME) as connection:
        return connection.execute(sql, params).fetchall()


def count(var_dir: Path, table: str) -> int:
    return int(query(var_dir, f"SELECT COUNT(*) FROM {table}")[0][0])  # noqa: S608 (fixed table names)


def write_csv(path: Path, *rows: str) -> Path:
    path.write_text("\n".join(["code,name,level,parent_code,valid_from,valid_to", *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("fupin-template")
    migrated = fupin(var_dir, "migrate", "--noinput")
    seeded = fupin(var_dir, "seed-reference")
    return var_dir, migrated, seeded


@pytest.fixture
def var_dir(template, tmp_path):
    for path in template[0].glob(DB_NAME + "*"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def test_it_migrates_a_fresh_database(template):
    var_dir, migrated, _ = template
    assert migrated.returncode == 0, migrated.stderr
    assert "Applying accounts.0001" in migrated.stdout
    assert query(var_dir, "SELECT name FROM sqlite_master WHERE name = 'core_auditentry'")


def test_it_seeds_reference_data_idempotently(template, var_dir):
    first = template[2]
    assert first.returncode == 0, first.stderr
    assert f"{DIVISIONS} created" in first.stdout
    again = fupin(var_dir, "seed-reference")
    assert again.returncode == 0, again.stderr
    assert f"0 created, 0 updated, {DIVISIONS} unchanged" in again.stdout
    assert count(var_dir, "areas_area") == DIVISIONS


def test_it_seeds_demo_data_and_prints_the_demo_logins(var_dir):
    result = fupin(var_dir, "seed-demo", "--households", "50")
    assert result.returncode == 0, result.stderr
    assert "demo logins" in result.stdout
    assert "demo_admin" in result.stdout
    assert query(var_dir, "SELECT COUNT(*) FROM registry_household")[0][0] == 50
    assert query(var_dir, "SELECT is_demo FROM accounts_user WHERE username = 'demo_admin'") == [(1,)]


def test_it_refuses_a_bad_division_file_naming_every_bad_row(var_dir, tmp_path):
    bad = write_csv(tmp_path / "bad.csv",
                    "411103101099,新设村,town,411103101000,,",
                    "41110,短代码村,village,411103101000,,",
                    "411103101098,合格村,village,411103101000,,")
    areas_before, audit_before = count(var_dir, "areas_area"), count(var_dir, "core_auditentry")
    result = fupin(var_dir, "import-divisions", str(bad))
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert "第 2 行" in output and "row 2" in output
    assert "第 3 行" in output and "row 3" in output
    assert "第 4 行" not in output
    assert count(var_dir, "areas_area") == areas_before
    assert count(var_dir, "core_auditentry") == audit_before


def test_it_imports_a_rename_and_an_ending_keeping_history(var_dir, tmp_path):
    changes = write_csv(tmp_path / "changes.csv",
                        "411103101001,李村社区居民委员会,village,411103101000,,",
                        "411103101004,后郑居民委员会,village,411103101000,,2024-12-31")
    result = fupin(var_dir, "import-divisions", str(changes))
    assert result.returncode == 0, result.stderr
    assert "updated 2, ended 1" in result.stdout
    assert query(var_dir, "SELECT name, valid_to FROM areas_area WHERE code = '411103101001'") == [
        ("李村社区居民委员会", None)]
    assert query(var_dir, "SELECT name, valid_to FROM areas_area WHERE code = '411103101004'") == [
        ("后郑居民委员会", "2024-12-31")]
    assert count(var_dir, "areas_area") == DIVISIONS
    renames = [json.loads(c) for (c,) in query(var_dir, "SELECT changes FROM core_auditentry WHERE action = 'update'")]
    assert {"name": ["李村居民委员会", "李村社区居民委员会"]} in renames


def test_it_verifies_the_audit_chain_and_names_a_tampered_entry(var_dir):
    intact = fupin(var_dir, "verify-audit")
    assert intact.returncode == 0, intact.stderr
    assert "audit chain intact" in intact.stdout
    with sqlite3.connect(var_dir / DB_NAME) as connection:
        connection.execute("UPDATE core_auditentry SET object_label = 'x' WHERE seq = 5")
    broken = fupin(var_dir, "verify-audit")
    assert broken.returncode == 1
    assert "第 5 条" in broken.stderr
    assert "entry 5" in broken.stderr


def test_it_creates_a_superuser_without_prompting(var_dir):
    result = fupin(var_dir, "createsuperuser", "--noinput", DJANGO_SUPERUSER_USERNAME="county_root",
                   DJANGO_SUPERUSER_PASSWORD="Root#Passw0rd!", DJANGO_SUPERUSER_EMAIL="root@example.gov.cn")
    assert result.returncode == 0, result.stderr
    assert query(var_dir, "SELECT is_superuser, email FROM accounts_user WHERE username = 'county_root'") == [
        (1, "root@example.gov.cn")]


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


def test_it_runs_the_development_server(var_dir):
    port = free_port()
    with (var_dir / "runserver.log").open("w") as log:
        server = subprocess.Popen([FUPIN, "runserver", f"127.0.0.1:{port}", "--noreload"], cwd=ROOT,
                                  env=cli_env(var_dir), stdout=log, stderr=subprocess.STDOUT)
        try:
            status, page = fetch_within(f"http://127.0.0.1:{port}/accounts/login/", 20)
        finally:
            server.terminate()
            server.wait(timeout=10)
    assert status == 200
    assert "精准扶贫管理平台" in page
    assert "用户名" in page


def test_it_exits_non_zero_for_an_unknown_command(var_dir):
    result = fupin(var_dir, "no-such-command")
    assert result.returncode != 0
    assert "no_such_command" in result.stderr


def test_it_exits_2_with_usage_when_an_argument_is_missing(var_dir):
    result = fupin(var_dir, "import-divisions")
    assert result.returncode == 2
    assert "usage:" in result.stderr
