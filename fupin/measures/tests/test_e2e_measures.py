"""The measures pages in Chromium: a village cadre records a measure, accepts a suggestion and
redeems 爱心超市 points, at desktop and phone widths (screenshots in test-artifacts/screenshots)."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from fupin.assessment.services import policy_seed_defaults
from fupin.core.testing import make_household
from fupin.measures.models import Measure, PointEntry
from fupin.measures.services import balance_of, programmes_seed
from fupin.measures.tests.conftest import add_member
from fupin.site.tests.conftest import DESKTOP, PHONE, screenshot, sign_in
from fupin.site.tests.test_e2e_household_file import horizontal_overflow, watch_console

pytestmark = pytest.mark.e2e


@pytest.fixture
def household(e2e_personas):
    programmes_seed()  # transactional tests start from empty tables
    policy_seed_defaults()
    h = make_household(e2e_personas.areas.village_a1, "H-A1-0201", main_cause="no_capital", housing_grade="B")
    add_member(h, "陈高", date(2003, 5, 1), schooling="senior")
    return h


@pytest.mark.parametrize(("width", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_a_cadre_records_accepts_and_redeems(page: Page, live_server, household, width, viewport):
    errors = watch_console(page)
    page.set_viewport_size(viewport)  # type: ignore[arg-type]
    sign_in(page, live_server.url, "cadre_a1")
    page.goto(f"{live_server.url}/measures/")
    page.goto(f"{live_server.url}/measures/households/{household.pk}/")
    expect(page.get_by_test_id("suggestions")).to_contain_text("扶贫小额信贷")
    screenshot(page, f"measures-household-{width}")

    form = page.get_by_test_id("record-form")
    form.get_by_label("帮扶项目").select_option("micro_credit")
    form.get_by_label("金额(元)").fill("20000")
    form.get_by_label("佐证说明").fill("贷款合同 2026-001")
    form.get_by_test_id("record-submit").click()
    expect(page.locator(".messages")).to_contain_text("已记录帮扶措施")
    expect(page.get_by_test_id("household-measures")).to_contain_text("贷款合同 2026-001")

    page.get_by_test_id("accept-industry_linkage").click()
    expect(page.locator(".messages")).to_contain_text("已采纳建议")
    expect(page.get_by_test_id("household-measures")).to_contain_text("带贫主体利益联结")
    expect(page.get_by_test_id("accept-industry_linkage")).to_have_count(0)

    earn = page.get_by_test_id("earn-form")
    earn.get_by_label("积分事项").select_option("industry")
    earn.get_by_role("button").click()
    expect(page.get_by_test_id("points-balance")).to_have_text("10")
    redeem = page.get_by_test_id("redeem-form")
    redeem.get_by_label("兑换物品").fill("食用油")
    redeem.get_by_label("兑换积分").fill("8")
    redeem.get_by_role("button").click()
    expect(page.get_by_test_id("points-balance")).to_have_text("2")
    redeem = page.get_by_test_id("redeem-form")
    redeem.get_by_label("兑换物品").fill("大米")
    redeem.get_by_label("兑换积分").fill("5")
    redeem.get_by_role("button").click()
    expect(page.locator(".messages")).to_contain_text("积分不足")
    expect(page.get_by_test_id("points-balance")).to_have_text("2")
    if width == "phone":
        assert horizontal_overflow(page) <= 0, "the household's measures page scrolls sideways on a phone"
    screenshot(page, f"measures-household-done-{width}")

    for name, path in (("list", "/measures/"), ("coverage", "/measures/coverage/"), ("points", "/measures/points/"),
                       ("suggestions", "/measures/suggestions/")):
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        if width == "phone":
            assert horizontal_overflow(page) <= 0, f"{path} scrolls sideways on a phone"
        screenshot(page, f"measures-{name}-{width}")
    assert set(Measure.objects.values_list("programme__code", "source")) == {
        ("micro_credit", "manual"), ("industry_linkage", "suggestion")}
    assert balance_of(household) == 2 and PointEntry.objects.count() == 2
    assert errors == []
