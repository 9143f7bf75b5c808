"""The unread count shown beside 站内消息 in the top bar.

Lazy: counted only when a template shows it (once per render), so pages that render sections
with their own request context (the household file) pay nothing for it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from fupin.inbox.selectors import unread_count


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": SimpleLazyObject(lambda: unread_count(user))}
