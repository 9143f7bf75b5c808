"""``fupin backup`` and ``fupin restore`` on both engines: a demo county with attachments is backed up, restored
into an empty data folder (on PostgreSQL an empty database of its own), and then every table has its rows,
the audit chain verifies against the checkpoints kept beside, and every attachment downloads through the
pages of a server running on the restored installation. A damaged, incomplete or foreign backup, or a
target that is not empty, is refused before anything changes."""

from __future__ import annotations

import hashlib
import http.cookiejar
import json
import re
import shutil
import sqlite3
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from psycopg.conninfo import make_conninfo

from fupin.accounts.models import User
from fupin.core.audit import Action, audit_checkpoint, audit_record
from fupin.core.audit_checkpoints import CHECKPOINT_FILE
from fupin.core.backup import MANIFEST
from fupin.core.backup_db import configured_counts
from fupin.core.testing import CHECKOUT, FUPIN, CliRun, fupin_process, make_household, process_env
from fupin.site.tests.attachments import VIEWER, VIEWER_PASSWORD, Attached, demo_with_attachments, viewer
from fupin.site.tests.test_cli import fetch_within, free_port
from fupin.workflow.services import household_transition

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump and the restored server read committed rows


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    folder = tmp_path / "data" / "media"
    folder.mkdir(parents=True)
    settings.MEDIA_ROOT = folder
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": folder}}}
    return folder


@pytest.fixture
def demo(media) -> list[Attached]:
    attached = demo_with_attachments()
    # The viewer signs in on the restored server, whose settings do not know the tests' fast hasher.
    User.objects.filter(username=VIEWER).update(password=make_password(VIEWER_PASSWORD, hasher=PBKDF2PasswordHasher()))
    client = Client()
    client.force_login(viewer())
    for item in attached:  # the source installation serves them: the check after the restore means something
        response = client.get(item.url)
        assert response.status_code == 200, item.kind
        assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == item.sha256  # type: ignore[attr-defined]
    return attached


@pytest.fixture
def restore_database() -> Iterator[str]:
    """The DATABASE_URL of the restored installation: an empty database of its own on PostgreSQL (the SQLite
    default in its var/ folder otherwise)."""
    if connection.vendor != "postgresql":
        yield ""
        return
    db = connection.settings_dict
    name = f"{db['NAME']}_restore"
    admin = make_conninfo(host=db.get("HOST") or None, port=db.get("PORT") or None, user=db.get("USER") or None,
                          password=db.get("PASSWORD") or None, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db.get("PASSWORD") else f"{db['USER']}@"
    yield f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _restored_env(var_dir: Path, database_url: str, checkpoints: Path) -> dict[str, str]:
    extra = {"FUPIN_KEY_FILE": str(settings.FUPIN_KEY_FILE), "FUPIN_AUDIT_CHECKPOINT_DIR": str(checkpoints)}
    if database_url:
        extra["DATABASE_URL"] = database_url
    return process_env(var_dir, **extra)


def _restored_counts(var_dir: Path, database_url: str) -> dict[str, int]:
    """Rows per table of the restored database, read directly (not through the command under test)."""
    if database_url:
        with psycopg.connect(database_url) as conn:
            tables = [r[0] for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()]
            return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]  # type: ignore[index]  # noqa: S608
                    for t in tables}
    with sqlite3.connect(var_dir / "fupin.sqlite3") as db:
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608


