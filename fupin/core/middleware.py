"""Idle session timeout.

A session unused for ``SESSION_IDLE_SECONDS`` is ended on its next request. Background polling
(progress bars, inbox counters) sends the ``X-Fupin-Poll`` header and does not count as activity,
so an unattended page that polls still times out.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

LAST_SEEN_KEY = "fupin_last_seen"
POLL_HEADER = "X-Fupin-Poll"


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if isinstance(last_seen, int) and now - last_seen > settings.SESSION_IDLE_SECONDS:
                logout(request)
                request.session["fupin_idle_logout"] = True
            elif POLL_HEADER not in request.headers:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)
