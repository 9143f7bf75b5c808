"""Settings as an installation sees them: each test starts ``manage.py`` in a fresh process."""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]  # the checkout under test
PYTHON = sys.executable
# Variables the settings read: the tests set what they need and nothing leaks in from the runner
# (the test conftest sets DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy rightly warns about).
SETTINGS_VARIABLES = ("DATABASE_URL", "FUPIN_PROFILE", "SECRET_KEY", "SECRET_KEY_FILE", "DEBUG", "ALLOWED_HOSTS",
                      "FUPIN_TEST_SQLITE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD",
                      "DJANGO_ALLOW_ASYNC_UNSAFE")
SHOW_SETTINGS = "from django.conf import settings as s; print(s.LANGUAGE_CODE, s.TIME_ZONE, s.DEBUG)"
SHOW_JOURNAL = "from django.db import connection as c; k = c.cursor(); k.execute('PRAGMA journal_mode'); print(k.fetchone()[0])"
ON_SQLITE = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"

pytestmark = pytest.mark.xdist_group("cli")


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    environ.update({"FUPIN_VAR_DIR": str(tmp_path), **env})
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=environ, capture_output=True,
                          text=True, timeout=120, check=False)


def production(**extra: str) -> dict[str, str]:
    return {"FUPIN_PROFILE": "production", "ALLOWED_HOSTS": "fupin.example.gov.cn", **extra}


def test_it_passes_the_deployment_checks_in_production(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING",
                    **production(SECRET_KEY=secrets.token_urlsafe(60)))
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_it_refuses_production_without_a_secret_key(tmp_path):
    result = manage(tmp_path, "check", **production())
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is required" in result.stderr


def test_it_refuses_a_debug_value_that_is_not_a_boolean(tmp_path):
    result = manage(tmp_path, "check", DEBUG="maybe")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_it_reads_debug_true_and_false_words(tmp_path):
    assert manage(tmp_path, "shell", "--no-imports", "-c", SHOW_SETTINGS, DEBUG="yes").stdout.split()[2] == "True"
    assert manage(tmp_path, "shell", "--no-imports", "-c", SHOW_SETTINGS, DEBUG="off").stdout.split()[2] == "False"


def test_it_defaults_to_simplified_chinese_in_shanghai_time_with_debug_off(tmp_path):
    result = manage(tmp_path, "shell", "--no-imports", "-c", SHOW_SETTINGS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["zh-hans", "Asia/Shanghai", "False"]


@pytest.mark.skipif(not ON_SQLITE, reason="the WAL journal is a SQLite setting")
def test_it_runs_the_default_sqlite_database_in_wal_mode(tmp_path):
    result = manage(tmp_path, "shell", "--no-imports", "-c", SHOW_JOURNAL)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wal"
    with sqlite3.connect(tmp_path / "fupin.sqlite3") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
