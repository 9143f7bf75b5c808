"""The keyed audit chain and its signed checkpoints outside the database (ADR 0021), attacked as a database
administrator would: rows rewritten with recomputed plain hashes, the tail cut and the head moved, the
checkpoint file edited; and what must still pass: a clean chain, a key rotated in the middle, a legacy
SHA-256 prefix, a restore to an earlier head."""

from __future__ import annotations

import hashlib
import json
import stat
from collections.abc import Iterator, Mapping
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from fupin.core import keys
from fupin.core.audit import (
    Action,
    audit_checkpoint,
    audit_record,
    audit_restored,
    audit_verify,
    entry_digest,
)
from fupin.core.audit_checkpoints import CHECKPOINT_FILE, checkpoints_read
from fupin.core.models import AuditChainHead, AuditEntry
from fupin.core.testing import fupin_main


@pytest.fixture
def key_file(settings, tmp_path: Path) -> Iterator[Path]:
    """A key file of the test's own (so rotating it touches nothing else)."""
    path = tmp_path / "keys" / "fupin-keys.json"
    keys.key_file_create(path)
    settings.FUPIN_KEY_FILE = path
    keys.keyring.cache_clear()
    yield path
    keys.keyring.cache_clear()


def _record(n: int, start: int = 1) -> list[AuditEntry]:
    return [audit_record(actor=None, action=Action.UPDATE, object_type="test.thing", object_id=str(i),
                         object_label=f"对象{i}", changes={"n": [i, i + 1]}) for i in range(start, start + n)]


