"""Monitoring in Chromium: a village cadre follows an alert from the inbox to the case and records
the home visit (入户核实); the officer's overview by township; at desktop and phone widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from fupin.assessment.services import work_year
from fupin.monitoring.models import MonitoringCase
from fupin.monitoring.services import monitor_county
from fupin.monitoring.tests.conftest import household, income
from fupin.site.tests.conftest import DESKTOP, PHONE, screenshot, sign_in
from fupin.site.tests.test_e2e_household_file import horizontal_overflow, watch_console

pytestmark = pytest.mark.e2e


@pytest.fixture
def monitored(e2e_personas):
    year = work_year()
    edge = household(e2e_personas.areas.village_a1, status=None)
    income(edge, year, "2000.00")  # 1,000 a head: below the monitoring line
    edge.household_no = "M-A1-0001"
    edge.save(update_fields=["household_no"])
    other = household(e2e_personas.areas.village_b1, safe_water=False)
    other.household_no = "M-B1-0001"
    other.save(update_fields=["household_no"])
    monitor_county(year)
    return e2e_personas


def test_a_cadre_follows_an_alert_and_records_the_visit(page: Page, live_server, monitored):
    errors = watch_console(page)
    sign_in(page, live_server.url, "cadre_a1")
    for width_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)  # type: ignore[arg-type]
        page.goto(live_server.url + "/monitoring/")
        expect(page.get_by_test_id("total-EDGE")).to_have_text("1")
        expect(page.get_by_test_id("area-table")).to_contain_text("孟庙镇")
        expect(page.get_by_test_id("area-table")).not_to_contain_text("商桥镇")
        screenshot(page, f"monitoring-overview-{width_name}")
        page.goto(live_server.url + "/monitoring/results/?risk=INCOME_BELOW_LINE")
        expect(page.get_by_test_id("result-table")).to_contain_text("M-A1-0001")
        expect(page.get_by_test_id("result-table")).to_contain_text("收入低于监测线")
        expect(page.get_by_test_id("inbox-unread")).to_have_text("1")  # visible on a phone too
        screenshot(page, f"monitoring-results-{width_name}")
        if width_name == "phone":
            assert horizontal_overflow(page) <= 0, "the results page scrolls sideways on a phone"

    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
    page.get_by_test_id("inbox-link").click()
    expect(page.get_by_test_id("inbox")).to_contain_text("M-A1-0001")
    screenshot(page, "monitoring-inbox-desktop")
    page.get_by_test_id("inbox").get_by_role("button").first.click()
    expect(page.get_by_test_id("inbox-unread")).to_have_count(0)  # read now
    expect(page.get_by_test_id("case-table")).to_contain_text("M-A1-0001")
    page.get_by_role("link", name="M-A1-0001").click()
    expect(page.get_by_test_id("case-step")).to_have_text("发现预警")

    page.get_by_test_id("action-verify").locator("xpath=..").get_by_label("说明").fill("入户核实：家庭收入确实下降")
    page.get_by_test_id("action-verify").click()
    expect(page.get_by_test_id("case-step")).to_have_text("入户核实")
    expect(page.get_by_test_id("case-timeline")).to_contain_text("入户核实：家庭收入确实下降")
    expect(page.get_by_test_id("action-identify")).to_have_count(0)  # 认定 is the township's
    screenshot(page, "monitoring-case-desktop")
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.reload()
    assert horizontal_overflow(page) <= 0, "the case page scrolls sideways on a phone"
    screenshot(page, "monitoring-case-phone")
    assert MonitoringCase.objects.get(household__household_no="M-A1-0001").step == "verified"
    assert errors == []
