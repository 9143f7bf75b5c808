"""The cross-check in Chromium: an officer uploads a department list, runs the cross-check, sees the
finding; the village cadre verifies and closes it with a disposition. Desktop and phone widths."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from fupin.assessment.services import policy_seed_defaults, work_year
from fupin.crosscheck.models import Finding
from fupin.crosscheck.tests.conftest import household, member, write_list
from fupin.site.tests.conftest import DESKTOP, PHONE, screenshot, sign_in
from fupin.site.tests.test_e2e_household_file import horizontal_overflow, watch_console

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(e2e_personas, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    policy_seed_defaults()
    hh = household(e2e_personas.areas.village_a1, no="H-A1-0500")
    head = member(hh, "王老汉", date(1938, 4, 4))
    year = work_year()
    csv_file = write_list(tmp_path / "公安死亡名单.csv", "DEATHS", [[head.id_number.lower(), "王老汉", f"{year}-03-15"]])
    return e2e_personas, csv_file, head


def _check_phone(page: Page, name: str) -> None:
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    assert horizontal_overflow(page) <= 0, f"{name} scrolls sideways on a phone"
    screenshot(page, f"crosscheck-{name}-phone")
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]


def test_upload_a_list_see_the_finding_and_close_it_with_a_disposition(page: Page, live_server, world):
    _personas, csv_file, head = world
    errors = watch_console(page)
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
    sign_in(page, live_server.url, "officer")
    page.goto(f"{live_server.url}/crosscheck/upload/")
    page.get_by_label("名单").select_option("DEATHS")
    page.get_by_label("选择文件").set_input_files(str(csv_file))
    screenshot(page, "crosscheck-upload-desktop")
    _check_phone(page, "upload")
    page.get_by_role("button", name="开始导入").click()
    expect(page.get_by_test_id("load-outcome")).to_contain_text("已导入 1 行")
    screenshot(page, "crosscheck-load-desktop")

    page.goto(f"{live_server.url}/crosscheck/")
    page.get_by_test_id("run-button").click()
    page.goto(f"{live_server.url}/crosscheck/")
    expect(page.get_by_test_id("run-summary")).to_contain_text("发现 1 条")
    screenshot(page, "crosscheck-overview-desktop")
    _check_phone(page, "overview")

    page.context.clear_cookies()
    sign_in(page, live_server.url, "cadre_a1")
    page.goto(f"{live_server.url}/crosscheck/findings/")
    row = page.get_by_test_id("finding-table").locator("tr[data-code=DECEASED_ACTIVE]")
    expect(row).to_contain_text("H-A1-0500")
    expect(row).to_contain_text("死亡日期")
    screenshot(page, "crosscheck-findings-desktop")
    _check_phone(page, "findings")
    row.get_by_role("link").first.click()
    page.get_by_label("核实情况").fill("入户核实：王老汉已于3月去世，家属确认")
    page.get_by_role("button", name="登记核实情况").click()
    expect(page.get_by_test_id("finding-status")).to_have_text("已核实")
    page.get_by_label("属实，已整改").check()
    page.get_by_label("办结说明").fill("已按自然减少办理减员")
    screenshot(page, "crosscheck-finding-desktop")
    _check_phone(page, "finding")
    page.get_by_role("button", name="办结", exact=True).click()
    expect(page.get_by_test_id("finding-status")).to_have_text("已办结")
    expect(page.get_by_test_id("finding-disposition")).to_contain_text("属实，已整改：已按自然减少办理减员")
    finding = Finding.objects.get(id_number=head.id_number)
    assert finding.closed_by is not None and finding.closed_by.username == "cadre_a1"
    assert (finding.status, finding.disposition) == ("closed", "confirmed")

    page.goto(f"{live_server.url}/crosscheck/trends/")
    expect(page.get_by_test_id("trend-table")).to_contain_text("孟庙镇")
    screenshot(page, "crosscheck-trends-desktop")
    _check_phone(page, "trends")
    assert errors == []
    assert Path(csv_file).is_file()
