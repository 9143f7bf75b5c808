from __future__ import annotations

from django.db.models import QuerySet

from fupin.core.actors import Viewer
from fupin.inbox.models import Message


def messages_of(user: Viewer) -> QuerySet[Message]:
    if not user.is_authenticated:
        return Message.objects.none()
    return Message.objects.filter(user_id=user.pk)


def unread_count(user: Viewer) -> int:
    if not user.is_authenticated:
        return 0
    return Message.objects.filter(user_id=user.pk, read_at__isnull=True).count()
