from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from fupin.inbox.models import Message


def messages_of(user: Any) -> QuerySet[Message]:
    return Message.objects.filter(user_id=user.pk)


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Message.objects.filter(user_id=user.pk, read_at__isnull=True).count()
