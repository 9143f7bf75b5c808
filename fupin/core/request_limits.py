"""Request bodies refused from their Content-Length, before anything reads them (issue 15, ADR 0019).

Django reads a request's body the first time something touches ``request.POST`` or ``request.FILES`` (the
CSRF check does, before the view runs), and streams file parts to disk whatever their size: only the
fields that are not files are bounded (``DATA_UPLOAD_MAX_MEMORY_SIZE``). A page that takes a form or
files states its limit with :func:`body_limit`; a request whose Content-Length is over it is answered 413
with a message in the viewer's language, and its body is never read. Without a Content-Length Django reads
no body at all, so there is nothing to bound.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from fupin.core.errors import DomainError

View = Callable[..., HttpResponseBase]
TOO_LARGE = ("提交的内容共 {size} MB，超过上限 {limit} MB，未作任何处理 / the request is {size} MB, more than the limit "
             "of {limit} MB; nothing was done")
REFUSAL_CODE = "BODY_TOO_LARGE"


def content_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def too_large_message(size: int, limit: int) -> str:
    return TOO_LARGE.format(size=f"{size / 1048576:.1f}", limit=f"{limit / 1048576:.1f}")


def public_form_limit() -> int:
    """A public form without files (an objection to a notice, a tracking-code look-up)."""
    return int(settings.FUPIN_PUBLIC_FORM_MAX_BYTES)


def upload_form_limit(files_bytes: int) -> int:
    """A form that carries files of at most ``files_bytes`` together, with its other fields and boundaries."""
    return files_bytes + int(settings.FUPIN_FORM_OVERHEAD_BYTES)


def _refused(request: HttpRequest, size: int, limit: int) -> HttpResponse:
    message = DomainError(too_large_message(size, limit)).message_in(get_language() or settings.LANGUAGE_CODE)
    response = render(request, "core/refused.html", {"message": message, "back": ""}, status=413)
    response["X-Fupin-Error"] = REFUSAL_CODE
    return response


def body_limit(limit: Callable[[], int], *,
               refuse: Callable[[HttpRequest, int, int], HttpResponse] | None = None) -> Callable[[View], View]:
    """Refuse a POST, PUT or PATCH whose Content-Length is over ``limit()`` bytes (a setting, read per request)
    with ``refuse(request, size, limit)`` (413 on the platform's refusal page by default), before the body is
    read. The view keeps its CSRF protection: the check runs first, the token is checked after it."""

    def decorator(view: View) -> View:
        protected = csrf_protect(view)

        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            size, allowed = content_length(request), limit()
            if request.method in ("POST", "PUT", "PATCH") and size > allowed:
                return (refuse or _refused)(request, size, allowed)
            return protected(request, *args, **kwargs)

        # Exempt only from the middleware's check, which would read the body before the size is known.
        return csrf_exempt(checked)

    return decorator
