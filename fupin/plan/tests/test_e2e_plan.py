"""The plan in Chromium: a department files its quarterly report; the district office sees the late units."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from fupin.plan.models import ProgressReport, Task, Unit
from fupin.plan.seed import plan_seed
from fupin.plan.tests.conftest import SMALL_PLAN
from fupin.site.tests.conftest import DESKTOP, PHONE, screenshot, sign_in
from fupin.site.tests.test_e2e_household_file import horizontal_overflow, watch_console

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]


@pytest.fixture
def plan(e2e_personas, tmp_path: Path):
    source = tmp_path / "plan.yaml"
    source.write_text(SMALL_PLAN, encoding="utf-8")
    return plan_seed(e2e_personas.areas.county, source).plan


def test_a_unit_files_its_quarterly_report_and_the_office_sees_who_is_late(page: Page, live_server, e2e_personas,
                                                                        plan):
    errors = watch_console(page)
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
    sign_in(page, live_server.url, "dept")
    page.goto(f"{live_server.url}/plan/")
    expect(page.get_by_test_id("measure-table")).to_contain_text("教育脱贫")
    screenshot(page, "plan-overview-desktop")
    page.goto(f"{live_server.url}/plan/units/")
    page.get_by_role("link", name="区教体局").click()
    expect(page.get_by_test_id("obligations").locator("tr[data-period='2018-Q1']")).to_contain_text("逾期未报")
    page.get_by_test_id("file-2018-Q1").click()
    form = page.get_by_test_id("report-form")
    form.get_by_label("工作进展").fill("一季度开展控辍保学专项行动")
    task = Task.objects.get(plan=plan, title="控辍保学")
    line = form.locator(f"[data-task='{task.pk}']")
    line.get_by_label("进展情况").fill("劝返 3 人")
    line.get_by_label("完成进度（%）").fill("100")
    line.get_by_label("已完成").check()
    screenshot(page, "plan-report-form-desktop")
    form.get_by_role("button", name="报送").click()
    expect(page.get_by_test_id("report")).to_contain_text("一季度开展控辍保学专项行动")
    report = ProgressReport.objects.get(unit__department__code="education")
    assert (report.year, report.period) == (2018, "Q1")
    assert Task.objects.get(pk=task.pk).status == "done"

    page.get_by_role("button", name="退出").click()
    sign_in(page, live_server.url, "officer")
    page.goto(f"{live_server.url}/plan/units/")
    table = page.get_by_test_id("unit-table")
    expect(page.get_by_test_id("late-summary")).to_contain_text("4 个单位有逾期未报的进展报告")
    for name in ("孟庙镇", "商桥镇", "区水利局"):
        expect(table.locator(f"tr[data-unit='{name}']")).to_have_class("late-row")
        expect(table.locator(f"tr[data-unit='{name}'] td").nth(3)).to_contain_text("8")
    expect(table.locator("tr[data-unit='区教体局'] td").nth(2)).to_have_text("1")  # the report just filed
    screenshot(page, "plan-units-desktop")
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    assert horizontal_overflow(page) <= 0, "the units page scrolls sideways on a phone"
    screenshot(page, "plan-units-phone")
    assert Unit.objects.filter(kind="township").count() == 2
    assert errors == []


def test_an_inspection_finding_is_rectified_and_verified(page: Page, live_server, e2e_personas, plan):
    errors = watch_console(page)
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
    sign_in(page, live_server.url, "officer")
    page.goto(f"{live_server.url}/plan/inspections/")
    page.get_by_test_id("inspection-new").click()
    form = page.get_by_test_id("inspection-form")
    form.get_by_label("督查事项").fill("二季度脱贫攻坚暗访")
    form.get_by_label("督查范围").select_option(label="郾城区")
    form.get_by_label("督查日期").fill("2018-06-05")
    row = form.locator("[data-row='0']")
    row.get_by_label("整改单位").select_option(label="孟庙镇")
    row.get_by_label("发现问题").fill("危房改造台账不全")
    row.get_by_label("整改时限").fill("2018-06-30")
    screenshot(page, "plan-inspection-form-desktop")
    form.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("finding")).to_contain_text("待整改")
    inspection_url = page.url
    page.get_by_role("button", name="退出").click()

    sign_in(page, live_server.url, "township_a")
    page.goto(f"{live_server.url}/plan/units/")
    page.get_by_role("link", name="孟庙镇").click()
    finding = page.get_by_test_id("unit-findings").get_by_test_id("finding")
    expect(finding).to_contain_text("逾期未整改")  # the deadline passed long ago
    finding.get_by_label("整改情况").fill("已补齐 12 户危房改造台账")
    finding.get_by_role("button", name="报送整改").click()
    expect(page.get_by_test_id("unit-findings")).to_contain_text("已整改待核验")
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    assert horizontal_overflow(page) <= 0
    screenshot(page, "plan-unit-finding-phone")
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
    page.get_by_role("button", name="退出").click()

    sign_in(page, live_server.url, "officer")
    page.goto(inspection_url)
    verify = page.get_by_test_id("verify-form")
    verify.get_by_label("核验意见").fill("现场核验属实")
    verify.get_by_role("button", name="提交核验").click()
    expect(page.get_by_test_id("finding")).to_contain_text("核验通过")
    screenshot(page, "plan-inspection-verified-desktop")
    assert errors == []
