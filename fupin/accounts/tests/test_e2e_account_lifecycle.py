"""The whole account story in Chromium (issue 15, acceptance): the district administrator creates a township
officer with an area through the pages; the officer signs in with the temporary password, sets up the second
factor (FUPIN_MFA=all) before anything else, then chooses a new password, and signs in again with a code."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from fupin.accounts.models import User
from fupin.accounts.tests.test_e2e_second_factor import code_from
from fupin.accounts.tests.test_e2e_users import NEW_PASSWORD, change_password
from fupin.site.tests.conftest import screenshot, sign_in
from fupin.site.tests.test_e2e_household_file import watch_console

pytestmark = pytest.mark.e2e


def test_an_officer_created_by_the_admin_enrols_totp_and_signs_in_again_with_a_code(page: Page, live_server,
                                                                                     e2e_personas, settings):
    errors = watch_console(page)
    base = live_server.url
    sign_in(page, base, "admin")
    page.goto(f"{base}/accounts/users/new/")
    form = page.get_by_test_id("user-form")
    form.get_by_label("用户名").fill("town_li")
    form.get_by_label("姓名").fill("李乡镇")
    form.get_by_label("角色").select_option("township_officer")
    form.get_by_label("区划").select_option(str(e2e_personas.areas.town_a.pk))
    form.get_by_test_id("user-submit").click()
    expect(page.get_by_test_id("assignment-table")).to_contain_text("孟庙镇")
    password = page.get_by_test_id("temporary-password").inner_text().strip()
    page.get_by_test_id("logout").click()

    settings.FUPIN_MFA = "all"  # from here every account signs in with a second factor
    sign_in(page, base, "town_li", password)
    expect(page).to_have_url(re.compile(r"/accounts/second-factor/enrol/"))  # the second factor comes first
    secret = page.get_by_test_id("mfa-secret").inner_text()
    page.get_by_label("6 位验证码").fill(code_from(secret))
    page.get_by_role("button", name="完成设置").click()
    expect(page.get_by_test_id("recovery-codes").locator("code")).to_have_count(10)
    page.get_by_test_id("mfa-continue").click()

    expect(page).to_have_url(re.compile(r"/accounts/me/password/"))  # then the password someone else chose
    change_password(page, password, NEW_PASSWORD)
    assert not User.objects.get(username="town_li").must_change_password
    page.get_by_test_id("logout").click()

    sign_in(page, base, "town_li", NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/second-factor/"))
    page.get_by_label("验证码或恢复码").fill(code_from(secret, ahead=1))
    page.get_by_role("button", name="验证").click()
    expect(page).to_have_url(f"{base}/")
    expect(page.get_by_test_id("user-scope")).to_have_text("孟庙镇 · 乡镇干部")
    screenshot(page, "account-lifecycle-home")
    assert errors == []
