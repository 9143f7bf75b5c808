"""Sending and reading inbox messages."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from fupin.accounts.models import User
from fupin.inbox.models import Message


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


def inbox_mark_all_read(user: User) -> int:
    return Message.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
