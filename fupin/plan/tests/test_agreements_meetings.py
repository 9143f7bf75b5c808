"""Responsibility agreements, the quarterly meetings the plan requires (and their decisions as tasks), and
satisfaction surveys feeding the yearly review."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from fupin.assessment.models import Target
from fupin.core.errors import BadInput, DomainError
from fupin.plan.models import Agreement, Indicator, Meeting, Score, Survey, Task
from fupin.plan.review import review_compute, review_create
from fupin.plan.selectors import meeting_calendar, meetings_missing
from fupin.plan.services import DecisionInput, agreement_sign, meeting_record, survey_record


def test_an_agreement_lists_the_unit_s_target_and_tasks_and_is_signed_once(small_plan):
    p = small_plan.personas
    Target.objects.create(area=p.areas.town_a, year=2018, people=120, villages=1)
    town = agreement_sign(plan=small_plan.plan, year=2018, unit=small_plan.town_a, signed_on=date(2018, 2, 20),
                          actor=p.officer)
    assert town.targets == "2018 年脱贫目标：120 人以上脱贫，1 个贫困村退出"
    education = agreement_sign(plan=small_plan.plan, year=2018, unit=small_plan.education, signed_on=date(2018, 2, 20),
                               actor=p.officer)
    assert education.targets.splitlines() == ["控辍保学（2018-06-30 前完成）", "助学金发放（2018-12-31 前完成）"]
    with pytest.raises(DomainError) as excinfo:
        agreement_sign(plan=small_plan.plan, year=2018, unit=small_plan.town_a, signed_on=date(2018, 3, 1),
                       actor=p.officer)
    assert excinfo.value.code == "AGREEMENT_EXISTS"
    with pytest.raises(PermissionDenied):
        agreement_sign(plan=small_plan.plan, year=2019, unit=small_plan.town_a, signed_on=date(2019, 3, 1),
                       actor=p.township_a)
    assert Agreement.objects.count() == 2
    page = Client()
    page.force_login(p.officer)
    html = page.get("/plan/agreements/?year=2018").content.decode()
    assert "120 人以上脱贫" in html and "未签订" in html  # the water bureau and township b have not signed


def test_required_quarterly_meetings_missing_are_flagged(small_plan):
    officer = small_plan.personas.officer
    for kind in Meeting.QUARTERLY:
        meeting_record(plan=small_plan.plan, kind=kind, held_on=date(2018, 3, 15), title=f"一季度{kind}", actor=officer)
    meeting_record(plan=small_plan.plan, kind=Meeting.Kind.STANDING, held_on=date(2018, 5, 8), title="二季度专题会议",
                   actor=officer)
    missing = {(s.year, s.quarter, s.kind) for s in meetings_missing(small_plan.plan, today=date(2018, 7, 1))}
    assert missing == {(2018, 2, "dispatch"), (2018, 2, "consultation")}
    # The quarter under way is not missing yet; a quarter ends on its last day.
    assert meetings_missing(small_plan.plan, today=date(2018, 6, 30)) == []
    assert len([s for s in meeting_calendar(small_plan.plan, today=date(2018, 7, 1)) if s.quarter == 3]) == 3


def test_meeting_decisions_become_tasks_of_their_lead_unit(small_plan):
    meeting = meeting_record(plan=small_plan.plan, kind=Meeting.Kind.DISPATCH, held_on=date(2018, 4, 2),
                             title="调度会", actor=small_plan.personas.officer, decisions=[
                                 DecisionInput("核查教育资助名单", small_plan.education, date(2018, 5, 31))])
    task = Task.objects.get(meeting=meeting)
    assert (task.source, task.lead, task.deadline, task.measure) == ("meeting", small_plan.education,
                                                                     date(2018, 5, 31), None)
    client = Client()
    client.force_login(small_plan.personas.department)
    assert "核查教育资助名单" in client.get(f"/plan/units/{small_plan.education.pk}/").content.decode()
    with pytest.raises(BadInput):
        meeting_record(plan=small_plan.plan, kind=Meeting.Kind.DISPATCH, held_on=date(2018, 4, 2), title="缺时限",
                       actor=small_plan.personas.officer, decisions=[DecisionInput("x", small_plan.education, None)])  # type: ignore[arg-type]
    assert Meeting.objects.count() == 1


def test_surveys_give_the_satisfaction_score_of_the_review(small_plan):
    officer = small_plan.personas.officer
    Indicator.objects.filter(plan=small_plan.plan, code="satisfaction").update(computed=True)
    survey_record(plan=small_plan.plan, year=2018, unit=small_plan.town_a, respondents=50, satisfied=45,
                  held_on=date(2018, 11, 5), actor=officer)
    survey_record(plan=small_plan.plan, year=2018, unit=small_plan.town_a, respondents=50, satisfied=47,
                  held_on=date(2018, 12, 5), actor=officer)
    with pytest.raises(BadInput):
        survey_record(plan=small_plan.plan, year=2018, unit=small_plan.town_b, respondents=10, satisfied=11,
                      held_on=date(2018, 11, 5), actor=officer)
    assert Survey.objects.count() == 2
    review = review_create(small_plan.plan, 2018, actor=officer)
    review_compute(review, actor=officer)
    a = Score.objects.get(review=review, unit=small_plan.town_a, indicator__code="satisfaction")
    b = Score.objects.get(review=review, unit=small_plan.town_b, indicator__code="satisfaction")
    assert (a.score, a.basis) == (Decimal("92.00"), "满意 92/100（2 次调查）") and b.score is None
