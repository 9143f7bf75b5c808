"""The second factor (fupin.accounts.mfa, SecondFactorMiddleware, the pages): who must have one, enrolment with
a QR code drawn here, the code page after the password, recovery codes, throttling, the API, an administrator's
reset, and the command."""

from __future__ import annotations

import re
from base64 import b32decode
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from fupin.accounts import mfa
from fupin.accounts.roles import SECOND_FACTOR_ROLES, Role
from fupin.accounts.services import api_token_create
from fupin.core.models import AuditEntry
from fupin.core.testing import PASSWORD, fupin_main

LOGIN = "/accounts/login/"
VERIFY = "/accounts/second-factor/"
ENROL = "/accounts/second-factor/enrol/"
CODES = "/accounts/second-factor/recovery-codes/"
HOUSEHOLDS = "/registry/households/"
ME_API = "/api/v1/accounts/me"
CODE_LIST = re.compile(r"<li><code>([a-z2-7]{8})</code></li>")


def code_for(device: TOTPDevice, ahead: int = 0) -> str:
    """The code an authenticator app shows now (``ahead`` steps later: a new code without waiting)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=ahead):06d}"


def enrolled(user) -> tuple[TOTPDevice, list[str]]:
    """``user`` with a second factor, set up through the service as the enrolment page does."""
    return mfa.totp_enrol(user, code=code_for(mfa.totp_device_pending(user)))


def password_client(username: str, next_page: str = "") -> tuple[Client, Any]:
    client = Client()
    response = client.post(LOGIN + (f"?next={next_page}" if next_page else ""),
                           {"username": username, "password": PASSWORD, "next": next_page})
    assert response.status_code == 302, "the password is right"
    return client, response


@pytest.fixture
def required(settings):
    settings.FUPIN_MFA = "required"


# --- who must have a second factor -------------------------------------------------------------------


def test_the_required_roles_are_data(personas, required, monkeypatch):
    must = [personas.admin, personas.officer, personas.auditor, personas.superuser]
    need_not = [personas.township_a, personas.cadre_a1, personas.team_a1, personas.department, personas.nobody]
    assert [mfa.required_for(u) for u in must] == [True] * 4
    assert [mfa.required_for(u) for u in need_not] == [False] * 5
    monkeypatch.setattr("fupin.accounts.mfa.SECOND_FACTOR_ROLES", SECOND_FACTOR_ROLES | {Role.TOWNSHIP_OFFICER})
    assert mfa.required_for(personas.township_a)


def test_all_makes_everyone_enrol_and_optional_nobody(personas, settings):
    settings.FUPIN_MFA = "all"
    assert mfa.required_for(personas.cadre_a1) and mfa.required_for(personas.nobody)
    settings.FUPIN_MFA = "optional"
    assert not mfa.required_for(personas.admin) and not mfa.required_for(personas.superuser)


def test_a_required_role_sees_only_the_enrolment_page_after_the_password(personas, required):
    client, response = password_client("admin", HOUSEHOLDS)
    assert response["Location"] == HOUSEHOLDS
    redirected = client.get(HOUSEHOLDS)
    assert redirected.status_code == 302 and redirected["Location"] == f"{ENROL}?next={HOUSEHOLDS}"
    for path in ("/", "/system/audit/", "/accounts/me/", VERIFY, "/admin/", "/hotline/"):
        assert client.get(path)["Location"].startswith(ENROL), path
    assert client.post("/registry/households/export/")["Location"].startswith(ENROL)
    page = client.get(ENROL)
    assert page.status_code == 200 and 'data-testid="mfa-required"' in page.content.decode()
    assert client.post(reverse("accounts:logout"))["Location"] == LOGIN  # signing out is always possible


def test_a_role_that_need_not_signs_in_with_the_password(personas, required):
    client, _ = password_client("cadre_a1")
    assert client.get(HOUSEHOLDS).status_code == 200


def test_optional_asks_no_one_without_a_device_but_everyone_with_one(personas, settings):
    settings.FUPIN_MFA = "optional"
    client, _ = password_client("admin")
    assert client.get(HOUSEHOLDS).status_code == 200  # the demo logins of `make run`
    enrolled(personas.cadre_a1)
    client, _ = password_client("cadre_a1")
    assert client.get(HOUSEHOLDS)["Location"].startswith(VERIFY)


# --- enrolment ---------------------------------------------------------------------------------------------


def _secret(page: str) -> bytes:
    shown = re.search(r'data-testid="mfa-secret">([A-Z2-7 ]+)</code>', page)
    assert shown is not None
    return b32decode(shown.group(1).replace(" ", ""))


def test_the_enrolment_page_draws_the_qr_code_here_and_shows_the_secret(personas, required):
    client, _ = password_client("admin")
    page = client.get(ENROL).content.decode()
    device = TOTPDevice.objects.get(user=personas.admin)
    assert not device.confirmed
    assert _secret(page) == device.bin_key
    figure = re.search(r'<figure class="qr" data-testid="mfa-qr">(.*?)</figure>', page, re.S)
    assert figure is not None and figure.group(1).startswith("<svg") and "<path" in figure.group(1)
    assert "http" not in figure.group(1).replace("http://www.w3.org/2000/svg", "")  # no outside image
    assert _secret(client.get(ENROL).content.decode()) == device.bin_key  # a reload shows the same secret
    assert TOTPDevice.objects.filter(user=personas.admin).count() == 1


def test_a_wrong_first_code_confirms_nothing(personas, required):
    client, _ = password_client("admin")
    device_key = _secret(client.get(ENROL).content.decode())
    wrong = f"{(int(code_for(TOTPDevice.objects.get(user=personas.admin))) + 1) % 1000000:06d}"
    response = client.post(ENROL, {"code": wrong})
    assert response.status_code == 422 and "验证码不正确" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists() and not StaticDevice.objects.exists()
    assert _secret(response.content.decode()) == device_key
    assert client.get(HOUSEHOLDS)["Location"].startswith(ENROL)


def test_the_first_code_confirms_the_app_and_the_recovery_codes_are_shown_once(personas, required):
    client, _ = password_client("admin", HOUSEHOLDS)
    page = client.get(f"{ENROL}?next={HOUSEHOLDS}").content.decode()
    device = TOTPDevice.objects.get(user=personas.admin)
    response = client.post(f"{ENROL}?next={HOUSEHOLDS}", {"code": code_for(device), "next": HOUSEHOLDS})
    assert response.status_code == 302 and response["Location"] == f"{CODES}?next={HOUSEHOLDS.replace('/', '%2F')}"
    assert _secret(page) == TOTPDevice.objects.get(confirmed=True).bin_key
    shown = client.get(response["Location"]).content.decode()
    codes = CODE_LIST.findall(shown)
    assert len(codes) == 10 == len(set(codes))
    assert sorted(codes) == sorted(StaticToken.objects.filter(device__user=personas.admin).values_list("token",
                                                                                                     flat=True))
    assert f'href="{HOUSEHOLDS}"' in shown
    assert client.get(CODES)["Location"] == "/accounts/me/"  # shown once
    assert client.get(HOUSEHOLDS).status_code == 200  # this session is verified
    entry = AuditEntry.objects.get(action=AuditEntry.Action.UPDATE, object_type="accounts.user")
    assert (entry.actor, entry.changes) == (personas.admin, {"second_factor": "enrolled"})


def test_with_a_device_set_up_the_password_alone_cannot_set_up_another(personas, required):
    device, _ = enrolled(personas.admin)
    client, _ = password_client("admin")
    assert client.get(ENROL)["Location"].startswith(VERIFY)
    assert client.post(ENROL, {"code": "123456"})["Location"].startswith(VERIFY)
    assert list(TOTPDevice.objects.filter(user=personas.admin)) == [device]


# --- the code page after the password ----------------------------------------------------------------


def test_a_user_with_a_device_gives_a_code_and_goes_on_to_the_page_asked_for(personas, required):
    device, _ = enrolled(personas.admin)
    client, _ = password_client("admin", HOUSEHOLDS)
    assert client.get(HOUSEHOLDS)["Location"] == f"{VERIFY}?next={HOUSEHOLDS}"
    page = client.get(f"{VERIFY}?next={HOUSEHOLDS}")
    assert page.status_code == 200 and "第二重验证" in page.content.decode()
    key_before = client.session.session_key
    response = client.post(VERIFY, {"code": code_for(device, ahead=1), "next": HOUSEHOLDS})
    assert response.status_code == 302 and response["Location"] == HOUSEHOLDS
    assert client.session.session_key != key_before  # a new session key for the verified session
    assert client.get(HOUSEHOLDS).status_code == 200
    assert client.get(VERIFY)["Location"] == "/"  # nothing left to verify
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN).latest("seq")
    assert (entry.actor, entry.changes) == (personas.admin, {"second_factor": "totp"})


def test_a_wrong_code_is_refused_and_audited(personas, required):
    device, _ = enrolled(personas.admin)
    client, _ = password_client("admin")
    wrong = f"{(int(code_for(device, ahead=1)) + 1) % 1000000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 422 and "验证码不正确或已用过" in response.content.decode()
    assert client.get(HOUSEHOLDS)["Location"].startswith(VERIFY)
    failed = AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN_FAILED).latest("seq")
    assert (failed.actor, failed.object_id, failed.changes) == (None, str(personas.admin.pk), {"second_factor": "totp"})


def test_a_code_is_good_once(personas, required):
    device, _ = enrolled(personas.admin)
    code = code_for(device, ahead=1)
    first, _ = password_client("admin")
    assert first.post(VERIFY, {"code": code})["Location"] == "/"
    second, _ = password_client("admin")
    assert second.post(VERIFY, {"code": code}).status_code == 422  # replayed in another session
    assert second.get(HOUSEHOLDS)["Location"].startswith(VERIFY)


def test_wrong_codes_make_the_next_try_wait(personas, required):
    device, _ = enrolled(personas.admin)
    client, _ = password_client("admin")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(3):
            client.post(VERIFY, {"code": "000000"})
            clock.shift(timedelta(seconds=0.5))
        waiting = client.post(VERIFY, {"code": code_for(device, ahead=1)})  # right, but too soon
        assert waiting.status_code == 429 and "验证码错误次数过多，请 " in waiting.content.decode()
        clock.shift(timedelta(seconds=5))
        assert client.post(VERIFY, {"code": code_for(device, ahead=1)}).status_code == 302


def test_a_recovery_code_signs_in_once(personas, required):
    _, codes = enrolled(personas.admin)
    client, _ = password_client("admin")
    response = client.post(VERIFY, {"code": f" {codes[3][:4].upper()}-{codes[3][4:]} "}, follow=True)
    assert response.redirect_chain[0] == ("/", 302)
    assert "已用一个恢复码登录，还剩 9 个" in response.content.decode()
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN).latest("seq")
    assert entry.changes == {"second_factor": "recovery_code"}
    again, _ = password_client("admin")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert again.post(VERIFY, {"code": codes[3]}).status_code == 422
        clock.shift(timedelta(seconds=2))  # a wrong code makes the next try wait a second
        assert again.post(VERIFY, {"code": codes[4]}).status_code == 302
    assert mfa.recovery_codes_left(personas.admin) == 8


def test_new_recovery_codes_replace_the_old_ones(personas, required):
    device, old = enrolled(personas.admin)
    client, _ = password_client("admin")
    client.post(VERIFY, {"code": code_for(device, ahead=1)})
    assert "剩余恢复码 10 个" in client.get("/accounts/me/").content.decode()
    response = client.post(reverse("accounts:mfa-recovery-codes-new"))
    new = CODE_LIST.findall(client.get(response["Location"]).content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    retry, _ = password_client("admin")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert retry.post(VERIFY, {"code": old[0]}).status_code == 422
        clock.shift(timedelta(seconds=2))
        assert retry.post(VERIFY, {"code": new[0]}).status_code == 302


# --- the API ------------------------------------------------------------------------------------------------


def test_an_unverified_session_is_no_session_for_the_api_but_tokens_work(personas, required):
    device, _ = enrolled(personas.admin)
    client, _ = password_client("admin")
    refused = client.get(ME_API)
    assert refused.status_code == 401 and refused.json()["code"] == "UNAUTHENTICATED"
    _, raw = api_token_create(user=personas.admin, name="报表系统")
    assert Client().get(ME_API, headers={"Authorization": f"Bearer {raw}"}).json()["username"] == "admin"
    assert client.get(ME_API, headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    client.post(VERIFY, {"code": code_for(device, ahead=1)})
    assert client.get(ME_API).json()["username"] == "admin"


def test_without_django_otp_s_middleware_no_session_is_ever_verified(personas, required, settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "django_otp.middleware.OTPMiddleware"]
    device, _ = enrolled(personas.admin)
    client, _ = password_client("admin")
    client.post(VERIFY, {"code": code_for(device, ahead=1)})
    assert client.get(HOUSEHOLDS)["Location"].startswith(VERIFY)


# --- an administrator's reset -------------------------------------------------------------------------------


def _verified(user) -> Client:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrolled(user)[0]
    client, _ = password_client(user.username)
    assert client.post(VERIFY, {"code": code_for(device, ahead=1)}).status_code == 302
    return client


def test_an_administrator_resets_a_lost_phone_and_the_user_enrols_again(personas, required):
    enrolled(personas.officer)
    admin = _verified(personas.admin)
    url = reverse("accounts:mfa-reset", args=[personas.officer.pk])
    assert 'data-testid="mfa-state">已设置' in admin.get(url).content.decode()
    response = admin.post(url, follow=True)
    assert "已重置 officer 的第二重验证" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=personas.officer).exists()
    assert not StaticDevice.objects.filter(user=personas.officer).exists()
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE, object_id=str(personas.officer.pk)).latest("seq")
    assert (entry.actor, entry.changes) == (personas.admin, {"second_factor": "reset", "devices_removed": 2})
    officer, _ = password_client("officer")
    assert officer.get("/")["Location"].startswith(ENROL)


def test_a_reset_is_refused_to_those_who_do_not_manage_users(personas, required):
    enrolled(personas.officer)
    url = reverse("accounts:mfa-reset", args=[personas.officer.pk])
    for user in (personas.officer, personas.cadre_a1):
        client = _verified(user) if mfa.required_for(user) else password_client(user.username)[0]
        assert client.get(url).status_code == 403 and client.post(url).status_code == 403
    # A township administrator manages the users of its township only: the district officer is not one of them.
    client = password_client(personas.township_a.username)[0]
    assert client.get(url).status_code == 404 and client.post(url).status_code == 404
    assert TOTPDevice.objects.filter(user=personas.officer, confirmed=True).exists()


def test_an_administrator_cannot_reset_their_own_or_a_superuser_s(personas, required):
    enrolled(personas.superuser)
    admin = _verified(personas.admin)
    own = admin.post(reverse("accounts:mfa-reset", args=[personas.admin.pk]), follow=True)
    assert "不能重置自己的第二重验证" in own.content.decode()
    assert TOTPDevice.objects.filter(user=personas.admin, confirmed=True).exists()
    for pk in (personas.superuser.pk, 987654):
        assert admin.post(reverse("accounts:mfa-reset", args=[pk])).status_code == 404
    assert TOTPDevice.objects.filter(user=personas.superuser, confirmed=True).exists()


def test_the_reset_service_refuses_an_actor_without_the_capability(personas):
    from django.core.exceptions import PermissionDenied

    enrolled(personas.cadre_a2)
    with pytest.raises(PermissionDenied):
        mfa.second_factor_reset(personas.cadre_a2, actor=personas.cadre_a1)
    assert mfa.has_second_factor(personas.cadre_a2)


@pytest.mark.engine_independent
def test_the_command_resets_a_user_s_second_factor(personas):
    enrolled(personas.officer)
    run = fupin_main("user-reset-mfa", "officer")
    assert run.returncode == 0 and "已重置 officer 的第二重验证" in run.stdout and "reset" in run.stdout
    assert not mfa.has_second_factor(personas.officer)
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).latest("seq")
    assert (entry.actor, entry.actor_label, entry.changes["second_factor"]) == (None, "system", "reset")
    again = fupin_main("user-reset-mfa", "officer")
    assert again.returncode == 0 and "nothing to reset" in again.stdout


@pytest.mark.engine_independent
def test_the_command_names_an_unknown_user(personas):
    run = fupin_main("user-reset-mfa", "no-such-user")
    assert run.returncode == 1
    assert "没有用户名为 no-such-user 的用户 / no user named no-such-user" in run.stderr


def test_the_pages_speak_the_viewer_s_language(personas, required):
    device, _ = enrolled(personas.admin)
    client, _ = password_client("admin")
    client.post(reverse("set_language"), {"language": "en", "next": VERIFY})
    page = client.get(VERIFY).content.decode()
    assert "Second factor" in page and "Code or recovery code" in page and "第二重验证" not in page
    wrong = client.post(VERIFY, {"code": f"{(int(code_for(device, ahead=1)) + 1) % 1000000:06d}"}).content.decode()
    assert "the code is wrong or was used already" in wrong and "验证码不正确" not in wrong
    enrolling, _ = password_client("officer")
    enrolling.post(reverse("set_language"), {"language": "en", "next": ENROL})
    page = enrolling.get(ENROL).content.decode()
    assert "Set up a second factor" in page and "Scan the QR code below" in page and "设置第二重验证" not in page
