"""The append-only audit log, chained with a keyed MAC and checkpointed outside the database (ADR 0002, 0021).

Every service that writes calls :func:`audit_record` inside its transaction; reads and exports of
personal data call it too. Each entry's ``entry_hash`` is an HMAC-SM3 of its own canonical content and the
previous entry's MAC, under the audit MAC key of the master key it names (``key_id``; fupin.core.keys, kept
outside the database), so a row edited, inserted or deleted directly in SQL breaks the chain from that row
on, and nobody without the key can recompute the chain: :func:`audit_verify` names the first broken entry.
Entries written before the MAC existed keep their plain SHA-256 and are verified as a prefix: the first MAC
entry seals their last hash, and the signed checkpoints record where the MAC chain begins.

Cutting the tail leaves a valid shorter chain, so the head is also written, signed, to a file outside the
database (:mod:`fupin.core.audit_checkpoints`) by ``fupin audit-checkpoint`` (cron), after the first commit,
and after a commit that brought ``FUPIN_AUDIT_CHECKPOINT_EVERY`` entries since the last one; :func:`audit_verify` requires every
entry a checkpoint names to be there, with that MAC.

Appends are serialised by locking the single ``AuditChainHead`` row (``SELECT ... FOR UPDATE`` on
PostgreSQL; SQLite serialises writers itself), so ``seq`` has no gaps even under concurrency. The
tail is read from the entries themselves (by the unique ``seq`` index); the head row is written once
per transaction, after commit, so a transaction appending thousands of entries does not update one row
thousands of times (on PostgreSQL every update of a row inside one transaction leaves a version the next
lock must walk past: quadratic).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from hmac import compare_digest
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from fupin.core import keys
from fupin.core.audit_checkpoints import (
    CHECKPOINT,
    RESTORE,
    Checkpoint,
    CheckpointFile,
    checkpoint_append,
    checkpoints_read,
    effective,
    hmac_sm3,
    use_key,
)
from fupin.core.errors import DomainError
from fupin.core.models import AuditChainHead, AuditEntry

if TYPE_CHECKING:
    from fupin.accounts.models import User  # a type only: accounts is on a floor above

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
Action = AuditEntry.Action


def _normalise(value: Mapping[str, Any]) -> dict[str, Any]:
    """Dates, decimals and UUIDs become strings, exactly as they will be read back."""
    result: dict[str, Any] = json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))
    return result


def _canonical(entry: AuditEntry) -> bytes:
    """The content an entry's hash or MAC covers. An entry of the MAC chain also covers its area (which decides
    who may read it) and its key id; a legacy entry covers exactly what it covered when it was written."""
    content: list[Any] = [
        entry.seq, entry.at.astimezone(UTC).isoformat(), entry.actor_id, entry.actor_label, entry.action,
        entry.object_type, entry.object_id, entry.object_label, entry.changes, entry.prev_hash,
    ]
    if entry.key_id:
        content += [entry.area_path, entry.key_id]
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def entry_digest(entry: AuditEntry) -> str:
    """The MAC of an entry of the keyed chain (HMAC-SM3 under its key), or the SHA-256 of a legacy entry."""
    if entry.key_id:
        return hmac_sm3(use_key(keys.AUDIT_MAC, entry.key_id), _canonical(entry))
    return hashlib.sha256(_canonical(entry)).hexdigest()


def object_type_of(obj: models.Model) -> str:
    return obj._meta.label_lower


def area_path_of(obj: models.Model) -> str:
    """The path of the area ``obj`` lives in, following its model's ``area_scope`` lookup (the one its scoped
    queryset filters on; "" for an area itself); "" when the model has none or a link is empty."""
    lookup = getattr(type(obj), "area_scope", None)
    if not isinstance(lookup, str):  # no area (a user's ``area_scope`` is what they see, not where they are)
        return ""
    target: Any = obj
    for part in filter(None, lookup.split("__")):
        target = getattr(target, part, None)
        if target is None:
            return ""
    return str(getattr(target, "path", "") or "")


@transaction.atomic
def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_label: str = "",
    changes: Mapping[str, Any] | None = None,
    area_path: str = "",
) -> AuditEntry:
    """Append one entry. ``actor`` is a user, or None for the system (commands, jobs). The entry's area is
    ``area_path``, or else the area ``obj`` lives in (by its model's ``area_scope``)."""
    if obj is not None:
        object_type = object_type or object_type_of(obj)
        object_id = object_id or str(obj.pk)
        object_label = object_label or str(obj)[:200]
        area_path = area_path or area_path_of(obj)
    _lock_head()
    tail = AuditEntry.objects.order_by("-seq").values_list("seq", "entry_hash").first()
    tail_seq, tail_hash = tail if tail is not None else (0, GENESIS_HASH)
    user = actor if getattr(actor, "is_authenticated", False) else None
    entry = AuditEntry(
        seq=tail_seq + 1,
        at=timezone.now(),
        actor=user,
        actor_label=user.get_username() if user is not None else "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=object_label,
        changes=_normalise(changes or {}),
        prev_hash=tail_hash,
        area_path=area_path,
        key_id=keys.keyring().active,
    )
    entry.entry_hash = entry_digest(entry)
    entry.save(force_insert=True)
    _schedule_checkpoint()
    return entry


def _lock_head() -> None:
    if not AuditChainHead.objects.select_for_update().filter(id=1).exists():
        AuditChainHead.objects.get_or_create(id=1)
        AuditChainHead.objects.select_for_update().get(id=1)


def _schedule_checkpoint() -> None:
    """Register the checkpoint once per transaction (Django drops it if its savepoint rolls back,
    and a later append registers it again)."""
    from django.db import connection

    if not any(item[1] is _checkpoint for item in connection.run_on_commit):
        transaction.on_commit(_checkpoint)


def _tail() -> tuple[int, str] | None:
    tail = AuditEntry.objects.order_by("-seq").values_list("seq", "entry_hash").first()
    return (int(tail[0]), str(tail[1])) if tail is not None else None


def _checkpoint() -> None:
    """After commit: move the head to the committed tail, and sign a checkpoint outside the database when none
    was written yet or ``FUPIN_AUDIT_CHECKPOINT_EVERY`` entries came since the last one (one process wins the
    conditional update).
    The commit is done: a checkpoint that cannot be written is logged, and the next one covers it."""
    tail = _tail()
    if tail is None:
        return
    seq, mac = tail
    AuditChainHead.objects.filter(id=1, seq__lt=seq).update(seq=seq, entry_hash=mac)
    every = int(settings.FUPIN_AUDIT_CHECKPOINT_EVERY)
    if every <= 0:
        return
    due = models.Q(checkpoint_seq=0) | models.Q(checkpoint_seq__lte=seq - every)
    if AuditChainHead.objects.filter(due, id=1).update(checkpoint_seq=seq):
        try:
            checkpoint_append(CHECKPOINT, seq, mac, keyed_from(seq))
        except (OSError, ImproperlyConfigured):
            logger.exception("audit checkpoint not written")


def _is_keyed(seq: int) -> bool:
    return bool(AuditEntry.objects.filter(seq=seq).values_list("key_id", flat=True).first())


def keyed_from(tail_seq: int) -> int:
    """The first entry of the MAC chain (0: none yet). Keyed entries form a suffix of the chain (verification
    holds it), so a binary search over ``seq`` finds it in a few indexed look-ups."""
    if tail_seq <= 0 or not _is_keyed(tail_seq):
        return 0
    low, high = 1, tail_seq
    while low < high:
        middle = (low + high) // 2
        if _is_keyed(middle):
            high = middle
        else:
            low = middle + 1
    return low


NOTHING_TO_CHECKPOINT = "审计日志为空，无需检查点 / the audit log is empty: nothing to checkpoint"
CHECKPOINT_FILE_DAMAGED = ("检查点文件有误，未写入：{problem}；请运行 fupin verify-audit / the checkpoint file is damaged, "
                           "nothing written: {problem}; run fupin verify-audit")


@dataclass(frozen=True)
class CheckpointOutcome:
    point: Checkpoint
    written: bool  # False: the last checkpoint already named this head


def audit_checkpoint(*, path: Path | None = None, kind: str = CHECKPOINT) -> CheckpointOutcome:
    """Sign the chain's committed head and append it to the checkpoint file (``fupin audit-checkpoint``; a
    ``restore`` line after ``fupin restore``). A plain checkpoint naming the head the last line names already is
    not written again. Refuses (DomainError) on an empty log or a damaged file."""
    tail = _tail()
    if tail is None:
        raise DomainError(NOTHING_TO_CHECKPOINT, code="AUDIT_EMPTY")
    read = checkpoints_read(path)
    if read.problem:
        raise DomainError(CHECKPOINT_FILE_DAMAGED.format(problem=read.problem), code="CHECKPOINT_FILE_DAMAGED")
    last = read.lines[-1] if read.lines else None
    if kind == CHECKPOINT and last is not None and (last.seq, last.mac) == tail:
        return CheckpointOutcome(last, written=False)
    point = checkpoint_append(kind, tail[0], tail[1], keyed_from(tail[0]), path=path)
    AuditChainHead.objects.filter(id=1, checkpoint_seq__lt=tail[0]).update(checkpoint_seq=tail[0])
    return CheckpointOutcome(point, written=True)


def audit_restored(*, path: Path | None = None) -> Checkpoint | None:
    """After a restore: a signed ``restore`` line naming the restored head (None: the restored log is empty)."""
    if _tail() is None:
        return None
    return audit_checkpoint(path=path, kind=RESTORE).point


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The stored values of a model instance, by attribute name, ready for a diff."""
    names = list(fields) if fields is not None else [
        f.attname for f in obj._meta.concrete_fields if not f.primary_key
    ]
    return _normalise({name: getattr(obj, name) for name in names})


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field whose value changed."""
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after))
            if before.get(k) != after.get(k)}


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None  # None with ``ok`` False: the checkpoint file itself is wrong
    reason: str = ""
    keyed_from: int = 0  # the first entry of the MAC chain (0: none)
    checkpoints: int = 0  # signed checkpoints the chain was held against
    checkpoint_file: str = ""
    has_checkpoint_file: bool = False


