"""The append-only, hash-chained audit log.

Every service that writes calls :func:`audit_record` inside its transaction; reads and exports of
personal data call it too. Each entry's hash covers its own canonical content and the previous
entry's hash, so a row edited or deleted directly in SQL breaks the chain from that row on, and
:func:`audit_verify` names the first broken entry.

Appends are serialised by locking the single ``AuditChainHead`` row (``SELECT ... FOR UPDATE`` on
PostgreSQL; SQLite serialises writers itself), so ``seq`` has no gaps even under concurrency. The
tail is read from the entries themselves (by the unique ``seq`` index); the head row is a
checkpoint written once per transaction, after commit, so a transaction appending thousands of
entries does not update one row thousands of times (on PostgreSQL every update of a row inside
one transaction leaves a version the next lock must walk past: quadratic). Deleting entries after
the checkpoint is detected because the checkpoint then points past the end of the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from fupin.core.models import AuditChainHead, AuditEntry

if TYPE_CHECKING:
    from fupin.accounts.models import User  # a type only: accounts is on a floor above

GENESIS_HASH = "0" * 64
Action = AuditEntry.Action


def _normalise(value: Mapping[str, Any]) -> dict[str, Any]:
    """Dates, decimals and UUIDs become strings, exactly as they will be read back."""
    result: dict[str, Any] = json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))
    return result


def _digest(
    *, seq: int, at: datetime, actor_id: int | None, actor_label: str, action: str, object_type: str,
    object_id: str, object_label: str, changes: Mapping[str, Any], prev_hash: str,
) -> str:
    canonical = json.dumps(
        [seq, at.astimezone(UTC).isoformat(), actor_id, actor_label, action, object_type,
         object_id, object_label, changes, prev_hash],
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def entry_digest(entry: AuditEntry) -> str:
    return _digest(
        seq=entry.seq, at=entry.at, actor_id=entry.actor_id, actor_label=entry.actor_label,
        action=entry.action, object_type=entry.object_type, object_id=entry.object_id,
        object_label=entry.object_label, changes=entry.changes, prev_hash=entry.prev_hash,
    )


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


def _checkpoint() -> None:
    """After commit: move the head to the committed tail."""
    tail = AuditEntry.objects.order_by("-seq").values_list("seq", "entry_hash").first()
    if tail is not None:
        AuditChainHead.objects.filter(id=1, seq__lt=tail[0]).update(seq=tail[0], entry_hash=tail[1])


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
    broken_seq: int | None = None
    reason: str = ""


def audit_verify(*, batch_size: int = 5000, progress: Any = None) -> VerifyResult:
    """Walk the chain in order; return the first entry whose hash or link does not hold."""
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    while True:
        batch = list(AuditEntry.objects.filter(seq__gte=expected_seq).order_by("seq")[:batch_size])
        if not batch:
            break
        for entry in batch:
            if entry.seq != expected_seq:
                return VerifyResult(False, checked, expected_seq,
                                    f"第 {expected_seq} 条记录缺失 / entry {expected_seq} is missing")
            if entry.prev_hash != prev_hash:
                return VerifyResult(False, checked, entry.seq,
                                    "与前一条记录的链接断开 / link to the previous entry is broken")
            if entry_digest(entry) != entry.entry_hash:
                return VerifyResult(False, checked, entry.seq,
                                    "记录内容与哈希不符，已被篡改 / content does not match its hash: tampered")
            prev_hash = entry.entry_hash
            expected_seq += 1
            checked += 1
        if progress is not None:
            progress(checked)
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and head.seq > checked:
        return VerifyResult(False, checked, checked + 1,
                            "链尾记录被删除 / entries after the last one were removed")
    if head is not None and head.seq > 0:
        at_head = AuditEntry.objects.filter(seq=head.seq).values_list("entry_hash", flat=True).first()
        if at_head != head.entry_hash:
            return VerifyResult(False, checked, head.seq,
                                "记录与链头检查点不符 / entry does not match the head checkpoint")
    return VerifyResult(True, checked)
