"""In Chromium: a township officer, created through the services, signs in with the password and is sent to set
up the second factor (FUPIN_MFA=all), scans nothing but reads the secret shown beside the QR code, as an app
would, confirms with its code, keeps the recovery codes, signs out, and signs in again with a code; then once
more with a recovery code. At desktop and phone widths, with no console error (CSP: the QR code is inline SVG)."""

from __future__ import annotations

from base64 import b32decode

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from fupin.accounts.roles import Role
from fupin.accounts.services import assignment_create, user_create
from fupin.site.tests.conftest import DESKTOP, PHONE, screenshot, sign_in
from fupin.site.tests.test_e2e_household_file import horizontal_overflow, watch_console

pytestmark = pytest.mark.e2e
USERNAME = "zhou.township"
PASSWORD = "Mengmiao#2020town"


def code_from(secret_text: str, ahead: int = 0) -> str:
    """What an authenticator app holding this secret shows (``ahead`` time steps later)."""
    return f"{totp(b32decode(secret_text.replace(' ', '')), drift=ahead):06d}"


def test_a_township_officer_enrols_totp_and_signs_in_again_with_a_code(page: Page, live_server, e2e_personas,
                                                                       settings):
    settings.FUPIN_MFA = "all"
    officer = user_create(username=USERNAME, password=PASSWORD, name="周乡镇")
    assignment_create(user=officer, role=Role.TOWNSHIP_OFFICER, area=e2e_personas.areas.town_a)
    errors = watch_console(page)
    base = live_server.url

    # The password alone leads to the set-up page, and nowhere else.
    sign_in(page, base, USERNAME, PASSWORD)
    expect(page).to_have_url(f"{base}/accounts/second-factor/enrol/?next=/")
    page.goto(f"{base}/registry/households/")
    expect(page).to_have_url(f"{base}/accounts/second-factor/enrol/?next=/registry/households/")
    expect(page.get_by_role("heading", name="设置第二重验证")).to_be_visible()
    expect(page.get_by_test_id("mfa-qr").locator("svg")).to_be_visible()
    screenshot(page, "mfa-enrol-desktop")
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    assert horizontal_overflow(page) <= 0, "the set-up page scrolls sideways on a phone"
    screenshot(page, "mfa-enrol-phone")
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]

    secret = page.get_by_test_id("mfa-secret").inner_text()
    page.get_by_label("6 位验证码").fill(code_from(secret))
    page.get_by_role("button", name="完成设置").click()
    codes = page.get_by_test_id("recovery-codes").locator("code").all_inner_texts()
    assert len(codes) == 10
    screenshot(page, "mfa-recovery-codes-desktop")
    page.get_by_test_id("mfa-continue").click()
    expect(page).to_have_url(f"{base}/registry/households/")
    expect(page.get_by_test_id("user-scope")).to_have_text("孟庙镇 · 乡镇干部")

    # Signed out, the password is no longer enough: the code page asks for the app's code.
    page.get_by_test_id("logout").click()
    sign_in(page, base, USERNAME, PASSWORD)
    expect(page).to_have_url(f"{base}/accounts/second-factor/?next=/")
    expect(page.get_by_role("heading", name="第二重验证")).to_be_visible()
    screenshot(page, "mfa-verify-desktop")
    page.get_by_label("验证码或恢复码").fill(code_from(secret, ahead=1))  # the next code: the last one is used
    page.get_by_role("button", name="验证").click()
    expect(page).to_have_url(f"{base}/")
    expect(page.get_by_test_id("user-scope")).to_have_text("孟庙镇 · 乡镇干部")

    # Without the phone: a recovery code, once.
    page.get_by_test_id("logout").click()
    sign_in(page, base, USERNAME, PASSWORD)
    page.get_by_label("验证码或恢复码").fill(codes[0])
    page.get_by_role("button", name="验证").click()
    expect(page).to_have_url(f"{base}/")
    expect(page.get_by_text("已用一个恢复码登录，还剩 9 个")).to_be_visible()
    assert TOTPDevice.objects.filter(user__username=USERNAME, confirmed=True).count() == 1
    assert errors == []