def _signed_in_opener(base: str) -> urllib.request.OpenerDirector:
    """A browser-like client: the login form's CSRF token and the session cookie, as a person signs in."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(f"{base}/accounts/login/", timeout=10) as page:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode()).group(1)  # type: ignore[union-attr]
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": VIEWER, "password": VIEWER_PASSWORD})
    request = urllib.request.Request(f"{base}/accounts/login/", data=form.encode(),  # noqa: S310 (local http)
                                     headers={"Referer": f"{base}/accounts/login/"})
    with opener.open(request, timeout=10) as done:
        assert "/accounts/login/" not in done.url, "signed in"
    return opener


def _download_all(env: dict[str, str], var_dir: Path, attached: list[Attached]) -> dict[str, tuple[int, str]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (var_dir.parent / "runserver.log").open("w") as log:
        server = subprocess.Popen([FUPIN, "runserver", f"127.0.0.1:{port}", "--noreload"], cwd=CHECKOUT,
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            fetch_within(f"{base}/accounts/login/", 30)
            opener = _signed_in_opener(base)
            found = {}
            for item in attached:
                with opener.open(f"{base}{item.url}", timeout=10) as response:
                    found[item.kind] = (response.status, hashlib.sha256(response.read()).hexdigest())
            return found
        finally:
            server.terminate()
            server.wait(timeout=10)


def _ok(run: CliRun) -> CliRun:
    assert run.returncode == 0, run.stdout + run.stderr
    return run


def test_a_demo_with_attachments_is_restored_into_an_empty_data_folder_and_every_file_downloads(
        demo, media, tmp_path, restore_database):
    backup = tmp_path / "backup"
    call_command("backup", str(backup))
    manifest = json.loads((backup / MANIFEST).read_text(encoding="utf-8"))
    assert {f"media/{item.attachment.file.name}" for item in demo} <= set(manifest["files"])
    assert not any("key" in name or "checkpoint" in name for name in manifest["files"]), "keys are backed up apart"
    source_counts = configured_counts()
    assert manifest["counts"] == source_counts

    audit_record(actor=None, action=Action.UPDATE, object_type="test.after", object_label="备份之后")
    audit_checkpoint()  # a checkpoint beyond the backup's head: the restore must supersede it, not trip on it
    checkpoints = tmp_path / "restored" / "audit-checkpoints"  # restored from their own backup, beside
    shutil.copytree(settings.FUPIN_AUDIT_CHECKPOINT_DIR, checkpoints)

    var_dir = tmp_path / "restored" / "var"  # an empty data folder
    var_dir.mkdir(parents=True)
    env = _restored_env(var_dir, restore_database, checkpoints)
    restored = _ok(fupin_process(env, "restore", str(backup)))
    assert "restored:" in restored.stdout and "audit chain intact" in restored.stdout

    assert _restored_counts(var_dir, restore_database) == source_counts
    verified = _ok(fupin_process(env, "verify-audit"))
    assert "audit chain intact" in verified.stdout and "signed checkpoints" in verified.stdout
    restore_lines = [json.loads(line) for line in (checkpoints / CHECKPOINT_FILE).read_text().splitlines()]
    assert restore_lines[-1]["kind"] == "restore" and restore_lines[-1]["seq"] == manifest["audit"]["seq"]

    for item in demo:
        assert (var_dir / "media" / item.attachment.file.name).read_bytes() == item.content
    downloads = _download_all(env, var_dir, demo)
    assert downloads == {item.kind: (200, item.sha256) for item in demo}


@pytest.fixture
def small(media, areas) -> list[Attached]:
    """A few households and two applications with their evidence (cheaper than the demo county)."""
    attached = []
    for number, village in (("H-A1-0100", areas.village_a1), ("H-B1-0100", areas.village_b1)):
        household = make_household(village, number, status=None)
        evidence = SimpleUploadedFile(f"申请书-{number}.pdf", f"%PDF-1.4 synthetic {number}".encode())
        step = household_transition(household, "apply", actor=None, note="户主书面申请", files=[evidence])
        attachment = step.attachments.get()
        attached.append(Attached("workflow", attachment, (media / attachment.file.name).read_bytes()))
    return attached


def _backup_of(folder: Path) -> Path:
    call_command("backup", str(folder))
    return folder


@pytest.fixture
def backup(small, tmp_path) -> Path:
    return _backup_of(tmp_path / "backup")


def _refused(backup: Path, match: str, *args: str) -> None:
    counts = configured_counts()
    media_files = sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
    with pytest.raises(CommandError, match=match):
        call_command("restore", str(backup), *args)
    assert configured_counts() == counts, "a refused restore changes nothing"
    assert sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()) == media_files


# Refused before the database is touched (fupin.core.backup checks the files, the keys and the target first):
# once, in the SQLite half. The refusal of a restore over a database that is not empty is checked on both
# engines by ``test_a_forced_restore_replaces_what_is_there``, the backup of each engine by the restores.
@pytest.mark.engine_independent
class TestRefusals:
    def test_over_a_database_that_is_not_empty_without_force(self, backup):
        _refused(backup, r"数据库不是空的.*configured database is not empty.*--force")

    def test_a_damaged_file(self, backup, small):
        target = backup / "media" / small[0].attachment.file.name
        target.write_bytes(target.read_bytes().replace(b"synthetic", b"SYNTHETIC"))
        _refused(backup, rf"备份已损坏.*the backup is damaged: media/{re.escape(small[0].attachment.file.name)}")

    def test_an_incomplete_backup(self, backup, small):
        (backup / "media" / small[1].attachment.file.name).unlink()
        _refused(backup, r"备份不完整.*the backup is incomplete: media/")

    def test_a_damaged_database_file(self, backup):
        database = next(backup.glob("database.*"))
        with database.open("r+b") as handle:
            handle.seek(database.stat().st_size // 2)
            handle.write(b"\x00\xff\x00\xff")
        _refused(backup, r"the backup is damaged: database\.")

    def test_an_unfinished_backup_without_its_manifest(self, backup):
        (backup / MANIFEST).unlink()
        _refused(backup, r"no manifest\.json.*unfinished")

    def test_a_manifest_edited_to_match_a_changed_file(self, backup, small):
        manifest = json.loads((backup / MANIFEST).read_text())
        name = f"media/{small[0].attachment.file.name}"
        (backup / name).write_bytes(b"%PDF-1.4 swapped")
        manifest["files"][name] = {"sha256": hashlib.sha256(b"%PDF-1.4 swapped").hexdigest(), "size": 16}
        (backup / MANIFEST).write_text(json.dumps(manifest))
        _refused(backup, r"manifest\.json is damaged")

    def test_a_file_that_is_not_in_the_manifest(self, backup):
        (backup / "media" / "extra.pdf").write_bytes(b"%PDF-1.4 extra")
        _refused(backup, r"media/extra\.pdf is in the backup folder but not in its manifest")

    def test_without_the_key_file_the_backup_was_made_with(self, backup, settings, tmp_path):
        from fupin.core import keys

        other = tmp_path / "other-keys.json"
        keys.key_file_create(other)
        settings.FUPIN_KEY_FILE = other
        keys.keyring.cache_clear()
        try:
            _refused(backup, r"does not hold key 1 of the backup")
            settings.FUPIN_KEY_FILE = tmp_path / "no-such-keys.json"
            keys.keyring.cache_clear()
            _refused(backup, r"the key file .* does not exist: restore it from its own backup first")
        finally:
            keys.keyring.cache_clear()


@pytest.mark.engine_independent  # refused before the database is dumped
def test_the_backup_target_must_be_new_or_empty(small, tmp_path):
    target = tmp_path / "used"
    target.mkdir()
    (target / "something").write_text("x")
    with pytest.raises(CommandError, match="exists and is not empty"):
        call_command("backup", str(target))
    assert sorted(p.name for p in target.iterdir()) == ["something"]


def test_a_forced_restore_replaces_what_is_there(small, tmp_path, restore_database):
    """Over a restored installation changed since, ``--force`` puts the backup back exactly."""
    backup = _backup_of(tmp_path / "backup")
    var_dir = tmp_path / "restored" / "var"
    var_dir.mkdir(parents=True)
    env = _restored_env(var_dir, restore_database, tmp_path / "restored" / "audit-checkpoints")
    _ok(fupin_process(env, "restore", str(backup)))
    (var_dir / "media" / "stray.pdf").write_bytes(b"%PDF-1.4 stray")
    again = fupin_process(env, "restore", str(backup))
    assert again.returncode == 1 and "not empty" in again.stderr
    _ok(fupin_process(env, "restore", "--force", str(backup)))
    assert not (var_dir / "media" / "stray.pdf").exists()
    assert _restored_counts(var_dir, restore_database) == json.loads((backup / MANIFEST).read_text())["counts"]
    _ok(fupin_process(env, "verify-audit"))
