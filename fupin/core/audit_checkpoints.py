"""Signed checkpoints of the audit chain's head, kept outside the database (ADR 0021).

The MAC chain stops anyone without the key from rewriting entries, but not from cutting the chain's tail
(deleting the last entries and moving the head row back): what is left is still a valid chain. So the head
is written, from time to time, to a file outside the database: one JSON object a line, appended, never
rewritten, readable by its owner only (0600)::

    {"at": "...", "key": "1", "keyed_from": 1, "kind": "checkpoint", "mac": "<entry_hash of seq>", "seq": 1234,
     "sig": "..."}

``keyed_from`` is the first entry of the MAC chain (entries before it are the plain SHA-256 entries written
before the keyed chain existed; 0: none keyed yet), recorded here so that nobody can pass keyed entries off
as older unkeyed ones. ``sig`` is an HMAC-SM3 of the other fields under the checkpoint key (``fupin.core.keys.AUDIT_CHECKPOINT``)
of master key ``key``: an edited line fails its signature, and a line cannot be forged without the key.
``fupin verify-audit`` then requires every entry a checkpoint names to be there with that MAC.

A restore from a backup (``fupin restore``) legitimately takes the chain back to an earlier head: it appends a
signed ``restore`` line naming the restored head, which supersedes the earlier checkpoints beyond it (their
entries were lost with the restore, and new entries will take their numbers). Only someone holding the key
can write such a line.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from hmac import compare_digest
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, hmac
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from fupin.core import keys

CHECKPOINT_FILE = "audit-checkpoints.jsonl"
CHECKPOINT = "checkpoint"
RESTORE = "restore"
KINDS = (CHECKPOINT, RESTORE)
FIELDS = ("at", "key", "keyed_from", "kind", "mac", "seq", "sig")

UNREADABLE_LINE = "检查点文件第 {line} 行无法读取 / checkpoint file line {line} cannot be read"
BAD_SIGNATURE = "检查点文件第 {line} 行签名不符，已被改动 / checkpoint file line {line}: the signature does not match: edited"
UNKNOWN_KEY = "检查点文件第 {line} 行的签名密钥 {key} 不在密钥文件中 / checkpoint file line {line}: key {key} is not in the key file"


@dataclass(frozen=True)
class Checkpoint:
    kind: str
    seq: int
    mac: str
    keyed_from: int
    at: str
    key: str
    sig: str
    line: int = 0  # its line in the file (1-based; 0: not read from a file)


@dataclass(frozen=True)
class CheckpointFile:
    """A checkpoint file as read: the lines that hold, and the first problem found (a line that cannot be read
    or whose signature does not match), if any."""

    path: Path
    exists: bool
    lines: list[Checkpoint]
    problem: str = ""


def checkpoint_path() -> Path:
    return Path(settings.FUPIN_AUDIT_CHECKPOINT_DIR) / CHECKPOINT_FILE


def hmac_sm3(key: bytes, data: bytes) -> str:
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize().hex()


_DERIVED: dict[tuple[bytes, str], bytes] = {}


def use_key(purpose: str, key_id: str) -> bytes:
    """The key for ``purpose`` from master key ``key_id``, derived once per process (the audit log MACs every
    entry with it)."""
    ring = keys.keyring()
    master = ring.master(key_id)
    key = _DERIVED.get((master, purpose))
    if key is None:
        key = _DERIVED[(master, purpose)] = ring.derive(purpose, key_id)
    return key


def _signature(kind: str, seq: int, mac: str, keyed_from: int, at: str, key_id: str) -> str:
    payload = json.dumps([kind, seq, mac, keyed_from, at, key_id], ensure_ascii=True, separators=(",", ":"))
    return hmac_sm3(use_key(keys.AUDIT_CHECKPOINT, key_id), payload.encode("ascii"))


def checkpoint_append(kind: str, seq: int, mac: str, keyed_from: int, *, path: Path | None = None) -> Checkpoint:
    """Sign ``(kind, seq, mac, keyed_from)`` now with the active key and append it to the checkpoint file (created 0600 in a
    0700 folder). One ``write`` under an exclusive lock, then fsync: concurrent writers never interleave."""
    if kind not in KINDS:
        raise ValueError(kind)
    key_id = keys.keyring().active
    at = timezone.now().astimezone(UTC).isoformat(timespec="microseconds")
    point = Checkpoint(kind, seq, mac, keyed_from, at, key_id, _signature(kind, seq, mac, keyed_from, at, key_id))
    record = {name: getattr(point, name) for name in FIELDS}
    line = (json.dumps(record, sort_keys=True, ensure_ascii=True, separators=(",", ":")) + "\n").encode("ascii")
    target = path or checkpoint_path()
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.fchmod(fd, 0o600)
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    return point


def _parse(text: str, number: int) -> Checkpoint | None:
    try:
        data: Any = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or set(data) != set(FIELDS) or data["kind"] not in KINDS:
        return None
    if not all(isinstance(data[name], int) and not isinstance(data[name], bool) and data[name] >= 0
               for name in ("seq", "keyed_from")):
        return None
    if not all(isinstance(data[name], str) and data[name].isascii() for name in ("at", "key", "mac", "sig")):
        return None
    return Checkpoint(data["kind"], data["seq"], data["mac"], data["keyed_from"], data["at"], data["key"], data["sig"],
                      number)


def _check_line(text: str, number: int) -> tuple[Checkpoint | None, str]:
    point = _parse(text, number)
    if point is None:
        return None, UNREADABLE_LINE.format(line=number)
    try:
        expected = _signature(point.kind, point.seq, point.mac, point.keyed_from, point.at, point.key)
    except ImproperlyConfigured:
        return None, UNKNOWN_KEY.format(line=number, key=point.key)
    if not compare_digest(expected, point.sig):
        return None, BAD_SIGNATURE.format(line=number)
    return point, ""


def checkpoints_read(path: Path | None = None) -> CheckpointFile:
    """Every line of the checkpoint file, its signature checked; stops at the first line that does not hold."""
    target = path or checkpoint_path()
    if not target.exists():
        return CheckpointFile(target, False, [])
    lines: list[Checkpoint] = []
    with target.open("r", encoding="ascii", errors="replace") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            point, problem = _check_line(text, number)
            if point is None:
                return CheckpointFile(target, True, lines, problem)
            lines.append(point)
    return CheckpointFile(target, True, lines)


def effective(lines: Iterable[Checkpoint]) -> list[Checkpoint]:
    """The checkpoints the chain must still satisfy: a restore line supersedes the earlier ones beyond the head
    it restored (their entries went with the restore)."""
    kept: list[Checkpoint] = []
    for point in lines:
        if point.kind == RESTORE:
            kept = [p for p in kept if p.seq <= point.seq]
        kept.append(point)
    return kept


def last_line(path: Path | None = None) -> Checkpoint | None:
    """The last line of the file that holds (None: no file, or none holds)."""
    read = checkpoints_read(path)
    return read.lines[-1] if read.lines else None