MISSING = "第 {seq} 条记录缺失 / entry {seq} is missing"
RELINKED = "与前一条记录的链接断开 / link to the previous entry is broken"
MAC_MISMATCH = "记录内容与其 MAC 不符，已被篡改 / content does not match its MAC: tampered"
HASH_MISMATCH = "记录内容与哈希不符，已被篡改 / content does not match its hash: tampered"
NO_MAC = ("该记录没有 MAC，而签名检查点记载 MAC 链自第 {first} 条起 / the entry has no MAC, yet the signed "
          "checkpoints record the MAC chain from entry {first}: forged")
NO_MAC_AFTER_MAC = ("该记录没有 MAC，而其前面的第 {first} 条已有 / the entry has no MAC although entry {first} before it "
                    "has one: forged")
UNKNOWN_MAC_KEY = ("该记录的 MAC 密钥 {key} 不在密钥文件中 / the entry's MAC key {key} is not in the key file (a wrong "
                   "key file, or a forged key id)")
TAIL_REMOVED = "链尾记录被删除 / entries after the last one were removed"
HEAD_MISMATCH = "记录与链头检查点不符 / entry does not match the head checkpoint"
CHECKPOINT_MISSING = ("第 {first} 至 {seq} 条记录缺失：{at} 的签名检查点记有第 {seq} 条，链尾被截去 / entries {first} to "
                      "{seq} are missing: the signed checkpoint of {at} names entry {seq}; the tail was cut")
