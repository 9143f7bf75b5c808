"""Shared assertions for a refused workflow step: the same 409 on pages and in the API (ADR 0017)."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.utils import translation


def assert_page_refuses(client: Client, url: str, data: dict[str, Any], *, code: str, zh: str, en: str) -> None:
    """A posted step answers 409 with ``code`` in the X-Fupin-Error header and the reason on the
    platform's page: in Chinese by default, in English with the English UI."""
    # (the locale middleware activates the request's language in this thread: restore it afterwards)
    with translation.override(translation.get_language()):
        page = client.post(url, data)
        english = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 409, page.status_code
    assert page["X-Fupin-Error"] == code
    text = page.content.decode()
    assert zh in text and "未能办理" in text and en not in text
    assert english.status_code == 409 and english["X-Fupin-Error"] == code
    assert en in english.content.decode() and zh not in english.content.decode()


def assert_api_refuses(client: Client, url: str, body: dict[str, Any], *, code: str, zh: str) -> None:
    """The API answers the same step 409 in its envelope, the code and the bilingual message."""
    answer = client.post(url, body, content_type="application/json")
    assert answer.status_code == 409, answer.content
    assert answer.json()["code"] == code and zh in answer.json()["message"]
