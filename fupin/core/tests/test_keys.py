"""The key file: created private, never overwritten, rotated without losing old keys, one key per use."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from fupin.core import keys
from fupin.core.testing import fupin_main

pytestmark = pytest.mark.engine_independent


def test_a_new_key_file_is_readable_by_its_owner_only_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "k" / "keys.json"
    ring = keys.key_file_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert len(ring.master()) == keys.MASTER_KEY_BYTES
    with pytest.raises(FileExistsError):
        keys.key_file_create(path)
    assert keys.key_file_read(path) == ring


def test_each_use_and_each_master_key_give_unrelated_keys(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    keys.key_file_create(path)
    ring = keys.key_rotate(path)
    derived = {(p, k): ring.derive(p, k) for p in (keys.PII_ENCRYPT, keys.PII_INDEX, keys.AUDIT_MAC)
               for k in ring.keys}
    assert len(set(derived.values())) == len(derived) == 6
    assert len(derived[(keys.PII_ENCRYPT, "1")]) == 16 and len(derived[(keys.AUDIT_MAC, "1")]) == 32
    assert ring.derive(keys.AUDIT_MAC, "1") == keys.key_file_read(path).derive(keys.AUDIT_MAC, "1")


def test_rotation_adds_an_active_key_keeps_the_old_ones_and_leaves_the_index_key(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    first = keys.key_file_create(path)
    second = keys.key_rotate(path)
    assert second.active == "2" and second.index == "1"
    assert second.keys["1"] == first.keys["1"] and second.keys["2"] != first.keys["1"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(ImproperlyConfigured, match="no key 7"):
        second.derive(keys.AUDIT_MAC, "7")


@pytest.mark.parametrize("text", ["", "{}", '{"active": "1", "keys": {"1": "c2hvcnQ="}}', "not json"])
def test_a_damaged_key_file_is_a_configuration_error_naming_it(tmp_path: Path, text: str) -> None:
    path = tmp_path / "keys.json"
    path.write_text(text)
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        keys.key_file_read(path)


def test_production_needs_an_existing_key_file_development_creates_one(tmp_path: Path) -> None:
    path = tmp_path / "missing.json"
    keys.keyring.cache_clear()
    try:
        with override_settings(FUPIN_KEY_FILE=path, PRODUCTION=True), \
                pytest.raises(ImproperlyConfigured, match="key-create"):
            keys.keyring()
        assert not path.exists()
        with override_settings(FUPIN_KEY_FILE=path, PRODUCTION=False):
            assert keys.keyring().path == path and path.exists()
    finally:
        keys.keyring.cache_clear()


@pytest.mark.django_db
def test_the_commands_create_and_rotate_the_key_file(tmp_path: Path) -> None:
    path = tmp_path / "cli.json"
    assert fupin_main("key-create", str(path)).returncode == 0
    again = fupin_main("key-create", str(path))
    assert again.returncode == 1 and "not overwritten" in again.stderr
    with override_settings(FUPIN_KEY_FILE=path):
        run = fupin_main("key-rotate")
    assert run.returncode == 0 and keys.key_file_read(path).active == "2"
