"""A user whose password someone else chose (a new account, a reset) changes it before anything else.

Every page sends such a user to the password-change page (and back to where they were going afterwards); the
API answers 403 in its envelope to their signed-in session. Signing out, switching the language and the pages
of signing in stay open. A request with a bearer token carries no session and is not concerned: a token is the
user's own, made before the reset.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from fupin.accounts import mfa

CHANGE_URL_NAME = "accounts:password-change"
# The pages a user who must change the password may still open (URL names; more are added by the second factor's
# sign-in steps when they must come first).
EXEMPT_URL_NAMES = frozenset({CHANGE_URL_NAME, "accounts:login", "accounts:logout", "set_language",
                              "accounts:mfa-recovery-codes"})  # the recovery codes are shown once, right after enrolment
CHANGE_FIRST = "请先修改密码 / change your password first"


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
                     ) -> HttpResponseBase | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not getattr(user, "must_change_password", False):
            return None
        if mfa.pending_step(user) is not mfa.Step.NONE:
            return None  # the second factor comes first (SecondFactorMiddleware); then the new password
        match = request.resolver_match
        if match is not None and match.view_name in EXEMPT_URL_NAMES:
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"message": CHANGE_FIRST, "code": "PASSWORD_CHANGE_REQUIRED", "fields": {}},
                                status=403, json_dumps_params={"ensure_ascii": False})
        target = reverse(CHANGE_URL_NAME)
        if request.method == "GET" and request.path != "/":
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)
