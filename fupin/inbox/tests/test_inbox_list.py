"""The inbox list and its one filter (``unread=1``), which other values leave whole."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from fupin.inbox.models import Message

pytestmark = pytest.mark.django_db


def test_unread_keeps_the_messages_not_yet_read(personas):
    user = personas.officer
    Message.objects.create(user=user, title="未读消息甲")
    Message.objects.create(user=user, title="已读消息乙", read_at=timezone.now())
    Message.objects.create(user=personas.admin, title="他人消息丙")
    client = Client()
    client.force_login(user)
    for query, shown, hidden in (("", {"未读消息甲", "已读消息乙"}, {"他人消息丙"}),
                                 ("?unread=1", {"未读消息甲"}, {"已读消息乙", "他人消息丙"}),
                                 ("?unread=yes", {"未读消息甲", "已读消息乙"}, {"他人消息丙"})):
        body = client.get(f"/inbox/{query}").content.decode()
        assert all(t in body for t in shown) and not any(t in body for t in hidden), query