def _sql(statement: str, params: list[str | int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _plain_sha256(row: Mapping[str, Any], prev_hash: str) -> str:
    """The hash of ADR 0002 as an intruder recomputes it: SHA-256 over the canonical content, no key."""
    at = row["at"].astimezone(UTC).isoformat()
    content = [row["seq"], at, row["actor_id"], row["actor_label"], row["action"], row["object_type"],
               row["object_id"], row["object_label"], row["changes"], prev_hash]
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _rewrite_with_plain_hashes(*, edit_seq: int, from_seq: int = 1, to_seq: int | None = None) -> None:
    """Edit one entry and rebuild the chain from ``from_seq`` (to ``to_seq``) with plain SHA-256, key ids
    removed, in SQL."""
    _sql("UPDATE core_auditentry SET object_label = %s WHERE seq = %s", ["改过了", edit_seq])
    rows = list(AuditEntry.objects.order_by("seq").values())
    prev_hash = "0" * 64
    for row in rows:
        if from_seq <= row["seq"] <= (to_seq or row["seq"]):
            digest = _plain_sha256(row, prev_hash)
            _sql("UPDATE core_auditentry SET prev_hash = %s, entry_hash = %s, key_id = '' WHERE seq = %s",
                 [prev_hash, digest, row["seq"]])
            prev_hash = digest
        else:
            prev_hash = row["entry_hash"]


def _cut_tail(after_seq: int) -> None:
    """Delete the entries after ``after_seq`` and move the head row back onto what is left."""
    _sql("DELETE FROM core_auditentry WHERE seq > %s", [after_seq])
    last = AuditEntry.objects.get(seq=after_seq)
    _sql("UPDATE core_auditchainhead SET seq = %s, entry_hash = %s WHERE id = 1", [after_seq, last.entry_hash])


def _checkpoint_file() -> Path:
    return Path(settings.FUPIN_AUDIT_CHECKPOINT_DIR) / CHECKPOINT_FILE


class TestKeyedChain:
    def test_each_entry_is_macd_with_hmac_sm3_under_the_active_key_and_names_it(self, db, key_file):
        entries = _record(3)
        ring = keys.keyring()
        assert [e.key_id for e in entries] == ["1", "1", "1"]
        for entry in entries:
            assert entry.entry_hash == entry_digest(entry)
            assert entry.entry_hash != _plain_sha256(AuditEntry.objects.filter(seq=entry.seq).values().get(),
                                                     entry.prev_hash)
        from cryptography.hazmat.primitives import hashes, hmac

        mac = hmac.HMAC(ring.derive(keys.AUDIT_MAC, "1"), hashes.SM3())
        mac.update(json.dumps([1, entries[0].at.astimezone(UTC).isoformat(), None, "system", "update", "test.thing",
                               "1", "对象1", {"n": [1, 2]}, "0" * 64, "", "1"], sort_keys=True, ensure_ascii=False,
                              separators=(",", ":")).encode("utf-8"))
        assert entries[0].entry_hash == mac.finalize().hex()

    def test_a_clean_chain_passes_with_its_checkpoints(self, db, key_file):
        _record(5)
        assert audit_checkpoint().written
        _record(2, start=6)
        assert audit_checkpoint().written
        result = audit_verify()
        assert result.ok, result.reason
        assert (result.checked, result.checkpoints, result.keyed_from) == (7, 2, 1)

    def test_a_key_rotated_in_the_middle_of_the_chain_still_verifies(self, db, key_file):
        _record(3)
        audit_checkpoint()
        keys.key_rotate(key_file)
        _record(3, start=4)
        audit_checkpoint()
        assert list(AuditEntry.objects.order_by("seq").values_list("key_id", flat=True)) == ["1"] * 3 + ["2"] * 3
        assert [p.key for p in checkpoints_read().lines] == ["1", "2"]
        result = audit_verify()
        assert result.ok and result.checked == 6 and result.checkpoints == 2
        _sql("UPDATE core_auditentry SET object_label = %s WHERE seq = %s", ["改过了", 2])  # under the old key
        assert audit_verify().broken_seq == 2

    def test_whatever_an_intruder_writes_in_the_mac_column_is_a_mismatch_not_a_crash(self, db, key_file):
        _record(3)
        _sql("UPDATE core_auditentry SET entry_hash = %s WHERE seq = %s", ["改" * 64, 2])
        result = audit_verify()
        assert (result.ok, result.broken_seq) == (False, 2) and "does not match its MAC" in result.reason

    def test_an_entry_whose_key_is_not_in_the_key_file_is_named(self, db, key_file):
        _record(3)
        _sql("UPDATE core_auditentry SET key_id = %s WHERE seq = %s", ["9", 2])
        result = audit_verify()
        assert not result.ok and result.broken_seq == 2 and "key 9 is not in the key file" in result.reason

    def test_an_entry_rewritten_and_remacd_with_a_plain_hash_is_a_mac_mismatch(self, db, key_file):
        _record(5)
        rows = list(AuditEntry.objects.order_by("seq").values())
        _sql("UPDATE core_auditentry SET object_label = %s, entry_hash = %s WHERE seq = 3",
             ["改过了", _plain_sha256({**rows[2], "object_label": "改过了"}, rows[1]["entry_hash"])])
        result = audit_verify()
        assert (result.ok, result.broken_seq) == (False, 3) and "does not match its MAC" in result.reason

    def test_entries_stripped_of_their_mac_after_it_began_are_forged(self, db, key_file):
        _record(6)
        _rewrite_with_plain_hashes(edit_seq=4, from_seq=4)
        result = audit_verify()
        assert (result.ok, result.broken_seq) == (False, 4) and "has no MAC" in result.reason


class TestRewrittenAndCut:
    """The acceptance line: the chain rewritten with recomputed plain hashes and its tail cut."""

    def _attacked(self) -> None:
        _record(8)
        audit_checkpoint()  # the signed head: entry 8, outside the database
        _rewrite_with_plain_hashes(edit_seq=3)
        _cut_tail(after_seq=6)

    def test_the_forgery_is_a_perfect_plain_chain_only_the_key_and_checkpoints_tell(self, db, key_file, tmp_path):
        self._attacked()
        no_checkpoints = audit_verify(checkpoints=tmp_path / "none.jsonl")
        assert no_checkpoints.ok, "the forged chain is a valid unkeyed chain: the checkpoints are what catch it"
        result = audit_verify()
        assert not result.ok and result.broken_seq == 1
        assert "MAC chain from entry 1" in result.reason

    def test_cutting_the_tail_alone_is_caught_by_the_signed_checkpoint(self, db, key_file):
        _record(8)
        audit_checkpoint()
        _cut_tail(after_seq=6)
        result = audit_verify()
        assert (result.ok, result.broken_seq) == (False, 7)
        assert "entries 7 to 8 are missing" in result.reason and "the tail was cut" in result.reason

    def test_verify_audit_fails_naming_the_first_broken_entry(self, db, key_file):
        self._attacked()
        with pytest.raises(CommandError, match=r"第 1 条.*entry 1.*MAC chain from entry 1"):
            call_command("verify_audit")

    @pytest.mark.engine_independent
    def test_verify_audit_exits_1(self, db, key_file):
        self._attacked()
        run = fupin_main("verify-audit")
        assert run.returncode == 1
        assert "审计链在第 1 条记录处断开" in run.stderr and "audit chain broken at entry 1" in run.stderr

    def test_a_checkpoint_copied_to_another_host_catches_it_too(self, db, key_file, tmp_path):
        _record(8)
        audit_checkpoint()
        copy = tmp_path / "elsewhere.jsonl"
        copy.write_bytes(_checkpoint_file().read_bytes())
        _checkpoint_file().unlink()  # the intruder removed the local file as well
        _cut_tail(after_seq=6)
        assert audit_verify().ok, "without the local file nothing names entry 8"
        assert audit_verify(checkpoints=copy).broken_seq == 7
        with pytest.raises(CommandError, match="entries 7 to 8 are missing"):
            call_command("verify_audit", "--checkpoints", str(copy))


class TestCheckpointFile:
    def test_it_is_private_append_only_json_lines_with_a_signature(self, db, key_file):
        entries = _record(4)
        first = audit_checkpoint()
        assert first.written and (first.point.seq, first.point.mac) == (4, entries[-1].entry_hash)
        assert not audit_checkpoint().written, "the head has not moved: nothing to add"
        _record(1, start=5)
        assert audit_checkpoint().written
        path = _checkpoint_file()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        lines = [json.loads(line) for line in path.read_text().splitlines()]
        assert [(line["kind"], line["seq"], line["keyed_from"]) for line in lines] == [("checkpoint", 4, 1),
                                                                                    ("checkpoint", 5, 1)]
        assert set(lines[0]) == {"at", "key", "keyed_from", "kind", "mac", "seq", "sig"}

    @pytest.mark.parametrize("edit", ["seq", "mac", "keyed_from", "forged line", "garbage"])
    def test_an_edited_checkpoint_file_fails_its_signature(self, db, key_file, edit):
        _record(6)
        audit_checkpoint()
        path = _checkpoint_file()
        line = json.loads(path.read_text())
        if edit == "seq":  # the intruder cut the tail to 4 and lowers the checkpoint to match
            _cut_tail(after_seq=4)
            line["seq"], line["mac"] = 4, AuditEntry.objects.get(seq=4).entry_hash
        elif edit == "mac":
            line["mac"] = "f" * 64
        elif edit == "keyed_from":
            line["keyed_from"] = 0
        if edit == "forged line":
            text = path.read_text() + json.dumps({**line, "seq": 2, "sig": "0" * 64}) + "\n"
        elif edit == "garbage":
            text = path.read_text() + "{not json\n"
        else:
            text = json.dumps(line) + "\n"
        path.write_text(text)
        result = audit_verify()
        assert not result.ok and result.broken_seq is None
        assert "checkpoint file line" in result.reason
        with pytest.raises(CommandError, match=r"检查点文件.*有误.*checkpoint file.*is wrong"):
            call_command("verify_audit")

    def test_the_command_refuses_to_append_to_a_damaged_file(self, db, key_file):
        _record(2)
        audit_checkpoint()
        _checkpoint_file().write_text(_checkpoint_file().read_text().replace('"seq":2', '"seq":1'))
        with pytest.raises(CommandError, match="damaged"):
            call_command("audit_checkpoint")

    def test_the_command_on_an_empty_log_writes_nothing(self, db, key_file, capsys):
        call_command("audit_checkpoint")
        assert "nothing to checkpoint" in capsys.readouterr().out
        assert not _checkpoint_file().exists()

    def test_the_first_commit_and_every_nth_entry_write_one_after_commit(self, transactional_db, key_file, settings):
        settings.FUPIN_AUDIT_CHECKPOINT_EVERY = 5
        with transaction.atomic():
            _record(2)
        with transaction.atomic():
            _record(3, start=3)  # 3 since the last checkpoint: not yet
        with transaction.atomic():
            _record(4, start=6)  # 7 since: due
        assert [p.seq for p in checkpoints_read().lines] == [2, 9]
        assert AuditChainHead.objects.get(id=1).checkpoint_seq == 9
        assert audit_verify().ok


class TestLegacyPrefix:
    def _legacy(self, n: int) -> None:
        """Entries as the SHA-256 chain of ADR 0002 wrote them, before the MAC existed."""
        prev_hash = "0" * 64
        for i in range(1, n + 1):
            entry = AuditEntry(seq=i, at=timezone.now(), actor=None, actor_label="system", action="update",
                               object_type="test.old", object_id=str(i), object_label=f"旧{i}", changes={},
                               prev_hash=prev_hash)
            entry.entry_hash = entry_digest(entry)
            assert entry.entry_hash == _plain_sha256(vars(entry), prev_hash)
            entry.save(force_insert=True)
            prev_hash = entry.entry_hash

    def test_old_entries_stay_verifiable_and_the_mac_chain_starts_after_them(self, db, key_file):
        self._legacy(3)
        _record(3, start=4)
        audit_checkpoint()
        result = audit_verify()
        assert result.ok and result.keyed_from == 4 and result.checked == 6
        assert checkpoints_read().lines[0].keyed_from == 4

    def test_the_first_mac_entry_seals_the_legacy_prefix(self, db, key_file):
        self._legacy(3)
        _record(2, start=4)
        _rewrite_with_plain_hashes(edit_seq=2, from_seq=2, to_seq=3)  # the old prefix rebuilt: valid SHA-256
        result = audit_verify()
        assert (result.ok, result.broken_seq) == (False, 4) and "link to the previous entry" in result.reason
        _sql("UPDATE core_auditentry SET prev_hash = %s WHERE seq = 4", [AuditEntry.objects.get(seq=3).entry_hash])
        result = audit_verify()
        assert (result.ok, result.broken_seq) == (False, 4) and "does not match its MAC" in result.reason


class TestRestoreLine:
    def test_a_restore_to_an_earlier_head_supersedes_the_checkpoints_beyond_it(self, db, key_file):
        _record(6)
        audit_checkpoint()  # names entry 6
        _cut_tail(after_seq=4)  # as restoring a backup taken at entry 4 leaves it
        assert audit_verify().broken_seq == 5
        restored = audit_restored()
        assert restored is not None and (restored.kind, restored.seq) == ("restore", 4)
        assert audit_verify().ok
        _record(3, start=5)  # new entries 5, 6, 7: 6 is not the 6 of the old checkpoint, and need not be
        audit_checkpoint()
        result = audit_verify()
        assert result.ok and result.checked == 7, result.reason
