"""Settings as an installation sees them: each test starts ``manage.py`` in a fresh process, since the
settings are read once, at the start of a process.

The processes use a SQLite file of their own, whatever the suite's engine, so these tests are
engine-independent (docs/testing.md) and run in the SQLite half; the one that reads a PostgreSQL
``DATABASE_URL`` runs in the PostgreSQL half, against the suite's server.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from fupin.core.keys import key_file_create
from fupin.core.testing import CHECKOUT, process_env

SHOW_SETTINGS = "from django.conf import settings as s; print(s.LANGUAGE_CODE, s.TIME_ZONE, s.DEBUG)"
SHOW_JOURNAL = "from django.db import connection as c; k = c.cursor(); k.execute('PRAGMA journal_mode'); print(k.fetchone()[0])"
SHOW_DATABASE = ("from django.db import connection as c; k = c.cursor(); k.execute('SELECT current_database()'); "
                 "print(c.vendor, k.fetchone()[0], sorted(c.settings_dict['OPTIONS']))")

pytestmark = pytest.mark.xdist_group("cli")
engine_independent = pytest.mark.engine_independent


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=CHECKOUT, env=process_env(tmp_path, **env),
                          capture_output=True, text=True, timeout=120, check=False)


def production(**extra: str) -> dict[str, str]:
    """A production environment; its key file is named (production requires it) but only read when used."""
    return {"FUPIN_PROFILE": "production", "ALLOWED_HOSTS": "fupin.example.gov.cn", "FUPIN_KEY_FILE": "keys.json",
            **extra}


@engine_independent
def test_it_passes_the_deployment_checks_in_production(tmp_path):
    keys = key_file_create(tmp_path / "keys" / "fupin-keys.json")
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING",
                    **production(SECRET_KEY=secrets.token_urlsafe(60), FUPIN_KEY_FILE=str(keys.path)))
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


@engine_independent
def test_the_deployment_checks_want_a_private_key_file_outside_the_uploads(tmp_path):
    secret = secrets.token_urlsafe(60)
    missing = manage(tmp_path, "check", "--deploy", **production(SECRET_KEY=secret,
                                                                   FUPIN_KEY_FILE=str(tmp_path / "none.json")))
    assert missing.returncode != 0 and "fupin.E001" in missing.stderr
    exposed_file = tmp_path / "media" / "keys.json"  # MEDIA_ROOT is the process's var/media
    key_file_create(exposed_file)
    exposed_file.chmod(0o644)
    exposed = manage(tmp_path, "check", "--deploy", **production(SECRET_KEY=secret, FUPIN_KEY_FILE=str(exposed_file)))
    assert exposed.returncode != 0 and "fupin.E002" in exposed.stderr and "fupin.W001" in exposed.stderr


@engine_independent
def test_it_refuses_production_without_a_key_file_setting(tmp_path):
    env = production(SECRET_KEY=secrets.token_urlsafe(60))
    del env["FUPIN_KEY_FILE"]
    result = manage(tmp_path, "check", **env)
    assert result.returncode != 0 and "FUPIN_KEY_FILE is required" in result.stderr


@engine_independent
def test_it_refuses_production_without_a_secret_key(tmp_path):
    result = manage(tmp_path, "check", **production())
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is required" in result.stderr


@engine_independent
def test_it_refuses_a_debug_value_that_is_not_a_boolean(tmp_path):
    result = manage(tmp_path, "check", DEBUG="maybe")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DEBUG='maybe' is not a boolean" in result.stderr


@engine_independent
def test_it_reads_debug_true_and_false_words(tmp_path):
    assert manage(tmp_path, "shell", "--no-imports", "-c", SHOW_SETTINGS, DEBUG="yes").stdout.split()[2] == "True"
    assert manage(tmp_path, "shell", "--no-imports", "-c", SHOW_SETTINGS, DEBUG="off").stdout.split()[2] == "False"


@engine_independent
def test_it_defaults_to_simplified_chinese_in_shanghai_time_with_debug_off(tmp_path):
    result = manage(tmp_path, "shell", "--no-imports", "-c", SHOW_SETTINGS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["zh-hans", "Asia/Shanghai", "False"]


@engine_independent
def test_it_runs_the_default_sqlite_database_in_wal_mode(tmp_path):
    result = manage(tmp_path, "shell", "--no-imports", "-c", SHOW_JOURNAL)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wal"
    with sqlite3.connect(tmp_path / "fupin.sqlite3") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads the PostgreSQL server the suite runs on")
def test_it_connects_to_the_postgresql_database_a_database_url_names(db, tmp_path):
    test_database = connection.settings_dict["NAME"]
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + test_database
    result = manage(tmp_path, "shell", "--no-imports", "-c", SHOW_DATABASE, DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    # No SQLite pragmas (journal, busy timeout) on PostgreSQL.
    assert result.stdout.strip() == f"postgresql {test_database} []"
    assert not (tmp_path / "fupin.sqlite3").exists()