CHECKPOINT_MISMATCH = ("记录与 {at} 的签名检查点不符 / the entry does not match the signed checkpoint of {at}: the chain "
                       "was rewritten")


def _same(a: str, b: str) -> bool:
    """Constant-time equality of two hex digests; anything a row may hold compares (as bytes), never raises."""
    return compare_digest(a.encode("utf-8"), b.encode("utf-8"))


class _Walk:
    """The state of a walk along the chain, entry after entry."""

    def __init__(self, required_from: int) -> None:
        self.prev_hash = GENESIS_HASH
        self.expected = 1
        self.checked = 0
        self.keyed_from = 0
        self.required_from = required_from  # from the signed checkpoints: entries from here on carry a MAC

    def problem(self, entry: AuditEntry) -> tuple[int, str] | None:
        """The first broken entry and why (``entry`` itself, or the one missing before it), or None."""
        if entry.seq != self.expected:
            return self.expected, MISSING.format(seq=self.expected)
        reason = self._content_problem(entry)
        return (entry.seq, reason) if reason else None

    def _content_problem(self, entry: AuditEntry) -> str:
        if entry.prev_hash != self.prev_hash:
            return RELINKED
        if not entry.key_id:
            if self.keyed_from:
                return NO_MAC_AFTER_MAC.format(first=self.keyed_from)
            if self.required_from and entry.seq >= self.required_from:
                return NO_MAC.format(first=self.required_from)
            return "" if _same(entry_digest(entry), entry.entry_hash) else HASH_MISMATCH
        try:
            digest = entry_digest(entry)
        except ImproperlyConfigured:
            return UNKNOWN_MAC_KEY.format(key=entry.key_id)
        self.keyed_from = self.keyed_from or entry.seq
        return "" if _same(digest, entry.entry_hash) else MAC_MISMATCH

    def advance(self, entry: AuditEntry) -> None:
        self.prev_hash = entry.entry_hash
        self.expected += 1
        self.checked += 1


