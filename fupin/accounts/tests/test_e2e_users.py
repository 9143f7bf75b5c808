"""User administration in Chromium (issue 15, acceptance, first half): the district administrator creates a
township officer with an area through the pages; the officer signs in with the temporary password and must change
it before anything else. (The second factor's enrolment follows in the sign-in helper's half.)"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from fupin.accounts.models import User
from fupin.site.tests.conftest import DESKTOP, PHONE, screenshot, sign_in
from fupin.site.tests.test_e2e_household_file import horizontal_overflow, watch_console

pytestmark = pytest.mark.e2e
NEW_PASSWORD = "Fresh#Passw0rd!"


def change_password(page: Page, current: str, new: str) -> None:
    """Fill in the password-change form, as a person would, and see it taken."""
    form = page.get_by_test_id("password-form")
    form.get_by_label("当前密码").fill(current)
    form.get_by_label("新密码", exact=True).fill(new)
    form.get_by_label("再次输入新密码").fill(new)
    form.get_by_test_id("password-submit").click()
    expect(page.locator(".messages")).to_contain_text("密码已修改")


@pytest.mark.parametrize(("width", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_an_admin_creates_a_township_officer_who_must_change_the_password(page: Page, live_server, e2e_personas,
                                                                         width, viewport):
    errors = watch_console(page)
    page.set_viewport_size(viewport)  # type: ignore[arg-type]
    base = live_server.url
    sign_in(page, base, "admin")
    page.goto(f"{base}/accounts/users/")
    expect(page.get_by_role("heading", level=1)).to_have_text("用户管理")
    page.get_by_test_id("user-create-link").click()
    form = page.get_by_test_id("user-form")
    form.get_by_label("用户名").fill("town_new")
    form.get_by_label("姓名").fill("孙七")
    form.get_by_label("角色").select_option("township_officer")
    form.get_by_label("区划").select_option(str(e2e_personas.areas.town_a.pk))
    if width == "phone":
        assert horizontal_overflow(page) <= 0, "the new-user form scrolls sideways on a phone"
    screenshot(page, f"users-create-{width}")
    form.get_by_test_id("user-submit").click()
    expect(page.locator(".messages")).to_contain_text("已创建账号 town_new")
    expect(page.get_by_test_id("assignment-table")).to_contain_text("孟庙镇")
    expect(page.get_by_test_id("assignment-table")).to_contain_text("乡镇干部")
    password = page.get_by_test_id("temporary-password").inner_text().strip()
    screenshot(page, f"users-created-{width}")
    page.reload()
    expect(page.get_by_test_id("temporary-password")).to_have_count(0)  # shown once
    page.get_by_test_id("logout").click()

    sign_in(page, base, "town_new", password)
    expect(page).to_have_url(re.compile(r"/accounts/me/password/"))
    expect(page.get_by_test_id("password-forced")).to_be_visible()
    page.goto(f"{base}/registry/households/")
    expect(page).to_have_url(re.compile(r"/accounts/me/password/\?next="))
    screenshot(page, f"users-forced-change-{width}")
    change_password(page, password, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/registry/households/$"))
    if width == "desktop":
        expect(page.get_by_test_id("user-scope")).to_contain_text("孟庙镇 · 乡镇干部")
    assert not User.objects.get(username="town_new").must_change_password
    page.get_by_test_id("logout").click()

    sign_in(page, base, "town_new", NEW_PASSWORD)
    expect(page).to_have_url(f"{base}/")
    assert errors == []
