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

pytestmark = pytest.mark.e2e


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


def test_the_office_creates_a_plan_adds_a_measure_and_a_task_and_sees_them_listed(page: Page, live_server,
                                                                                e2e_personas, plan):
    errors = watch_console(page)
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
    sign_in(page, live_server.url, "officer")
    page.goto(f"{live_server.url}/plan/plans/")
    page.get_by_test_id("plan-new").click()
    form = page.get_by_test_id("plan-form")
    form.get_by_label("规划名称").fill("巩固拓展脱贫攻坚成果三年行动方案")
    form.get_by_label("规划代码").fill("consolidation-2021")
    form.get_by_label("起始年度").fill("2021")
    form.get_by_label("截止年度").fill("2023")
    form.get_by_label("印发单位").fill("郾城区委农办")
    form.get_by_role("button", name="建立规划").click()
    expect(page.get_by_test_id("manage-table")).to_contain_text("尚无举措")

    page.get_by_test_id("measure-new").click()
    form = page.get_by_test_id("measure-form")
    form.get_by_label("编号").fill("1")
    form.get_by_label("举措", exact=True).fill("产业帮扶")
    form.get_by_role("group", name="牵头责任单位").get_by_label("区教体局").check()
    form.get_by_role("group", name="协同责任单位").get_by_label("区教体局").check()  # a mistake: both roles
    form.get_by_role("button", name="保存举措").click()
    expect(page.get_by_test_id("measure-form")).to_contain_text("“区教体局”不能同时是牵头单位和协同单位")
    form = page.get_by_test_id("measure-form")
    form.get_by_role("group", name="协同责任单位").get_by_label("区教体局").uncheck()
    form.get_by_role("group", name="协同责任单位").get_by_label("孟庙镇").check()
    screenshot(page, "plan-measure-form-desktop")
    form.get_by_role("button", name="保存举措").click()
    expect(page.locator("tr[data-measure='1']")).to_contain_text("区教体局")

    page.get_by_test_id("task-new-1").click()
    form = page.get_by_test_id("task-form")
    expect(form.get_by_label("任务编号")).to_have_value("1-1")
    form.get_by_label("任务", exact=True).fill("每个脱贫村都有主导产业")
    form.get_by_label("目标").fill("覆盖全部脱贫村")
    form.get_by_label("完成时限").fill("2024-06-30")  # after the plan's years
    form.get_by_label("牵头单位").select_option(label="区教体局")
    form.get_by_role("group", name="协同单位").get_by_label("区水利局").check()
    form.get_by_role("button", name="保存任务").click()
    expect(page.get_by_test_id("task-form")).to_contain_text("不在规划期（2021—2023 年）内")
    page.get_by_test_id("task-form").get_by_label("完成时限").fill("2022-12-31")
    page.get_by_test_id("task-form").get_by_role("button", name="保存任务").click()
    task = page.locator("tr[data-measure='1'] [data-task='1-1']")
    expect(task).to_contain_text("每个脱贫村都有主导产业")
    expect(task).to_contain_text("目标：覆盖全部脱贫村")
    expect(task).to_contain_text("区水利局")
    screenshot(page, "plan-manage-desktop")

    page.goto(f"{live_server.url}/plan/plans/")
    row = page.get_by_test_id("plan-table").locator("tr[data-plan='consolidation-2021']")
    expect(row).to_contain_text("2021—2023")
    row.get_by_role("link", name="巩固拓展脱贫攻坚成果三年行动方案").click()
    expect(page.get_by_test_id("measure-table")).to_contain_text("产业帮扶")
    expect(page.get_by_test_id("measure-table")).to_contain_text("每个脱贫村都有主导产业")
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.goto(f"{live_server.url}/plan/plans/consolidation-2021/")
    assert horizontal_overflow(page) <= 0, "the plan's edit page scrolls sideways on a phone"
    screenshot(page, "plan-manage-phone")
    # The two refused forms came back with their errors as 400s; nothing else went wrong.
    assert [e for e in errors if "status of 400" not in e] == [] and len(errors) == 2
