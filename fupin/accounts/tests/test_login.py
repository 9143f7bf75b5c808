"""The sign-in form and its protection (django-axes with fupin.accounts.lockout): five failures lock the pair
username + address, twenty failures over any usernames throttle the address alone (password spraying), a
success resets its own pair only, and the address is REMOTE_ADDR whatever the headers say."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axes.models import AccessAttempt
from django.urls import reverse

from fupin.core.models import AuditEntry
from fupin.core.testing import PASSWORD

LOGIN_URL = "/accounts/login/"
WRONG = "Wrong#Passw0rd!"
T0 = datetime(2025, 6, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
OFFICE = "10.20.30.40"  # the township office's one NAT address
STRANGER = "198.51.100.7"
SPRAYER = "203.0.113.66"


def sign_in(client, username: str, password: str, address: str = OFFICE, **headers: str):
    return client.post(LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def fail_times(client, username: str, times: int, address: str = OFFICE) -> list[int]:
    return [sign_in(client, username, WRONG, address).status_code for _ in range(times)]


def assert_locked(response, *, address: bool = False) -> None:
    assert response.status_code == 429
    page = response.content.decode()
    assert 'data-testid="locked"' in page
    assert ("已暂停从此地址登录" if address else "该账号在此地址连续登录失败 5 次") in page
    assert "_auth_user_id" not in response.wsgi_request.session


def assert_signed_in(client, response, user) -> None:
    assert response.status_code == 302
    assert response.url == reverse("site:home")
    assert client.session["_auth_user_id"] == str(user.pk)
    client.logout()


@pytest.fixture
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def test_it_signs_in_a_persona_with_the_right_password(client, personas):
    response = sign_in(client, "cadre_a1", PASSWORD)
    assert response.status_code == 302 and response.url == reverse("site:home")
    assert client.session["_auth_user_id"] == str(personas.cadre_a1.pk)
    assert client.get(reverse("site:home")).status_code == 200


def test_it_says_what_went_wrong_in_the_viewer_s_language(client, personas):
    page = sign_in(client, "cadre_a1", WRONG).content.decode()
    assert "用户名或密码错误。在同一地址连续失败 5 次，该账号在此地址锁定 30 分钟。" in page
    assert "_auth_user_id" not in client.session
    client.post(reverse("set_language"), {"language": "en", "next": LOGIN_URL})
    page = sign_in(client, "cadre_a1", WRONG).content.decode()
    assert "Wrong username or password. 5 failures in a row from one address lock the account at that " \
           "address for 30 minutes." in page
    assert "用户名或密码错误" not in page


def test_the_page_states_the_configured_limits(client, db, settings):
    settings.AXES_FAILURE_LIMIT = 7
    settings.AXES_COOLOFF_TIME = timedelta(minutes=45)
    page = client.get(LOGIN_URL).content.decode()
    assert "在同一地址连续 7 次密码错误，该账号在此地址锁定 45 分钟。" in page


# --- the pair username + address -----------------------------------------------------------------------


def test_it_refuses_the_right_password_after_five_failures_at_one_address(client, personas, frozen):
    assert fail_times(client, "cadre_a1", 5) == [200, 200, 200, 200, 429]  # the fifth failure locks
    assert_locked(sign_in(client, "cadre_a1", PASSWORD))


def test_it_still_signs_in_after_four_failures(client, personas, frozen):
    fail_times(client, "cadre_a1", 4)
    assert_signed_in(client, sign_in(client, "cadre_a1", PASSWORD), personas.cadre_a1)


def test_a_locked_account_does_not_lock_its_colleagues_at_the_shared_address(client, personas, frozen):
    fail_times(client, "cadre_a1", 5)
    assert_locked(sign_in(client, "cadre_a1", PASSWORD))
    assert_signed_in(client, sign_in(client, "cadre_a2", PASSWORD), personas.cadre_a2)


def test_a_stranger_elsewhere_cannot_lock_a_user_out_of_their_usual_address(client, personas, frozen):
    fail_times(client, "cadre_a1", 5, address=STRANGER)
    assert_locked(sign_in(client, "cadre_a1", PASSWORD, STRANGER))  # the stranger is stopped ...
    assert_signed_in(client, sign_in(client, "cadre_a1", PASSWORD, OFFICE), personas.cadre_a1)  # ... the user is not
    frozen.shift(timedelta(minutes=5))
    assert_locked(sign_in(client, "cadre_a1", PASSWORD, STRANGER))  # and the user's success unlocks no other address


def test_it_unlocks_the_pair_after_the_cool_off(client, personas, frozen):
    fail_times(client, "cadre_a1", 5)
    frozen.shift(timedelta(minutes=29))
    assert_locked(sign_in(client, "cadre_a1", PASSWORD))
    frozen.shift(timedelta(minutes=2))
    assert_signed_in(client, sign_in(client, "cadre_a1", PASSWORD), personas.cadre_a1)


def test_a_success_forgets_the_pair_s_failures(client, personas, frozen):
    fail_times(client, "cadre_a1", 4)
    assert_signed_in(client, sign_in(client, "cadre_a1", PASSWORD), personas.cadre_a1)
    fail_times(client, "cadre_a1", 4)
    assert_signed_in(client, sign_in(client, "cadre_a1", PASSWORD), personas.cadre_a1)


# --- the address alone: password spraying ---------------------------------------------------------------


def test_it_stops_password_spraying_from_one_address(client, personas, frozen):
    """The tester's spray: 68 failed sign-ins from one address over 47 usernames (real and invented)."""
    usernames = ["admin", "officer", "township_a", "cadre_a1", "cadre_a2", "cadre_b1", "team_a1", "auditor",
                 "dept", *[f"user{i:02d}" for i in range(38)]]
    assert len(usernames) == 47
    answers = [sign_in(client, usernames[i % 47], WRONG, SPRAYER).status_code for i in range(68)]
    assert answers == [200] * 19 + [429] * 49  # the twentieth failure locks the address
    assert_locked(sign_in(client, "cadre_a2", PASSWORD, SPRAYER), address=True)  # the password is not even tried
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN).exists()
    # Every account still signs in from its usual address.
    assert_signed_in(client, sign_in(client, "cadre_a2", PASSWORD, OFFICE), personas.cadre_a2)
    assert_signed_in(client, sign_in(client, "admin", PASSWORD, OFFICE), personas.admin)


