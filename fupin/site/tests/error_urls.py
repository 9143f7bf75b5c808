"""A test-only URLconf: the production URLs and error handlers, plus views that fail on purpose (never in
fupin.config.urls). Used with ``@pytest.mark.urls("fupin.site.tests.error_urls")``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path
from ninja import NinjaAPI

from fupin.config.urls import handler400, handler403, handler404, handler500
from fupin.config.urls import urlpatterns as production
from fupin.core.api_errors import install_error_handlers

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

SECRET = "secret-detail-of-the-failure"


class LedgerBroken(RuntimeError):
    """An exception whose name and text must never reach a page."""


@login_not_required
def broken(request: HttpRequest) -> HttpResponse:
    raise LedgerBroken(SECRET)


@login_not_required
def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation(SECRET)


# An API with the production error handlers whose endpoint fails: ninja lets an unexpected exception through
# to Django (DEBUG off), whose handler500 must answer the envelope, not HTML.
failing_api = NinjaAPI(urls_namespace="error-pages-test", auth=None)
install_error_handlers(failing_api)


@failing_api.get("/broken")
def api_broken(request: HttpRequest) -> None:
    raise LedgerBroken(SECRET)


urlpatterns = [
    path("test-only/broken/", broken),
    path("test-only/suspicious/", suspicious),
    path("api/v1/test-only/broken/", broken),
    path("api/v1/test-only/suspicious/", suspicious),
    path("api/v1/test-only/ninja/", failing_api.urls),
    *production,
]
