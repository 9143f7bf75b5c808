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


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 768}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_a_step_taken_meanwhile_in_another_tab_gets_the_refused_page_and_changes_nothing(
        page, live_server, e2e_personas, viewport):
    """Two tabs on one household: the application is made in the first; the second, still showing a
    candidate, is answered with the platform's 409 page (the viewer's language, a way back), and no second
    step is written."""
    from fupin.workflow.models import HouseholdTransition

    candidate = make_household(e2e_personas.areas.village_a1, "H-A1-0200", status=None)
    page.set_viewport_size(viewport)
    sign_in(page, live_server.url, "cadre_a1")
    url = f"{live_server.url}/registry/households/{candidate.pk}/"
    page.goto(url)
    other = page.context.new_page()
    other.set_viewport_size(viewport)
    other.goto(url)

    page.locator('details[data-action="apply"] summary').click()
    page.locator('details[data-action="apply"] form textarea[name=note]').fill("户主书面申请")
    page.get_by_role("button", name="提交：农户申请").click()
    expect(page.get_by_test_id("workflow-status")).to_contain_text("申请")

    other.locator('details[data-action="apply"] summary').click()
    other.locator('details[data-action="apply"] form textarea[name=note]').fill("重复提交")
    with other.expect_response(lambda r: r.request.method == "POST") as posted:
        other.get_by_role("button", name="提交：农户申请").click()
    assert posted.value.status == 409
    assert posted.value.headers["x-fupin-error"] == "CONCURRENT_CHANGE"
    refused = other.get_by_test_id("refused")
    expect(refused).to_contain_text("数据已被他人更改")
    expect(refused).to_contain_text("本次操作没有作任何更改")
    expect(refused.get_by_role("link", name="返回上一页")).to_have_attribute("href", url)
    screenshot(other, f"workflow-refused-{viewport['width']}")
    assert HouseholdTransition.objects.filter(household=candidate).count() == 1
