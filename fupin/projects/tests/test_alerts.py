"""Idle funds (账面滞留) and behind-schedule alerts fire on planted cases, not on others, at their boundaries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fupin.assessment.services import policy_version_create, work_year
from fupin.projects.models import Project
from fupin.projects.selectors import behind_schedule, idle_funds, monthly_progress
from fupin.projects.services import project_step
from fupin.projects.tests.factories import advance, allocate, days_ago, pay, proposed, unit

pytestmark = pytest.mark.usefixtures("policy")


def idle_ids() -> dict[int, Decimal]:
    return {r.project.pk: r.idle for r in idle_funds(Project.objects.all(), as_of=timezone.localdate())}


def test_idle_funds_fire_only_past_the_configured_days(areas):
    dept = unit(areas.county)
    # allocated 61 days ago, nothing spent: idle (the default is 60 days)
    planted = advance(proposed(areas.village_a1, dept, name="滞留", ago=200), "approved", shift=30)
    allocate(planted, "100000", ago=61)
    # allocated exactly 60 days ago: not yet idle
    boundary = advance(proposed(areas.village_a1, dept, name="刚满", ago=200), "approved", shift=30)
    allocate(boundary, "100000", ago=60)
    # allocated long ago and fully spent: not idle
    spent = advance(proposed(areas.village_a1, dept, name="已支出"), "started")
    allocate(spent, "100000", ago=45)
    pay(spent, "100000", ago=44)
    # allocated 70 days ago, partly spent: the rest is idle
    partly = advance(proposed(areas.village_a2, dept, name="部分", ago=200), "approved", shift=30)
    allocate(partly, "100000", ago=70)
    # money transferred to a township is not spent: still idle
    transferred = advance(proposed(areas.village_b1, dept, name="转拨", ago=200), "approved", shift=30)
    allocate(transferred, "80000", ago=65)
    for project, amount in ((partly, "30000"), (transferred, "80000")):
        project_step(project, "start", actor=None, when=days_ago(64))
        pay(project, amount, ago=5, payee="contractor" if project is partly else "transfer")
    # no allocation at all: nothing to be idle
    advance(proposed(areas.village_a1, dept, name="无资金"), "started")

    assert idle_ids() == {planted.pk: Decimal("100000.00"), partly.pk: Decimal("70000.00"),
                          transferred.pk: Decimal("80000.00")}


def test_the_idle_days_are_a_policy_parameter(areas):
    planted = advance(proposed(areas.village_a1, unit(areas.county), ago=200), "approved", shift=30)
    allocate(planted, "5000", ago=40)
    assert idle_ids() == {}
    policy_version_create(year=work_year(), values={"project_idle_days": 30}, reason="从严", actor=None, publish=True)
    assert idle_ids() == {planted.pk: Decimal("5000.00")}


def test_a_county_can_set_its_own_idle_days(areas):
    a1 = advance(proposed(areas.village_a1, unit(areas.county), ago=200), "approved", shift=30)
    b1 = advance(proposed(areas.village_b1, unit(areas.county), ago=200), "approved", shift=30)
    allocate(a1, "5000", ago=40)
    allocate(b1, "5000", ago=40)
    policy_version_create(year=work_year(), values={"project_idle_days": 30}, reason="孟庙镇从严", actor=None,
                          publish=True, region=areas.town_a)
    assert idle_ids() == {a1.pk: Decimal("5000.00")}


def test_behind_schedule_fires_after_the_planned_dates(areas):
    today = timezone.localdate()
    dept = unit(areas.county)
    late_start = advance(proposed(areas.village_a1, dept, name="未开工", planned_start=today - timedelta(days=1)),
                         "approved")
    on_time_start = advance(proposed(areas.village_a1, dept, name="今日开工", planned_start=today), "approved")
    late_end = advance(proposed(areas.village_a1, dept, name="未完工", planned_start=today - timedelta(days=90),
                                planned_end=today - timedelta(days=1)), "started")
    due_today = advance(proposed(areas.village_a1, dept, name="今日完工", planned_start=today - timedelta(days=90),
                                 planned_end=today), "started")
    done = advance(proposed(areas.village_a1, dept, name="已验收", planned_start=today - timedelta(days=90),
                            planned_end=today - timedelta(days=10)), "accepted")
    found = {(r.project.pk, r.code, r.days_late) for r in behind_schedule(Project.objects.all(), as_of=today)}
    assert found == {(late_start.pk, "DELAYED_START", 1), (late_end.pk, "DELAYED_COMPLETION", 1)}
    assert not {on_time_start.pk, due_today.pk, done.pk} & {pk for pk, _c, _d in found}


def test_a_grace_period_moves_the_boundary(areas):
    today = timezone.localdate()
    late = advance(proposed(areas.village_a1, unit(areas.county), planned_start=today - timedelta(days=3)),
                   "approved")
    policy_version_create(year=work_year(), values={"project_schedule_grace_days": 3}, reason="宽限", actor=None,
                          publish=True)
    assert behind_schedule(Project.objects.all(), as_of=today) == []
    assert [r.project.pk for r in behind_schedule(Project.objects.all(), as_of=today + timedelta(days=1))] == [late.pk]


def test_monthly_progress_counts_only_money_paid_out(areas):
    today = timezone.localdate()
    project = advance(proposed(areas.village_a1, unit(areas.county), year=today.year, ago=80), "started")
    pay(project, "1000", ago=0)
    pay(project, "500", ago=0, source="district")
    pay(project, "9999", ago=0, payee="transfer")
    progress = monthly_progress(Project.objects.all(), year=today.year, month=today.month)
    sources = {s["source"]: s for s in progress.sources}
    assert sources["central"]["month"] == Decimal("1000.00") and sources["district"]["month"] == Decimal("500.00")
    assert progress.totals["budget"] == Decimal("400000.00")
    row = progress.projects[0]
    assert row["months"][today.month - 1] == Decimal("1500.00") and row["to_date"] == Decimal("1500.00")
