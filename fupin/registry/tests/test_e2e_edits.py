"""Keeping the registry current in Chromium (issue 16), as the demo village cadre (``demo_village``): a newborn is added, this year's income
line entered, a cross-check death finding confirmed and its proposed change applied; each shows in the household
file's 变更记录, and the verdict on the file is the one recomputed from the new facts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Count, Q
from django.utils import timezone
from playwright.sync_api import Page, expect

from fupin.accounts.models import User
from fupin.assessment.models import HouseholdAssessment
from fupin.assessment.services import household_assess, work_year
from fupin.core.testing import make_id_number
from fupin.crosscheck.models import Finding
from fupin.crosscheck.services import crosscheck_run
from fupin.crosscheck.tests.conftest import load
from fupin.registry.models import Change, Household, Member
from fupin.site.demo import DEMO_PASSWORD, seed_demo
from fupin.site.reference import seed_reference
from fupin.site.tests.conftest import DESKTOP, PHONE, screenshot, sign_in
from fupin.site.tests.test_e2e_household_file import horizontal_overflow, watch_console

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(transactional_db, tmp_path, settings):
    """The demo county, and in the demo village cadre's village a registered household with an elder member whom
    the civil affairs' death list names (dying in the work year); the cross-check run's finding; the household
    assessed for the work year."""
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_reference()
    seed_demo(households=300, seed=7)
    cadre = User.objects.get(username="demo_village")
    village = cadre.active_assignments[0].area
    year = work_year()
    current = Q(members__removed_on__isnull=True)
    home = (Household.objects.filter(village=village, status__in=("registered", "exited"))
            .annotate(size=Count("members", filter=current)).filter(size__gte=2).order_by("household_no").first())
    assert home is not None, "the demo has a household of two or more in the cadre's village"
    elder = home.members.exclude(relation="head").order_by("birth_date").first()
    assert elder is not None and elder.birth_date < date(year, 1, 1)
    load(tmp_path, "DEATHS", [[elder.id_number, elder.name, f"{year}-02-10"]])
    crosscheck_run(year)
    household_assess(home, year=year, actor=None)
    finding = Finding.objects.filter(household=home, code="DECEASED_ACTIVE", id_number=elder.id_number).latest("pk")
    return home, elder, finding, year


def history_rows(page: Page):
    return page.get_by_test_id("history-table").locator("tbody tr")


def test_a_cadre_records_a_birth_an_income_and_a_death_and_sees_them_in_the_file(page: Page, live_server, world):
    home, elder, finding, year = world
    errors = watch_console(page)
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
    sign_in(page, live_server.url, "demo_village", DEMO_PASSWORD)
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
    page.get_by_label("核实情况").fill(f"入户核实：{elder.name}已于2月去世，家属确认")
    page.get_by_role("button", name="登记核实情况").click()
    page.get_by_label("属实，已整改").check()
    page.get_by_label("办结说明").fill("按自然减少办理减员")
    page.get_by_role("button", name="办结", exact=True).click()
    expect(page.get_by_test_id("finding-status")).to_have_text("已办结")
    page.goto(file_url)
    proposals = page.get_by_test_id("proposals-open")
    expect(proposals).to_contain_text(elder.name)
    screenshot(page, "edit-proposal-desktop")
    proposals.get_by_test_id("proposal-apply").first.click()
    expect(page.get_by_test_id("member-table")).not_to_contain_text(elder.masked_id)
    removal = history_rows(page).filter(has_text=elder.name).first
    expect(removal).to_contain_text("死亡")

    # The verdict shown is the one computed from the facts as they are now, never a stale one.
    expect(page.get_by_test_id("assessment-reassessing")).to_have_count(0)
    expect(page.get_by_test_id("assessment-verdict")).to_be_visible()
    home.refresh_from_db()
    latest = HouseholdAssessment.objects.filter(household=home, year=year).order_by("-pk").first()
    assert latest is not None and latest.household_version == home.version
    # Members on the work year's reference date: the deceased is counted no more; the newborn, born after that
    # date, is not counted in that year.
    members = latest.facts["members"]
    assert members == before.facts["members"] - 1
    # The work year's income line entered on the page is the one judged: (18000 + 2400 + 3600 - 900) / members.
    assert latest.per_capita_income == (Decimal("23100") / members).quantize(Decimal("0.01"))
    screenshot(page, "edit-history-desktop")
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.goto(file_url)  # as a phone opens it (the income chart is drawn for the width it is loaded at)
    expect(page.get_by_test_id("history-table")).to_be_visible()
    assert horizontal_overflow(page) <= 0, "the household file scrolls sideways on a phone"
    screenshot(page, "edit-history-phone")

    # What the pages did is in the registry, with its history and sources.
    assert Member.everyone.get(pk=elder.pk).removal_reason == "death"
    assert str(Member.everyone.get(pk=elder.pk).removed_on) == f"{year}-02-10"
    sources = set(Change.objects.filter(household=home).values_list("event", "source"))
    assert {("birth", "page"), ("income", "page"), ("removed", f"finding:{finding.pk}")} <= sources
    assert errors == []
