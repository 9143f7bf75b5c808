"""Security headers on every page, and CSRF enforcement on forms."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse


@pytest.fixture
def home(client, personas):
    client.force_login(personas.cadre_a1)
    response = client.get(reverse("site:home"))
    assert response.status_code == 200
    return response


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


def test_it_sends_a_self_only_content_security_policy(home):
    directives = csp_directives(home)
    assert directives["default-src"] == ["'self'"]
    sources = [source for values in directives.values() for source in values]
    assert not [s for s in sources if "://" in s or s.startswith("*") or "." in s.strip("'")]


def test_it_puts_the_page_nonce_in_the_script_policy(home):
    nonces = [s for s in csp_directives(home)["script-src"] if s.startswith("'nonce-")]
    assert len(nonces) == 1
    nonce = nonces[0][len("'nonce-"):-1]
    assert re.search(rf'<script[^>]* nonce="{re.escape(nonce)}"', home.content.decode())


@pytest.mark.parametrize(("header", "value"), [
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
])
def test_it_sends_the_hardening_header(home, header, value):
    assert home.headers[header] == value


def csrf_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_it_refuses_a_post_without_a_csrf_token(personas):
    client = csrf_client(personas.cadre_a1)
    response = client.post(reverse("accounts:token-create"), {"name": "报表系统", "days": 30})
    assert response.status_code == 403
    assert not personas.cadre_a1.api_tokens.exists()


def test_it_accepts_the_same_post_with_the_csrf_token(personas):
    client = csrf_client(personas.cadre_a1)
    client.get(reverse("accounts:profile"))
    token = client.cookies["csrftoken"].value
    response = client.post(reverse("accounts:token-create"),
                           {"name": "报表系统", "days": 30, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert personas.cadre_a1.api_tokens.count() == 1
