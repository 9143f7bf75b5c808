"""API tokens: created once, stored hashed, refused when wrong, revoked or expired, scoped like the user."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from fupin.accounts.models import ApiToken, hash_token
from fupin.accounts.services import api_token_create
from fupin.core.models import AuditEntry

ME = "/api/v1/accounts/me"
RAW_TOKEN = re.compile(r'data-testid="new-token">(fp_[A-Za-z0-9_-]+)<')


def bearer_get(raw: str, path: str = ME):
    """A fresh client with no session, so only the token can authenticate."""
    return Client().get(path, headers={"Authorization": f"Bearer {raw}"})


def assert_unauthenticated(response) -> None:
    assert response.status_code == 401
    assert response.json() == {"message": response.json()["message"], "code": "UNAUTHENTICATED", "fields": {}}


@pytest.fixture
def token(personas):
    return api_token_create(user=personas.cadre_a1, name="报表系统", days=30)


def test_it_authenticates_a_service_created_token_as_its_user(personas, token):
    response = bearer_get(token[1])
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == "cadre_a1"
    assert [(a["role"], a["area_code"]) for a in body["assignments"]] == [("village_cadre", "411103101201")]


def test_it_creates_a_token_from_the_profile_page_and_shows_it_once(client, personas):
    client.force_login(personas.cadre_a1)
    response = client.post(reverse("accounts:token-create"), {"name": "统计接口", "days": 90})
    assert response.status_code == 302
    page = client.get(reverse("accounts:profile")).content.decode()
    match = RAW_TOKEN.search(page)
    assert match is not None
    raw = match.group(1)
    assert bearer_get(raw).json()["username"] == "cadre_a1"
    assert not RAW_TOKEN.search(client.get(reverse("accounts:profile")).content.decode())


def test_it_refuses_a_wrong_token(token):
    assert_unauthenticated(bearer_get(token[1] + "x"))
    assert_unauthenticated(bearer_get("fp_not-a-token"))


def test_it_refuses_a_revoked_token(client, personas, token):
    client.force_login(personas.cadre_a1)
    response = client.post(reverse("accounts:token-revoke", args=[token[0].pk]))
    assert response.status_code == 302
    assert ApiToken.objects.get(pk=token[0].pk).revoked_at is not None
    assert_unauthenticated(bearer_get(token[1]))


def test_it_does_not_let_another_user_revoke_a_token(client, personas, token):
    client.force_login(personas.cadre_b1)
    assert client.post(reverse("accounts:token-revoke", args=[token[0].pk])).status_code == 404
    assert bearer_get(token[1]).status_code == 200


def test_it_refuses_an_expired_token(token):
    with time_machine.travel(token[0].expires_at - timedelta(minutes=1)):
        assert bearer_get(token[1]).status_code == 200
    with time_machine.travel(token[0].expires_at + timedelta(minutes=1)):
        assert_unauthenticated(bearer_get(token[1]))


def test_it_stores_only_the_hash_of_the_token(token):
    row, raw = token
    values = ApiToken.objects.filter(pk=row.pk).values().get()
    assert values["key_hash"] == hash_token(raw)
    assert not [name for name, value in values.items() if raw in str(value)]
    audit = AuditEntry.objects.filter(object_type="accounts.apitoken").values_list("changes", "object_label")
    assert audit and not [entry for entry in audit if raw in str(entry)]


def test_it_scopes_a_token_user_like_the_user(households, token):
    own = bearer_get(token[1], f"/api/v1/registry/households/{households['a1'].pk}")
    assert own.status_code == 200
    other = bearer_get(token[1], f"/api/v1/registry/households/{households['b1'].pk}")
    assert other.status_code == 404
    assert other.json()["code"] == "NOT_FOUND"
    assert set(other.json()) == {"message", "code", "fields"}
