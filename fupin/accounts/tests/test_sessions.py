"""Sessions: the idle timeout, polling that does not count as activity, sign-out, anonymous access."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

T0 = datetime(2025, 6, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
HOME = "/"
POLL = {"X-Fupin-Poll": "1"}


@pytest.fixture
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def signed_in(client, personas, frozen):
    client.force_login(personas.cadre_a1)
    assert client.get(HOME).status_code == 200  # t0: sets the last-seen time
    return client


def assert_signed_out_to_login(response, next_path: str) -> None:
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={next_path}"


def test_it_ends_a_session_idle_for_thirty_one_minutes(signed_in, frozen):
    frozen.shift(timedelta(minutes=31))
    response = signed_in.get(HOME)
    assert_signed_out_to_login(response, HOME)
    assert "_auth_user_id" not in signed_in.session
    login_page = signed_in.get(response.url)
    assert login_page.status_code == 200
    assert "长时间未操作" in login_page.content.decode()


def test_it_keeps_a_session_used_within_the_idle_limit(signed_in, frozen):
    frozen.shift(timedelta(minutes=29))
    assert signed_in.get(HOME).status_code == 200


def test_it_does_not_count_a_poll_as_activity(signed_in, frozen):
    frozen.shift(timedelta(minutes=20))
    assert signed_in.get(HOME, headers=POLL).status_code == 200
    frozen.shift(timedelta(minutes=11))
    assert_signed_out_to_login(signed_in.get(HOME), HOME)


def test_it_counts_a_normal_request_as_activity(signed_in, frozen):
    frozen.shift(timedelta(minutes=20))
    assert signed_in.get(HOME).status_code == 200
    frozen.shift(timedelta(minutes=11))
    assert signed_in.get(HOME).status_code == 200


def test_it_refuses_to_sign_out_on_get(client, personas):
    client.force_login(personas.cadre_a1)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.session["_auth_user_id"] == str(personas.cadre_a1.pk)


def test_it_signs_out_on_post(client, personas):
    client.force_login(personas.cadre_a1)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("path", ["/", "/registry/households/", "/system/audit/"])
def test_it_sends_an_anonymous_visitor_to_sign_in(client, db, path):
    assert_signed_out_to_login(client.get(path), path)


def test_it_answers_an_anonymous_api_call_with_the_401_envelope(client, db):
    response = client.get("/api/v1/accounts/me")
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"message", "code", "fields"}
    assert body["code"] == "UNAUTHENTICATED"
    assert body["fields"] == {}
