"""Every page needs a signed-in user unless its view says otherwise (fails closed).

The API authenticates itself (tokens or the session) and answers 401 in its own envelope, so it
is left to ninja; ``/public/`` pages are for everyone.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest, HttpResponseBase

OPEN_PREFIXES = ("/api/", "/public/", "/static/", "/i18n/")


class SignInRequiredMiddleware(LoginRequiredMiddleware):
    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
                     ) -> HttpResponseBase | None:
        if request.path.startswith(OPEN_PREFIXES):
            return None
        result: HttpResponseBase | None = super().process_view(request, view_func, view_args, view_kwargs)
        return result
