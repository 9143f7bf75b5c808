"""The platform's own error pages: 400, 403, 404 and 500.

``fupin.config.urls`` names these as Django's ``handler400`` … ``handler500``. A page gets the templates beside
``base.html`` (``400.html`` …), in the viewer's language, with a way back to the home page and never the
exception's text: a ``PermissionDenied`` carries a capability's name, an ``Http404`` a model's. Under
``/api/`` the same errors answer the API's JSON envelope instead (a URL no endpoint has, an exception ninja
lets through), so an API client never gets an HTML page.

A failed CSRF check needs no view of ours: Django's ``CSRF_FAILURE_VIEW`` draws ``403_csrf.html`` with the
request, and the API's session authentication (ninja) answers its own envelope before that page is used.

The 4xx pages are deterministic for one viewer and language (no CSRF token, no script nonce, no echo of
the path): a record outside the user's area must answer byte for byte what a missing one answers. The 500
page must render when anything else is broken, so it uses no context processor, no database, no session,
no URL reversing and no static-files manifest (``500.html``); the language comes from the request itself
(cookie or ``Accept-Language``), in case the failure came before ``LocaleMiddleware`` chose it.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views import defaults

from fupin.core.api_errors import API_PREFIX, BAD_REQUEST, FORBIDDEN, NOT_FOUND, SERVER_ERROR, envelope_response


def _api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _api(request):
        return envelope_response(400, "BAD_REQUEST", BAD_REQUEST)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _api(request):
        return envelope_response(403, "FORBIDDEN", FORBIDDEN)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _api(request):
        return envelope_response(404, "NOT_FOUND", NOT_FOUND)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _api(request):
        return envelope_response(500, "SERVER_ERROR", SERVER_ERROR)
    with translation.override(translation.get_language_from_request(request)):
        return defaults.server_error(request)