def _walk(walk: _Walk, batch_size: int, progress: Callable[[int], None] | None) -> tuple[int, str] | None:
    """Walk the whole chain in order; the first broken entry and why, or None."""
    while True:
        batch = list(AuditEntry.objects.filter(seq__gte=walk.expected).order_by("seq")[:batch_size])
        if not batch:
            return None
        for entry in batch:
            problem = walk.problem(entry)
            if problem is not None:
                return problem
            walk.advance(entry)
        if progress is not None:
            progress(walk.checked)


def _head_problem(checked: int) -> tuple[int, str] | None:
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and head.seq > checked:
        return checked + 1, TAIL_REMOVED
    if head is not None and head.seq > 0:
        at_head = AuditEntry.objects.filter(seq=head.seq).values_list("entry_hash", flat=True).first()
        if at_head != head.entry_hash:
            return head.seq, HEAD_MISMATCH
    return None


def _local(at: str) -> str:
    try:
        return timezone.localtime(datetime.fromisoformat(at)).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return at


def _checkpoint_problem(points: list[Checkpoint], checked: int) -> tuple[int, str] | None:
    """The first entry a signed checkpoint names that is missing or different. The chain holds entries
    1..``checked`` without a gap (the walk checked it), so an entry beyond is missing."""
    named = sorted({p.seq for p in points if 0 < p.seq <= checked})
    macs: dict[int, str] = {}
    for start in range(0, len(named), 500):
        macs.update(AuditEntry.objects.filter(seq__in=named[start:start + 500]).values_list("seq", "entry_hash"))
    problems: list[tuple[int, str]] = []
    for point in points:
        if point.seq > checked:
            problems.append((checked + 1, CHECKPOINT_MISSING.format(first=checked + 1, seq=point.seq,
                                                                    at=_local(point.at))))
        elif point.seq and not _same(macs.get(point.seq, ""), point.mac):
            problems.append((point.seq, CHECKPOINT_MISMATCH.format(at=_local(point.at))))
    return min(problems, default=None)


def audit_verify(*, batch_size: int = 5000, progress: Callable[[int], None] | None = None,
                 checkpoints: Path | None = None) -> VerifyResult:
    """Walk the chain in order and hold it against the signed checkpoints (``checkpoints``: a checkpoint file,
    by default this installation's; a copy kept on another host works too). The result names the first entry
    whose MAC, hash, link or presence does not hold, or says that the checkpoint file itself was altered."""
    keys.keyring()  # no key file is a configuration error, not a broken chain
    read: CheckpointFile = checkpoints_read(checkpoints)
    points = effective(read.lines)
    required_from = next((p.keyed_from for p in reversed(points) if p.keyed_from), 0)
    walk = _Walk(required_from)
    found = _walk(walk, batch_size, progress)

    def result(broken: tuple[int, str] | None = None, *, problem: str = "") -> VerifyResult:
        seq, reason = broken if broken is not None else (None, problem)
        return VerifyResult(broken is None and not problem, walk.checked, seq, reason, walk.keyed_from,
                            len(points), str(read.path), read.exists)

    if found is not None:
        return result(found)
    if read.problem:
        return result(problem=read.problem)
    return result(_head_problem(walk.checked) or _checkpoint_problem(points, walk.checked))
