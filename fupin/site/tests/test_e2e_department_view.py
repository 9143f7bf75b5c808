"""Least privilege in Chromium: the education officer's household page shows the schoolchild's schooling and
nothing its programmes do not need (no phone, health, incomes or other members)."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from fupin.core.testing import make_id_number
from fupin.registry.models import Household, Member
from fupin.site.tests.conftest import DESKTOP, PHONE, screenshot, sign_in
from fupin.site.tests.test_e2e_household_file import horizontal_overflow, watch_console

pytestmark = pytest.mark.e2e


def test_the_education_officer_sees_only_what_schooling_needs(page: Page, live_server, e2e_personas):
    household = Household.objects.get(household_no="H-A1-0001")
    Household.objects.filter(pk=household.pk).update(phone="13912345678")
    born = date(date.today().year - 12, 5, 1)
    Member.objects.create(household=household, name="张小明", id_number=make_id_number(born), sex="M",
                          birth_date=born, relation="son", schooling="grade_7", health="serious")
    errors = watch_console(page)
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
    sign_in(page, live_server.url, "dept")
    page.goto(f"{live_server.url}/registry/households/")
    expect(page.locator("body")).to_contain_text("H-A1-0001")
    expect(page.locator("body")).not_to_contain_text("H-A2-0001")  # no member there the programmes serve
    page.goto(f"{live_server.url}/registry/households/{household.pk}/")
    members = page.get_by_test_id("member-table")
    expect(members.locator("tbody tr")).to_have_count(1)
    expect(members).to_contain_text("张小明")
    expect(members).to_contain_text("七年级")
    expect(members).not_to_contain_text("患有大病")
    expect(members.locator("thead")).not_to_contain_text("健康状况")
    expect(page.get_by_test_id("members-not-shown")).to_be_visible()
    body = page.locator("main")
    expect(body).not_to_contain_text("13912345678")
    expect(page.locator('[data-section="incomes"]')).to_have_count(0)
    expect(page.locator('[data-section="assessment"]')).to_have_count(0)
    screenshot(page, "department-view-desktop")
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    assert horizontal_overflow(page) <= 0, "the household page scrolls sideways on a phone"
    screenshot(page, "department-view-phone")
    assert errors == []
