"""Quality deposits (质保金): settlement retains a share of the contractor's contract, the deposit is allocated
but not spent (progress, the monthly report, not idle), it is released to the contractor by a step after the
warranty and not before, and one past its release day is flagged, and not before.

Planted on a fixed calendar in the past: proposed 5 Jan 2025, accepted 10 Mar 2025, settled 20 Mar 2025,
380 000 paid to the contractor of a 400 000 project; the shipped policy retains 5 % for twelve months, so the
deposit is 20 000 (380 000 is 95 % of a 400 000 contract) and may be released from 10 Mar 2026."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from fupin.assessment.services import policy_version_create, work_year
from fupin.core.errors import BadInput, TransitionRefused
from fupin.core.models import AuditEntry
from fupin.projects.models import Project, ProjectStep
from fupin.projects.report import monthly_report
from fupin.projects.selectors import deposits_overdue, idle_funds, monthly_progress
from fupin.projects.services import (
    StepInput,
    open_actions,
    project_propose,
    project_step,
    spending_total,
)
from fupin.projects.tests.factories import project_input, unit

pytestmark = pytest.mark.usefixtures("policy")
ACCEPTED = date(2025, 3, 10)
DUE = date(2026, 3, 10)
RELEASE = StepInput(source="central", payee_name="漯河建工", note="质保期满")


def at(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10, 0))


def accepted(areas: Any, *, name: str = "甲村道路", contractor: str = "380000", payee: str = "contractor",
             households: list[Any] | None = None, accept_on: date = ACCEPTED) -> Project:
    """A 400 000 project accepted on 10 Mar 2025 after ``contractor`` was paid (on 20 Feb)."""
    data = project_input(areas.village_a1, unit(areas.county), year=2025, name=name, planned_start=date(2025, 2, 1),
                         planned_end=date(2025, 6, 30))
    project = project_propose(data, actor=None, households=households or [], when=at(date(2025, 1, 5)))
    for action, day in (("township_review", date(2025, 1, 16)), ("county_approve", date(2025, 1, 27)),
                        ("approve", date(2025, 1, 28))):
        project_step(project, action, actor=None, when=at(day))
    project_step(project, "allocate", actor=None, when=at(date(2025, 1, 29)),
                 data=StepInput(amount="400000", source="central"))
    project_step(project, "start", actor=None, when=at(date(2025, 2, 8)))
    household = households[0] if households else None
    project_step(project, "pay", actor=None, when=at(date(2025, 2, 20)),
                 data=StepInput(amount=contractor, source="central", payee=payee, payee_name="漯河建工",
                                household=household))
    project_step(project, "accept", actor=None, when=at(accept_on))
    return project


def settled(areas: Any, **kwargs: Any) -> Project:
    project = accepted(areas, **kwargs)
    project_step(project, "settle", actor=None, when=at(date(2025, 3, 20)))
    return project


def state(project: Project) -> dict[str, Any]:
    return {"project": Project.objects.filter(pk=project.pk).values().get(),
            "steps": list(ProjectStep.objects.filter(project=project).values()), "audit": AuditEntry.objects.count()}


def refused(project: Project, day: date, data: StepInput, error: type[Exception], code: str) -> None:
    before = state(project)
    with pytest.raises(error) as info:
        project_step(project, "release", actor=None, data=data, when=at(day))
    assert getattr(info.value, "code", "") == code, info.value
    assert " / " in str(info.value), "refusals are bilingual"
    assert state(project) == before, "a refused release changed something"


def test_settlement_retains_the_deposit_which_is_not_spent(areas):
    project = settled(areas)
    assert (project.deposit, project.deposit_due) == (Decimal("20000.00"), DUE)
    settle = ProjectStep.objects.get(project=project, action="settle")
    assert settle.amount == Decimal("20000.00") and not settle.is_spending
    assert spending_total(project.pk) == Decimal("380000.00")
    entry = AuditEntry.objects.filter(object_type="projects.project", object_id=str(project.pk),
                                      action="transition").order_by("pk").last()
    assert entry is not None and entry.changes["deposit"] == [None, "20000.00"]  # the core audits null as null


def test_the_deposit_is_released_to_the_contractor_on_its_day_and_not_before(areas, personas):
    project = settled(areas)
    assert [t.action for t in open_actions(personas.officer, project)] == ["release"]
    assert open_actions(personas.department, project) == [], "the unit does not pay"
    refused(project, date(2025, 3, 21), RELEASE, TransitionRefused, "DEPOSIT_NOT_DUE")
    refused(project, date(2026, 3, 9), RELEASE, TransitionRefused, "DEPOSIT_NOT_DUE")  # the warranty's last day
    step = project_step(project, "release", actor=None, data=RELEASE, when=at(DUE))
    assert (step.amount, step.payee, step.source, step.on, step.is_spending) == (
        Decimal("20000.00"), "contractor", "central", DUE, True)
    assert spending_total(project.pk) == Decimal("400000.00") and project.status == "settled"
    assert open_actions(personas.officer, project) == []
    refused(project, date(2026, 3, 11), RELEASE, TransitionRefused, "DEPOSIT_RELEASED")


def test_the_release_pays_exactly_the_deposit_and_the_database_holds_it(areas):
    project = settled(areas)
    refused(project, DUE, StepInput(amount="19999", source="central", payee_name="漯河建工"), BadInput,
            "DEPOSIT_AMOUNT")
    refused(project, DUE, StepInput(payee_name="漯河建工"), BadInput, "BAD_INPUT")  # no fund source
    refused(project, DUE, StepInput(source="central"), BadInput, "BAD_INPUT")  # no contractor named
    refused(project, DUE, StepInput(source="central", payee="beneficiary", payee_name="x"), BadInput, "BAD_INPUT")
    project_step(project, "release", actor=None, when=at(DUE),
                 data=StepInput(amount="20000.00", source="central", payee_name="漯河建工"))
    for payee in ("contractor", "beneficiary"):  # a second release; a release to anyone but the contractor
        with pytest.raises(IntegrityError), transaction.atomic():
            ProjectStep.objects.create(project=project, action="release", from_state="settled", to_state="settled",
                                       on=DUE, amount=1, source="central", payee=payee)
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(deposit_due=None)


def test_no_contractor_no_deposit(areas, households):
    project = settled(areas, contractor="150000", payee="beneficiary", households=[households["a1"]])
    assert (project.deposit, project.deposit_due) == (None, None)
    assert ProjectStep.objects.get(project=project, action="settle").amount is None
    assert open_actions(None, project) == []
    refused(project, DUE, RELEASE, TransitionRefused, "NO_DEPOSIT")


def test_the_share_and_the_warranty_are_policy_parameters(areas):
    policy_version_create(year=work_year(), values={"project_deposit_ratio": "0.03", "project_deposit_months": 24},
                          reason="本县质保金 3%，质保期两年", actor=None, publish=True)
    project = settled(areas)
    assert project.deposit == Decimal("11752.58")  # 380 000 × 3 / 97
    assert project.deposit_due == ACCEPTED + relativedelta(months=24) == date(2027, 3, 10)


def test_settlement_is_refused_when_the_deposit_would_pass_the_overspend_limit(areas):
    project = accepted(areas, contractor="430000")  # 430 000 paid of 400 000 approved: within 10 %
    before = state(project)
    with pytest.raises(TransitionRefused) as info:
        project_step(project, "settle", actor=None, when=at(date(2025, 3, 20)))
    assert info.value.code == "OVERSPEND" and "22,631.58" in info.value.message  # 430 000 × 5 / 95
    assert state(project) == before


def test_the_warranty_ends_on_the_acceptance_day_or_the_shorter_month_s_last(areas):
    policy_version_create(year=work_year(), values={"project_deposit_months": 11},
                          reason="质保期十一个月", actor=None, publish=True)
    project = accepted(areas, accept_on=date(2025, 3, 31))
    project_step(project, "settle", actor=None, when=at(date(2025, 4, 2)))
    project.refresh_from_db()
    assert project.deposit_due == date(2026, 2, 28)  # 31 Mar + 11 months: February has no 31st


def test_a_deposit_past_its_day_is_flagged_and_not_before(areas):
    held = settled(areas, name="留存")
    released = settled(areas, name="已返还")
    project_step(released, "release", actor=None, data=RELEASE, when=at(date(2026, 3, 12)))
    accepted(areas, name="未报账")  # accepted, never settled: no deposit retained
    projects = Project.objects.all()

    def flagged(day: date) -> dict[str, int]:
        return {d.project.name: d.days_late for d in deposits_overdue(projects, as_of=day)}

    assert flagged(date(2025, 3, 19)) == {} and flagged(DUE) == {}
    assert flagged(date(2026, 3, 11)) == {"留存": 1, "已返还": 1}  # released the day after
    assert flagged(date(2026, 3, 12)) == {"留存": 2}
    assert [d.project for d in deposits_overdue(projects)] == [held]  # today


def test_the_alert_reaches_the_api_the_page_and_the_report(areas, personas):
    settled(areas, name="留存")
    client = Client()
    client.force_login(personas.officer)
    alerts = client.get("/api/v1/projects/alerts?as_of=2026-03-11").json()
    assert alerts["deposits_overdue"] == [{"project_id": Project.objects.get().pk, "name": "留存",
                                           "deposit": "20000.00", "due": "2026-03-10", "days_late": 1}]
    assert client.get("/api/v1/projects/alerts?as_of=2026-03-10").json()["deposits_overdue"] == []
    page = client.get("/projects/progress/?year=2025&month=12").content.decode()
    deposit_table = page[page.index('data-testid="deposit-table"'):]
    assert "留存" in deposit_table and "20,000.00" in deposit_table
    assert client.get("/projects/").context["deposit_count"] == 1
    book = load_workbook(io.BytesIO(monthly_report(Project.objects.all(), year=2025, month=12, unit="郾城区",
                                                   as_of=date(2026, 3, 11))))
    warnings = [row for row in book["预警"].iter_rows(values_only=True) if row[0] == "质保金逾期未返还"]
    assert len(warnings) == 1 and "20,000.00" in warnings[0][5]


def test_a_held_deposit_is_allocated_but_not_spent_and_not_idle(areas, personas):
    project = settled(areas, name="留存")
    unsettled = accepted(areas, name="未报账")  # the same money, not settled: 20 000 allocated, not spent
    march = monthly_progress(Project.objects.all(), year=2025, month=3)
    rows = {r["project"].name: r for r in march.projects}
    assert (rows["留存"]["deposit"], rows["留存"]["to_date"], rows["留存"]["allocated"]) == (
        Decimal("20000.00"), Decimal("380000.00"), Decimal("400000.00"))
    assert rows["未报账"]["deposit"] == 0 and march.totals["deposit"] == Decimal("20000.00")
    february = monthly_progress(Project.objects.all(), year=2025, month=2)
    assert february.totals["deposit"] == 0, "nothing was retained before the settlement"
    idle = {i.project.name: i.idle for i in idle_funds(Project.objects.all(), as_of=date(2025, 6, 1))}
    assert idle == {"未报账": Decimal("20000.00")}, "a retained deposit is withheld by contract, not idle"
    project_step(project, "release", actor=None, data=RELEASE, when=at(DUE))
    assert idle_funds(Project.objects.filter(pk=project.pk), as_of=date(2026, 6, 1)) == []
    assert unsettled.deposit is None

    client = Client()
    client.force_login(personas.officer)
    progress = client.get("/api/v1/projects/progress?year=2025&month=3").json()
    assert progress["deposit_total"] == "20000.00"
    assert {p["name"]: p["deposit"] for p in progress["projects"]} == {"留存": "20000.00", "未报账": "0.00"}
    response = client.get("/projects/progress/report/?year=2025&month=3")
    book = load_workbook(io.BytesIO(response.content))
    header = next(r for r in book["项目明细"].iter_rows(values_only=True) if r[0] == "项目编号")
    column = header.index("质保金(未支出)(元)")
    detail = {r[1]: r for r in book["项目明细"].iter_rows(values_only=True) if r[0] and str(r[0]).startswith("XM")}
    assert (detail["留存"][column], detail["留存"][9]) == (20000.0, 380000.0)
    total = next(r for r in book["资金来源汇总"].iter_rows(values_only=True) if r[0] and str(r[0]).startswith("质保金"))
    assert total[3] == 20000.0


def test_the_funds_officer_releases_it_on_the_project_page(areas, personas):
    project = settled(areas)
    client = Client()
    client.force_login(personas.officer)
    page = client.get(f"/projects/{project.pk}/").content.decode()
    assert "20,000.00" in page and "2026-03-10 起可返还" in page
    assert f'action="/projects/{project.pk}/release/"' in page and "留质保金" in page
    response = client.post(f"/projects/{project.pk}/release/", {"source": "central", "payee_name": "漯河建工"},
                           follow=True)
    assert "已办理：质保金返还" in response.content.decode()
    released_on = timezone.localdate().strftime("%Y-%m-%d")
    assert f"已于 {released_on} 返还" in response.content.decode()
    assert f'action="/projects/{project.pk}/release/"' not in response.content.decode()
    department = Client()
    department.force_login(personas.department)
    before = state(project)
    assert department.post(f"/projects/{project.pk}/release/", {"source": "central", "payee_name": "x"}).status_code \
        == 403
    assert state(project) == before
