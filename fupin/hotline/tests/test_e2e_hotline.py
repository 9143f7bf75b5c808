"""In Chromium: a member of the public submits a complaint without an account and gets a tracking code, the
unit answers it, and the public status page shows the answer; at desktop (1366x768) and phone (390) widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from fupin.hotline.models import Ticket
from fupin.site.tests.conftest import DESKTOP, PHONE, screenshot, sign_in
from fupin.site.tests.test_e2e_household_file import horizontal_overflow, watch_console

pytestmark = pytest.mark.e2e
COMPLAINT = "我家孩子上学期的教育资助到现在还没收到，请帮忙查一下。"
ANSWER = "经核实，教育资助已于本周补发到您的一卡通，请查收。"


def track(page: Page, base: str, code: str) -> None:
    page.goto(f"{base}/public/hotline/track/")
    page.get_by_label("查询码").fill(code)
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state()


def test_the_public_submits_the_unit_answers_and_the_public_page_shows_the_answer(page: Page, live_server,
                                                                                   e2e_personas):
    errors = watch_console(page)
    base = live_server.url
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)  # type: ignore[arg-type]
        page.goto(f"{base}/public/hotline/")
        assert horizontal_overflow(page) <= 0, f"the public form scrolls sideways ({name})"
        screenshot(page, f"hotline-public-form-{name}")

    # A member of the public, on a phone, without an account.
    page.get_by_label("问题类别").select_option("benefit")
    page.get_by_label("所在乡镇或村").select_option("411103101201")
    page.get_by_label("您的诉求").fill(COMPLAINT)
    page.get_by_label("联系电话（可不填，便于回访）").fill("13912345678")
    page.get_by_role("button", name="提交").click()
    code_box = page.get_by_test_id("tracking-code")
    expect(code_box).to_be_visible()
    code = code_box.inner_text().strip()
    assert code == Ticket.objects.get().tracking_code and len(code) == 19
    assert horizontal_overflow(page) <= 0
    screenshot(page, "hotline-public-code-phone")
    track(page, base, code)
    expect(page.get_by_test_id("public-state")).to_have_text("办理中")
    screenshot(page, "hotline-public-track-open-phone")

    # The unit (here the district office, the default unit) answers, at a desk.
    context = page.context.browser.new_context(viewport=DESKTOP, locale="zh-CN")  # type: ignore[union-attr,arg-type]
    staff = context.new_page()
    staff_errors = watch_console(staff)
    sign_in(staff, base, "officer")
    staff.goto(f"{base}/hotline/")
    staff.get_by_role("link", name=Ticket.objects.get().reference).click()
    expect(staff.get_by_text(COMPLAINT, exact=True)).to_be_visible()
    staff.get_by_label("答复群众").fill(ANSWER)
    staff.get_by_role("button", name="答复", exact=True).click()
    expect(staff.get_by_test_id("ticket-status")).to_have_text("已答复待回访")
    expect(staff.get_by_test_id("ticket-steps")).to_contain_text("答复")
    screenshot(staff, "hotline-ticket-answered-desktop")
    context.close()

    # The public page shows the answer, at both widths, and nothing of the caller.
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)  # type: ignore[arg-type]
        track(page, base, code.lower())
        expect(page.get_by_test_id("public-reply")).to_have_text(ANSWER)
        expect(page.get_by_test_id("public-state")).to_have_text("已答复待回访")
        assert "13912345678" not in page.content() and COMPLAINT not in page.content()
        assert horizontal_overflow(page) <= 0
        screenshot(page, f"hotline-public-answer-{name}")
    assert errors == [] and staff_errors == []
