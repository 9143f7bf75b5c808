"""Forms refuse an oversized body from its Content-Length, before anything reads it (issue 15, item 7).

The body of each refused request is a stream that fails the test if it is read: the proof that the refusal
comes before Django (or the CSRF check) reads the body, which it would otherwise stream to disk whatever its
size. Public forms first (hotline, tracking, objections to a notice), then every page that takes an upload.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from fupin.core.models import JobRun
from fupin.hotline.models import Ticket
from fupin.notices.models import Objection

pytestmark = pytest.mark.engine_independent


class Unreadable:
    """A request body that must not be read."""

    def read(self, *args: object) -> bytes:
        raise AssertionError("the request body was read")

    readline = read


def oversized(client: Client, url: str, size: int, **headers: str):
    environ: dict[str, Any] = {"CONTENT_LENGTH": str(size), "wsgi.input": Unreadable(), **headers}
    return client.generic("POST", url, b"", content_type="multipart/form-data; boundary=x", **environ)


def hotline_limit(settings) -> int:
    return int(settings.FUPIN_HOTLINE_MAX_FILES * settings.FUPIN_HOTLINE_MAX_BYTES
               + settings.FUPIN_FORM_OVERHEAD_BYTES)


@pytest.mark.parametrize(("url", "limit"), [
    ("/public/hotline/", hotline_limit),
    ("/public/hotline/track/", lambda settings: settings.FUPIN_PUBLIC_FORM_MAX_BYTES),
    ("/public/notices/1/objection/", lambda settings: settings.FUPIN_PUBLIC_FORM_MAX_BYTES),
], ids=["hotline-form", "hotline-track", "objection"])
def test_a_public_form_refuses_a_body_over_its_limit_unread(db, settings, url, limit):
    client = Client()
    before = (Ticket.objects.count(), Objection.objects.count())
    at_limit = limit(settings)
    response = oversized(client, url, at_limit + 1)
    assert response.status_code == 413 and response["X-Fupin-Error"] == "BODY_TOO_LARGE"
    page = response.content.decode()
    assert "超过上限" in page and "未作任何处理" in page and "more than the limit" not in page
    assert (Ticket.objects.count(), Objection.objects.count()) == before


def test_the_limits_are_settings_and_the_default_ones_are_small(db, settings):
    assert settings.FUPIN_PUBLIC_FORM_MAX_BYTES == 64 * 1024
    assert hotline_limit(settings) == 3 * 5 * 1024 * 1024 + 64 * 1024
    settings.FUPIN_PUBLIC_FORM_MAX_BYTES = 10
    assert oversized(Client(), "/public/hotline/track/", 11).status_code == 413


def test_the_refusal_speaks_the_viewer_s_language(db):
    response = oversized(Client(), "/public/hotline/track/", 10 * 1024 * 1024, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 413 and "the request is 10.0 MB, more than the limit of 0.1 MB" in page
    assert "超过上限" not in page


def test_a_body_within_the_limit_reaches_the_form_and_its_csrf_check(db):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/public/hotline/track/", {"code": "X"}).status_code == 403  # no token: refused as before
    assert Client().post("/public/hotline/track/", {"code": "NOPE"}).status_code == 404  # a wrong code, read


@pytest.mark.parametrize(("persona", "url"), [
    ("officer", "/registry/import/"), ("department", "/crosscheck/upload/"), ("department", "/measures/deliveries/"),
])
def test_an_upload_page_refuses_a_body_over_the_upload_limit_unread(client, personas, settings, persona, url):
    settings.REGISTRY_UPLOAD_MAX_BYTES = 1024 * 1024
    client.force_login(getattr(personas, persona))
    response = oversized(client, url, 1024 * 1024 + settings.FUPIN_FORM_OVERHEAD_BYTES + 1)
    assert response.status_code == 413 and "超过上限" in response.content.decode()
    assert not JobRun.objects.exists()
