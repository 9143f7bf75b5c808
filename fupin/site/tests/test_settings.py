"""Settings as an installation sees them: each test starts ``manage.py`` in a fresh process, since the
settings are read once, at the start of a process.

The processes use a SQLite file of their own, whatever the suite's engine, so these tests are
engine-independent (docs/testing.md) and run in the SQLite half; the one that reads a PostgreSQL
``DATABASE_URL`` runs in the PostgreSQL half, against the suite's server.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from fupin.core.keys import key_file_create
from fupin.core.testing import CHECKOUT, process_env

SHOW_SETTINGS = "from django.conf import settings as s; print(s.LANGUAGE_CODE, s.TIME_ZONE, s.DEBUG)"
SHOW_JOURNAL = "from django.db import connection as c; k = c.cursor(); k.execute('PRAGMA journal_mode'); print(k.fetchone()[0])"
# A new SQLite database (its -wal and -shm exist while it is open), an attachment saved by Django's storage (a
# small one from memory, a large one moved from its temporary file), an import upload written by our own code;
# then the mode of everything under the data folder, with the database still open.
WRITE_PRIVATE = """
import json, os
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.db import connection
from fupin.core.imports.uploads import upload_store
connection.cursor().execute('CREATE TABLE t (x)')
default_storage.save('hotline/2020/05/small.pdf', SimpleUploadedFile('small.pdf', b'%PDF-1.4 x'))
large = TemporaryUploadedFile('large.pdf', 'application/pdf', 4, None)
large.write(b'%PDF'); large.seek(0)
default_storage.save('evidence/2020/large.pdf', large)
large.close()
upload_store([SimpleUploadedFile('list.csv', b'a,b')])
modes = {'.': oct(os.stat(settings.VAR_DIR).st_mode & 0o777)}
for folder, dirs, files in os.walk(settings.VAR_DIR):
    for name in dirs + files:
        path = os.path.join(folder, name)
        modes[os.path.relpath(path, settings.VAR_DIR)] = oct(os.stat(path).st_mode & 0o777)
print(json.dumps(modes))
"""
SHOW_DATABASE = ("from django.db import connection as c; k = c.cursor(); k.execute('SELECT current_database()'); "
                 "print(c.vendor, k.fetchone()[0], sorted(c.settings_dict['OPTIONS']))")

pytestmark = pytest.mark.xdist_group("cli")
engine_independent = pytest.mark.engine_independent


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``manage.py ARGS`` in a fresh process, started with the usual umask 022 (not the one the settings gave
    this runner), so what the process writes has the modes its own start-up chose."""
    return subprocess.run([sys.executable, "manage.py", *args], cwd=CHECKOUT, env=process_env(tmp_path, **env),
                          capture_output=True, text=True, timeout=120, check=False, umask=0o022)


def written_modes(var_dir: Path, **env: str) -> dict[str, int]:
    """The modes of everything under a new data folder after WRITE_PRIVATE ran in a fresh process."""
    result = manage(var_dir, "shell", "--no-imports", "-c", WRITE_PRIVATE, **env)
    assert result.returncode == 0, result.stderr
    return {path: int(mode, 8) for path, mode in json.loads(result.stdout.strip().splitlines()[-1]).items()}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


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


@engine_independent
def test_a_new_database_uploads_and_the_folders_made_for_them_are_the_owner_s_only(tmp_path):
    var_dir = tmp_path / "var"
    modes = written_modes(var_dir)
    for name in ("fupin.sqlite3", "fupin.sqlite3-wal", "fupin.sqlite3-shm", "media/hotline/2020/05/small.pdf",
                 "media/evidence/2020/large.pdf"):
        assert modes.pop(name) == 0o600, name
    for name in (".", "media", "media/hotline", "media/hotline/2020", "media/hotline/2020/05", "media/evidence",
                 "media/evidence/2020", "media/uploads"):
        assert modes.pop(name) == 0o700, name
    # The rest: the import upload's folder and file (names of its own), and the folders the settings made.
    assert modes and {m for p, m in modes.items() if (var_dir / p).is_file()} == {0o600}
    assert {m for p, m in modes.items() if (var_dir / p).is_dir()} == {0o700}
    assert mode(var_dir / "fupin.sqlite3") == 0o600  # after the process ended


@engine_independent
def test_fupin_umask_sets_the_modes(tmp_path):
    modes = written_modes(tmp_path / "var", FUPIN_UMASK="027")
    assert (modes["fupin.sqlite3"], modes["media/hotline/2020/05/small.pdf"], modes["media/evidence/2020/large.pdf"]) \
        == (0o640, 0o640, 0o640)
    assert (modes["."], modes["media/hotline/2020/05"]) == (0o750, 0o750)


@engine_independent
def test_it_refuses_a_umask_that_is_not_octal(tmp_path):
    result = manage(tmp_path, "check", FUPIN_UMASK="0o99")
    assert result.returncode != 0 and "FUPIN_UMASK='0o99' is not an octal number" in result.stderr


@engine_independent
def test_a_database_and_data_folder_made_before_are_tightened_at_start_up(tmp_path):
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    database = sqlite3.connect(var_dir / "fupin.sqlite3")  # kept open: its -wal and -shm stay
    try:
        database.execute("PRAGMA journal_mode=WAL")
        database.execute("CREATE TABLE t (x)")
        companions = [var_dir / name for name in ("fupin.sqlite3", "fupin.sqlite3-wal", "fupin.sqlite3-shm")]
        for path in [var_dir, *companions]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        result = manage(var_dir, "check")
        assert result.returncode == 0, result.stderr
        assert [mode(path) for path in [var_dir, *companions]] == [0o700, 0o600, 0o600, 0o600]
    finally:
        database.close()
