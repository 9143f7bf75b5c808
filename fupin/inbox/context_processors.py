"""The unread count shown beside 站内消息 in the top bar."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from fupin.inbox.selectors import unread_count


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": unread_count(user)}
