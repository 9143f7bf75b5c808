"""In Chromium: an officer of 区教体局 signs in, finds the public's objection to the village notice of one of
the bureau's projects, and resolves it with a reply; an officer of another bureau is not offered the form."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from fupin.accounts.models import Department
from fupin.accounts.roles import Role
from fupin.core.testing import make_user
from fupin.notices.models import Notice, Objection
from fupin.projects.services import public_objection
from fupin.projects.tests.factories import proposed, unit
from fupin.site.tests.conftest import DESKTOP, PHONE, screenshot, sign_in
from fupin.site.tests.test_e2e_household_file import horizontal_overflow, watch_console

pytestmark = pytest.mark.e2e
REPLY = "经现场核实，食堂与旱厕相距 80 米，符合卫生要求，已电话答复异议人。"


@pytest.fixture
def objection_world(e2e_personas):
    areas = e2e_personas.areas
    school = proposed(areas.village_a1, unit(areas.county, "education"), name="甲村小学食堂改造", ago=1)
    notice = Notice.objects.get(kind="project_village", subject_id=school.pk)
    objection = public_objection(notice, text="食堂紧邻旱厕，请另选址。", address="203.0.113.9")
    water = Department.objects.create(code="water", name="区水利局", area=areas.county)
    make_user("dept_water", Role.DEPARTMENT_OFFICER, areas.county, department=water)
    return {"school": school, "objection": objection}


def test_a_department_officer_resolves_an_objection_to_their_project(page: Page, live_server, objection_world):
    errors = watch_console(page)
    base = live_server.url
    objection = objection_world["objection"]

    sign_in(page, base, "dept_water")  # another bureau: the objection is not theirs to answer
    page.goto(f"{base}/projects/objections/")
    expect(page.get_by_test_id("objection-table")).not_to_contain_text("食堂紧邻旱厕")
    expect(page.get_by_test_id("resolve-form")).to_have_count(0)
    page.get_by_role("button", name="退出").click()

    sign_in(page, base, "dept")  # 区教体局, the project's responsible unit
    page.goto(f"{base}/projects/")
    page.get_by_role("link", name="群众异议").click()
    row = page.locator(f"tr[data-objection='{objection.pk}']")
    expect(row).to_contain_text("食堂紧邻旱厕，请另选址。")
    expect(row).to_contain_text("甲村小学食堂改造")
    form = row.get_by_test_id("resolve-form")
    form.get_by_label("处理结果").select_option(label="异议不成立")
    form.get_by_label("处理意见（答复群众）").fill(REPLY)
    screenshot(page, "projects-objection-resolve-desktop")
    form.get_by_role("button", name="提交处理意见").click()

    expect(page.locator(".messages")).to_contain_text("异议已处理")
    row = page.locator(f"tr[data-objection='{objection.pk}']")
    expect(row).to_contain_text("异议不成立")
    expect(row).to_contain_text(REPLY)
    expect(row.get_by_test_id("resolve-form")).to_have_count(0)
    objection.refresh_from_db()
    assert (objection.status, objection.outcome, objection.resolution) == ("resolved", "dismissed", REPLY)
    assert objection.resolved_by is not None and objection.resolved_by.username == "dept"
    assert Objection.objects.filter(status="open").count() == 0

    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.goto(f"{base}/projects/objections/")
    assert horizontal_overflow(page) <= 0, "the objection list scrolls sideways on a phone"
    screenshot(page, "projects-objections-phone")
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
    assert errors == []