def test_an_office_s_typing_errors_do_not_reach_the_address_limit(client, personas, frozen):
    for username in ("cadre_a1", "cadre_a2", "team_a1", "township_a"):
        assert fail_times(client, username, 4) == [200] * 4  # 16 failures from the office lock no one
    for user in (personas.cadre_a1, personas.cadre_a2, personas.team_a1, personas.township_a):
        assert_signed_in(client, sign_in(client, user.username, PASSWORD), user)


def test_signing_in_to_an_own_account_does_not_reset_the_address_count(client, personas, frozen):
    for i in range(19):
        sign_in(client, f"victim{i}", WRONG, SPRAYER)
    assert_signed_in(client, sign_in(client, "cadre_b1", PASSWORD, SPRAYER), personas.cadre_b1)
    assert sign_in(client, "victim19", WRONG, SPRAYER).status_code == 429  # the twentieth failure locks
    assert_locked(sign_in(client, "cadre_b1", PASSWORD, SPRAYER), address=True)


def test_forwarded_headers_do_not_give_a_fresh_address(client, personas, frozen):
    for i in range(20):
        sign_in(client, f"victim{i}", WRONG, SPRAYER, HTTP_X_FORWARDED_FOR=f"192.0.2.{i}", HTTP_X_REAL_IP=f"192.0.2.{i}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {SPRAYER}
    assert_locked(sign_in(client, "cadre_a1", PASSWORD, SPRAYER, HTTP_X_FORWARDED_FOR="192.0.2.200"), address=True)


def test_the_address_limit_is_a_setting_and_the_throttle_ends(client, personas, frozen, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    for i in range(8):
        sign_in(client, f"victim{i}", WRONG, SPRAYER)
    assert_locked(sign_in(client, "cadre_a1", PASSWORD, SPRAYER), address=True)
    frozen.shift(timedelta(minutes=31))
    assert_signed_in(client, sign_in(client, "cadre_a1", PASSWORD, SPRAYER), personas.cadre_a1)


def test_the_admin_login_is_throttled_too(client, personas, frozen):
    for i in range(20):
        sign_in(client, f"victim{i}", WRONG, SPRAYER)
    response = client.post("/admin/login/", {"username": "root", "password": PASSWORD}, REMOTE_ADDR=SPRAYER)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


# --- the audit log ----------------------------------------------------------------------------------------


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


def test_a_password_reset_lifts_the_user_s_lock(client, personas, frozen):
    from fupin.accounts.user_services import password_reset

    fail_times(client, "cadre_a1", 5)
    assert_locked(sign_in(client, "cadre_a1", PASSWORD))
    new = password_reset(personas.cadre_a1, actor=None, password="New#Passw0rd2026")  # as `fupin user-reset-password`
    entry = AuditEntry.objects.filter(object_id=str(personas.cadre_a1.pk)).order_by("-pk").first()
    assert entry is not None and entry.changes["failed_sign_ins_forgotten"] >= 1
    response = sign_in(client, "cadre_a1", new)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(personas.cadre_a1.pk)
