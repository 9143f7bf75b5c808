"""Sending and reading inbox messages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from fupin.inbox.models import Message


def inbox_send(users: Iterable[Any], title: str, body: str = "", link: str = "") -> int:
    """One message to each distinct user (users or user ids); returns how many were sent."""
    ids = sorted({u if isinstance(u, int) else u.pk for u in users})
    now = timezone.now()
    Message.objects.bulk_create([Message(user_id=uid, title=title[:200], body=body, link=link[:300], created_at=now)
                                 for uid in ids], batch_size=2000)
    return len(ids)


def inbox_send_many(messages: Iterable[tuple[int, str, str, str]]) -> int:
    """Many messages at once: (user id, title, body, link) each."""
    now = timezone.now()
    rows = [Message(user_id=uid, title=title[:200], body=body, link=link[:300], created_at=now)
            for uid, title, body, link in messages]
    Message.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def message_mark_read(message: Message) -> Message:
    if message.read_at is None:
        Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=timezone.now())
        message.refresh_from_db()
    return message


def inbox_mark_all_read(user: Any) -> int:
    return Message.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
