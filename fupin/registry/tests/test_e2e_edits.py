"""Keeping the registry current in Chromium (issue 16), as a village cadre: a newborn is added, this year's income
line entered, a cross-check death finding confirmed and its proposed change applied; each shows in the household
file's 变更记录, and the verdict on the file is the one recomputed from the new facts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from fupin.assessment.models import HouseholdAssessment
from fupin.assessment.services import household_assess, policy_seed_defaults, work_year
from fupin.core.testing import make_household, make_id_number
from fupin.crosscheck.models import Finding
from fupin.crosscheck.services import crosscheck_run
from fupin.crosscheck.tests.conftest import load, member
from fupin.registry.models import Change, Household, IncomeRecord, Member
from fupin.site.tests.conftest import DESKTOP, PHONE, screenshot, sign_in
from fupin.site.tests.test_e2e_household_file import horizontal_overflow, watch_console

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(e2e_personas, tmp_path, settings):
    """A registered household of village a1 (head 张三, a son, the head's mother 刘氏 whom the civil affairs' death
    list names), assessed for the work year with last year's income only; the cross-check run's finding."""
    settings.MEDIA_ROOT = tmp_path / "media"
    policy_seed_defaults()
    year = work_year()
    home = make_household(e2e_personas.areas.village_a1, "H-A1-0700", main_cause="illness", identified_year=2016,
                          food_secure=True, clothing_secure=True, housing_grade="A", safe_water=True)
    IncomeRecord.objects.filter(household=home).update(year=year - 1)
    mother = member(home, "刘氏", date(1936, 2, 2), relation="mother")
    load(tmp_path, "DEATHS", [[mother.id_number, "刘氏", f"{year}-02-10"]])
    crosscheck_run(year)
    household_assess(home, year=year, actor=None)
    return home, mother, Finding.objects.get(household=home, code="DECEASED_ACTIVE"), year


def history_rows(page: Page):
    return page.get_by_test_id("history-table").locator("tbody tr")


def test_a_cadre_records_a_birth_an_income_and_a_death_and_sees_them_in_the_file(page: Page, live_server, world):
    home, mother, finding, year = world
    errors = watch_console(page)
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
    sign_in(page, live_server.url, "cadre_a1")
    file_url = f"{live_server.url}/registry/households/{home.pk}/"
    page.goto(file_url)
    expect(page.get_by_test_id("assessment-verdict")).to_be_visible()
    before = HouseholdAssessment.objects.filter(household=home, year=year).latest("pk")

    # A newborn: the ID number gives the birth date and sex; the history records the birth.
    born = timezone.localdate() - timedelta(days=30)
    page.get_by_test_id("member-add").click()
    form = page.get_by_test_id("edit-form")
    form.get_by_label("增加方式").select_option(label="新生儿")
    form.get_by_label("身份证号").fill(make_id_number(born, female=True))
    form.get_by_label("姓名").fill("张小雨")
    form.get_by_label("与户主关系").select_option(label="孙女")
    form.get_by_label("加入日期").fill(born.isoformat())
    form.get_by_label("变更原因").fill("新生儿落户")
    screenshot(page, "edit-member-add-desktop")
    page.get_by_test_id("edit-submit").click()
    expect(page.get_by_test_id("member-table")).to_contain_text("张小雨")
    expect(history_rows(page).filter(has_text="张小雨").first).to_contain_text("新生儿")

    # The work year's income line.
    page.get_by_test_id(f"income-edit-{year}").click()
    form = page.get_by_test_id("edit-form")
    for label, amount in (("工资性收入", "18000"), ("生产经营性收入", "2400"), ("财产性收入", "0"),
                          ("转移性收入", "3600"), ("生产经营性支出", "900")):
        form.get_by_label(label, exact=True).fill(amount)
    form.get_by_label("变更原因").fill("年度收入核算")
    page.get_by_test_id("edit-submit").click()
    expect(page.get_by_test_id("income-table")).to_contain_text("18,000")
    expect(history_rows(page).filter(has_text="年度收入核算").first).to_contain_text("收支情况")

    # The death list's finding, verified and confirmed by the village, offers the member's removal; applied here.
    page.goto(f"{live_server.url}/crosscheck/findings/{finding.pk}/")
    page.get_by_label("核实情况").fill("入户核实：刘氏已于2月去世，家属确认")
    page.get_by_role("button", name="登记核实情况").click()
    page.get_by_label("属实，已整改").check()
    page.get_by_label("办结说明").fill("按自然减少办理减员")
    page.get_by_role("button", name="办结", exact=True).click()
    expect(page.get_by_test_id("finding-status")).to_have_text("已办结")
    page.goto(file_url)
    proposals = page.get_by_test_id("proposals-open")
    expect(proposals).to_contain_text("刘氏")
    screenshot(page, "edit-proposal-desktop")
    proposals.get_by_test_id("proposal-apply").first.click()
    expect(page.get_by_test_id("member-table")).not_to_contain_text("刘氏")
    removal = history_rows(page).filter(has_text="刘氏").first
    expect(removal).to_contain_text("死亡")

    # The verdict shown is the one computed from the facts as they are now, never a stale one.
    expect(page.get_by_test_id("assessment-reassessing")).to_have_count(0)
    expect(page.get_by_test_id("assessment-verdict")).to_be_visible()
    home.refresh_from_db()
    latest = HouseholdAssessment.objects.filter(household=home, year=year).order_by("-pk").first()
    assert latest is not None and latest.household_version == home.version
    # Members on the work year's reference date: 张三 and his son. The deceased is counted no more (she was the
    # third before the death was applied); the newborn, born after that date, is not counted in that year.
    assert before.facts["members"] == 3 and latest.facts["members"] == 2
    # The work year's income line entered on the page is the one judged: (18000 + 2400 + 3600 - 900) / 2 members.
    assert before.per_capita_income is None and latest.per_capita_income == Decimal("11550.00")
    assert (before.income, latest.income) == ("UNKNOWN", "PASS")
    screenshot(page, "edit-history-desktop")
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.goto(file_url)  # as a phone opens it (the income chart is drawn for the width it is loaded at)
    expect(page.get_by_test_id("history-table")).to_be_visible()
    assert horizontal_overflow(page) <= 0, "the household file scrolls sideways on a phone"
    screenshot(page, "edit-history-phone")

    # What the pages did is in the registry, with its history and sources.
    assert Member.everyone.get(pk=mother.pk).removal_reason == "death"
    assert str(Member.everyone.get(pk=mother.pk).removed_on) == f"{year}-02-10"
    sources = set(Change.objects.filter(household=home).values_list("event", "source"))
    assert {("birth", "page"), ("income", "page"), ("removed", f"finding:{finding.pk}")} <= sources
    assert Household.objects.get(pk=home.pk).members.count() == 3
    assert errors == []
