"""The platform's middleware: the idle session timeout, the API's 405 envelope, refused steps on pages.

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
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language

from fupin.core.api_errors import API_PREFIX, envelope_response
from fupin.core.errors import ConcurrentChange, FileMissing, TransitionRefused

LAST_SEEN_KEY = "fupin_last_seen"
POLL_HEADER = "X-Fupin-Poll"
REFUSAL_HEADER = "X-Fupin-Error"


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


METHOD_NOT_ALLOWED = "此地址不支持该请求方法 / this address does not accept that method"


class ApiMethodNotAllowedMiddleware:
    """django-ninja answers a wrong method with a bare 405 before any exception handler runs; under /api/ the
    answer gets the API's error envelope, keeping the ``Allow`` header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or not request.path.startswith(API_PREFIX) \
                or response.get("Content-Type", "").startswith("application/json"):
            return response
        enveloped = envelope_response(405, "METHOD_NOT_ALLOWED", METHOD_NOT_ALLOWED)
        if response.has_header("Allow"):
            enveloped["Allow"] = response["Allow"]
        return enveloped


class RefusalMiddleware:
    """A step the workflow refuses (wrong state, a rule of the step, someone else's change) answers
    on pages as in the API: HTTP 409, the error code in the ``X-Fupin-Error`` header, and the
    platform's own page with the reason in the viewer's language and a way back. Views let
    ``TransitionRefused`` and ``ConcurrentChange`` pass; the API maps them in its own handlers. A stored file
    that is gone (``FileMissing``) answers the same page with 404."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, (TransitionRefused, ConcurrentChange, FileMissing)) \
                or request.path.startswith(API_PREFIX):
            return None
        back = request.META.get("HTTP_REFERER", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = ""
        response = render(request, "core/refused.html", {
            "message": exception.message_in(get_language() or settings.LANGUAGE_CODE), "back": back,
            "concurrent": isinstance(exception, ConcurrentChange), "missing": isinstance(exception, FileMissing)},
            status=exception.status)
        response[REFUSAL_HEADER] = exception.code
        return response
