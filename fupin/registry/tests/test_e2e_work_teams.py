"""Work teams in Chromium: a township officer dispatches a team, registers its first secretary, recalls it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from fupin.registry.models import WorkTeam
from fupin.site.tests.conftest import DESKTOP, PHONE, screenshot, sign_in
from fupin.site.tests.test_e2e_household_file import horizontal_overflow, watch_console

pytestmark = pytest.mark.e2e


def test_a_township_officer_dispatches_staffs_and_recalls_a_team(page: Page, live_server, e2e_personas):
    errors = watch_console(page)
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
    sign_in(page, live_server.url, "township_a")
    page.goto(f"{live_server.url}/registry/work-teams/")
    page.get_by_test_id("work-team-new").click()
    form = page.get_by_test_id("work-team-form")
    form.get_by_label("派驻村").select_option(label="孟庙镇 乙村民委员会")
    form.get_by_label("派驻单位").fill("区农业农村局")
    form.get_by_label("派驻开始").fill("2018-03-01")
    screenshot(page, "work-team-new-desktop")
    form.get_by_role("button", name="派驻").click()
    expect(page.get_by_test_id("team-status")).to_have_text("在驻")

    members = page.get_by_test_id("member-form")
    members.get_by_label("姓名").fill("周书记")
    members.get_by_label("职务").select_option(label="第一书记")
    members.get_by_label("驻村开始").fill("2018-03-01")
    members.get_by_role("button", name="登记").click()
    expect(page.get_by_test_id("team-members").locator("tbody tr").filter(has_text="周书记")).to_contain_text("第一书记")
    screenshot(page, "work-team-detail-desktop")
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    assert horizontal_overflow(page) <= 0, "the team page scrolls sideways on a phone"
    screenshot(page, "work-team-detail-phone")

    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
    end = page.get_by_test_id("team-end-form")
    end.get_by_label("撤回日期").fill("2019-12-31")
    end.get_by_role("button", name="撤回").click()
    expect(page.get_by_test_id("team-status")).to_have_text("已撤回")
    expect(page.get_by_test_id("member-form")).to_have_count(0)
    team = WorkTeam.objects.get(dispatching_unit="区农业农村局")
    assert str(team.ends_on) == "2019-12-31" and str(team.members.get().ends_on) == "2019-12-31"
    page.goto(f"{live_server.url}/registry/work-teams/?show=all")
    expect(page.get_by_test_id("work-team-table")).to_contain_text("区农业农村局")
    assert errors == []
