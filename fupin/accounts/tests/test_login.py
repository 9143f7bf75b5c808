"""The sign-in form, with django-axes locking a username (never an IP) after five failures."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from fupin.core.models import AuditEntry
from fupin.core.testing import PASSWORD

LOGIN_URL = "/accounts/login/"
WRONG = "Wrong#Passw0rd!"
T0 = datetime(2025, 6, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def sign_in(client, username: str, password: str):
    return client.post(LOGIN_URL, {"username": username, "password": password})


def fail_times(client, username: str, times: int) -> None:
    for _ in range(times):
        sign_in(client, username, WRONG)


def assert_locked(response) -> None:
    assert response.status_code == 429
    page = response.content.decode()
    assert 'data-testid="locked"' in page
    assert "已锁定" in page
    assert "_auth_user_id" not in response.wsgi_request.session


def assert_signed_in(client, response, user) -> None:
    assert response.status_code == 302
    assert response.url == reverse("site:home")
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.fixture
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def test_it_signs_in_a_persona_with_the_right_password(client, personas):
    response = sign_in(client, "cadre_a1", PASSWORD)
    assert_signed_in(client, response, personas.cadre_a1)
    assert client.get(reverse("site:home")).status_code == 200


def test_it_shows_the_bilingual_error_for_a_wrong_password(client, personas):
    response = sign_in(client, "cadre_a1", WRONG)
    page = response.content.decode()
    assert response.status_code == 200
    assert "用户名或密码错误" in page
    assert "Wrong username or password" in page
    assert "_auth_user_id" not in client.session


def test_it_refuses_the_right_password_after_five_failures(client, personas, frozen):
    fail_times(client, "cadre_a1", 5)
    assert_locked(sign_in(client, "cadre_a1", PASSWORD))


def test_it_still_signs_in_after_four_failures(client, personas, frozen):
    fail_times(client, "cadre_a1", 4)
    assert_signed_in(client, sign_in(client, "cadre_a1", PASSWORD), personas.cadre_a1)


def test_it_locks_only_the_username_not_the_shared_address(client, personas, frozen):
    fail_times(client, "cadre_a1", 5)
    assert_locked(sign_in(client, "cadre_a1", PASSWORD))
    assert_signed_in(client, sign_in(client, "cadre_a2", PASSWORD), personas.cadre_a2)


def test_it_unlocks_the_username_after_the_cool_off(client, personas, frozen):
    fail_times(client, "cadre_a1", 5)
    frozen.shift(timedelta(minutes=31))
    assert_signed_in(client, sign_in(client, "cadre_a1", PASSWORD), personas.cadre_a1)


def test_it_audits_a_successful_sign_in(client, personas):
    sign_in(client, "cadre_a1", PASSWORD)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN)
    assert entry.actor == personas.cadre_a1
    assert entry.object_id == str(personas.cadre_a1.pk)


def test_it_audits_a_failed_sign_in_with_the_username(client, personas):
    sign_in(client, "cadre_a1", WRONG)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.LOGIN_FAILED)
    assert entry.actor is None
    assert entry.object_label == "cadre_a1"
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN).exists()
