"""The household workflow in a real browser: a cadre applies and reviews, the notice goes up, an objection."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from fupin.core.testing import make_household
from fupin.site.tests.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n%%EOF\n"


def test_a_cadre_takes_a_household_to_its_village_notice_and_records_an_objection(page, live_server, e2e_personas):
    candidate = make_household(e2e_personas.areas.village_a1, "H-A1-0100", status=None)
    sign_in(page, live_server.url, "cadre_a1")
    page.goto(f"{live_server.url}/registry/households/{candidate.pk}/")
    expect(page.get_by_test_id("workflow-status")).to_contain_text("非贫困户")

    page.locator('details[data-action="apply"] summary').click()
    form = page.locator('details[data-action="apply"] form')
    form.locator("textarea[name=note]").fill("户主书面申请")
    form.locator("input[name=files]").set_input_files(
        [{"name": "申请书.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    form.get_by_role("button", name="提交：农户申请").click()
    expect(page.locator(".messages")).to_contain_text("已办理：农户申请")
    expect(page.get_by_test_id("workflow-status")).to_contain_text("申请")
    expect(page.get_by_test_id("workflow-timeline")).to_contain_text("申请书.pdf")

    page.locator('details[data-action="village_review"] summary').click()
    page.get_by_role("button", name="提交：村级评议并公示").click()
    expect(page.get_by_test_id("workflow-status")).to_contain_text("村级评议")
    screenshot(page, "workflow-household-village-reviewed")

    page.goto(f"{live_server.url}/notices/")
    table = page.get_by_test_id("notice-table")
    expect(table).to_contain_text("识别村级公示")
    expect(table).to_contain_text("公示中")
    table.get_by_role("link").first.click()
    page.locator("textarea[name=text]").fill("该户有家庭成员在县城经商")
    page.get_by_role("button", name="登记异议").click()
    expect(page.get_by_test_id("objections")).to_contain_text("该户有家庭成员在县城经商")
    expect(page.get_by_test_id("objections")).to_contain_text("待处理")
    screenshot(page, "workflow-notice-objection")
