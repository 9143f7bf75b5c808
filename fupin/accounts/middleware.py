"""Every page needs a signed-in user unless its view says otherwise (fails closed), and a session that owes
its second factor gets nothing but the page that settles it.

The API authenticates itself (tokens or the session) and answers 401 in its own envelope, so it
is left to ninja; ``/public/`` pages are for everyone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse

from fupin.accounts import mfa

OPEN_PREFIXES = ("/api/", "/public/", "/static/", "/i18n/")
API_PREFIX = "/api/"
SECOND_FACTOR_OPEN_PREFIXES = ("/public/", "/static/", "/i18n/")


class SignInRequiredMiddleware(LoginRequiredMiddleware):
    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
                     ) -> HttpResponseBase | None:
        if request.path.startswith(OPEN_PREFIXES):
            return None
        result: HttpResponseBase | None = super().process_view(request, view_func, view_args, view_kwargs)
        return result


class SecondFactorMiddleware:
    """A session that still owes its second factor (``fupin.accounts.mfa.pending_step``) reaches only the page
    that settles it (the code page, or the enrolment page) and sign-out; every other page sends it there and
    comes back afterwards. In the API such a session counts as no session (401), while bearer tokens, which
    authenticate themselves, are not affected. Must follow django-otp's ``OTPMiddleware``; without it no
    session is ever verified (fails closed)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        step = mfa.pending_step(getattr(request, "user", None))
        if step is mfa.Step.NONE:
            return self.get_response(request)
        if request.path.startswith(API_PREFIX):
            request.user = AnonymousUser()
            return self.get_response(request)
        target = reverse("accounts:mfa-verify" if step is mfa.Step.VERIFY else "accounts:mfa-enrol")
        if request.path.startswith(SECOND_FACTOR_OPEN_PREFIXES) or request.path in (target, reverse("accounts:logout")):
            return self.get_response(request)
        return redirect_to_login(request.get_full_path(), target)
