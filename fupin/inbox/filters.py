"""The inbox list's filter: ``unread=1`` keeps the messages not yet read."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from fupin.core.filters import FlagFilter
from fupin.inbox.models import Message


class MessageFilter(django_filters.FilterSet):
    unread = FlagFilter(method="filter_unread")

    class Meta:
        model = Message
        fields: list[str] = []

    def filter_unread(self, qs: QuerySet[Message], name: str, value: Any) -> QuerySet[Message]:
        return qs.filter(read_at__isnull=True)
