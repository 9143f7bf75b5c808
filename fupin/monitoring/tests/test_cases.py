"""The county run (stored results, cases opened once, alerts) and the case procedure, with the
conditions of RULES.md §4 for marking risk eliminated."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from fupin.assessment.services import policy_version_create
from fupin.core.errors import BadInput, TransitionRefused
from fupin.core.models import AuditEntry
from fupin.inbox.models import Message
from fupin.monitoring.models import CaseMeasure, CaseStep, MonitoringCase, MonitoringResult
from fupin.monitoring.services import (
    case_step,
    elimination_problems,
    measure_add,
    measure_complete,
    monitor_county,
)
from fupin.monitoring.tests.conftest import YEAR, household, income
from fupin.registry.models import HelperAssignment, Household, ProposedChange

pytestmark = pytest.mark.usefixtures("policy")


def _risky(village, **kw) -> Household:
    """An exited household above the monitoring line (10,000 each) flagged by a department signal."""
    h = household(village, **kw)
    income(h, YEAR, "20000.00")
    return h


def _case_for(h: Household) -> MonitoringCase:
    monitor_county(YEAR, signal_household_ids=[h.pk])
    return MonitoringCase.objects.get(household=h, step__in=MonitoringCase.OPEN_STEPS)


def _assisting(h: Household, actor, done: bool = True) -> MonitoringCase:
    case = _case_for(h)
    case_step(case, "verify", actor=actor, note="入户核实：因病支出大")
    case_step(case, "identify", actor=actor, note="乡镇认定")
    measure_add(case, actor=actor, kind="health", description="大病救助", starts_on=timezone.localdate(),
                ends_on=timezone.localdate() if done else None, done=done)
    case_step(case, "assist", actor=actor, note="落实帮扶")
    case.refresh_from_db()
    return case


def _since(case: MonitoringCase) -> date:
    assert case.identified_on is not None
    return case.identified_on


def _state(case: MonitoringCase) -> tuple[str, int, int]:
    case.refresh_from_db()
    return case.step, CaseStep.objects.filter(case=case).count(), AuditEntry.objects.count()


# --- the run ------------------------------------------------------------------------------------

def test_a_run_stores_only_households_at_risk_with_year_and_parameters(areas):
    risky = household(areas.village_a1, status=None)
    income(risky, YEAR, "2000.00")
    fine = household(areas.village_a1)
    income(fine, YEAR, "20000.00")
    run = monitor_county(YEAR)
    assert (run.households, run.at_risk, run.totals) == (2, 1, {"EDGE": 1})
    assert run.params["default"]["monitoring_line"] == "6000"
    assert run.params["default"]["income_drop_ratio"] == "0.5"
    assert run.ruleset_version == "RULES-4.0"
    result = MonitoringResult.objects.get(run=run)
    assert (result.household_id, result.category, result.risks) == (risky.pk, "EDGE", "INCOME_BELOW_LINE")
    assert str(result.per_capita_income) == "1000.00" and str(result.monitoring_line) == "6000.00"


def test_a_run_opens_a_case_for_a_new_risk_and_never_duplicates_an_open_one(areas):
    h = _risky(areas.village_a1)
    first = monitor_county(YEAR, signal_household_ids=[h.pk])
    second = monitor_county(YEAR, signal_household_ids=[h.pk])
    assert (first.cases_opened, second.cases_opened) == (1, 0)
    case = MonitoringCase.objects.get(household=h)
    assert (case.step, case.category, case.risks) == ("alert", "UNSTABLE_EXITED", "DEPT_SIGNAL")
    assert case.opened_run == first and not case.steps.exists()


def test_a_closed_case_does_not_stop_a_new_one(areas, personas):
    h = _risky(areas.village_a1)
    case = _case_for(h)
    case_step(case, "dismiss", actor=personas.cadre_a1, note="核实不属实")
    run = monitor_county(YEAR, signal_household_ids=[h.pk])
    assert run.cases_opened == 1
    assert MonitoringCase.objects.filter(household=h).count() == 2


def test_alerts_reach_the_village_cadres_work_team_and_helpers_with_accounts(areas, personas):
    h = _risky(areas.village_a1)
    HelperAssignment.objects.create(household=h, name="帮扶人", user=personas.department, starts_on=date(2020, 1, 1))
    monitor_county(YEAR, signal_household_ids=[h.pk])
    got = set(Message.objects.values_list("user__username", flat=True))
    assert got == {"cadre_a1", "team_a1", "dept"}
    assert h.household_no in Message.objects.get(user=personas.department).body
    assert Message.objects.get(user=personas.cadre_a1).link.startswith("/monitoring/cases/?village=")


# --- the procedure --------------------------------------------------------------------------------

def test_the_procedure_runs_alert_to_eliminated_with_a_notice_and_audit(areas, personas):
    h = _risky(areas.village_a1)
    case = _assisting(h, personas.township_a)
    assert case.step == "assisting"
    notice = case.notice
    assert notice is not None
    assert (notice.kind, notice.subject_id, notice.days) == ("monitoring", h.pk, 7)
    later = _since(case) + relativedelta(months=6)
    case = case_step(case, "eliminate", actor=personas.township_a, note="风险消除", today=later)
    assert case.step == "eliminated" and case.closed_at is not None
    assert [s.action for s in case.steps.all()] == ["verify", "identify", "assist", "eliminate"]
    assert all(s.actor == personas.township_a for s in case.steps.all())
    assert AuditEntry.objects.filter(object_type="monitoring.monitoringcase").count() == 4


def test_steps_out_of_order_are_refused_and_change_nothing(areas, personas):
    case = _case_for(_risky(areas.village_a1))
    before = _state(case)
    with pytest.raises(TransitionRefused) as refused:
        case_step(case, "identify", actor=personas.township_a)
    assert "入户核实" in refused.value.message and "verified" in refused.value.message
    assert _state(case) == before


def test_verification_needs_a_note(areas, personas):
    case = _case_for(_risky(areas.village_a1))
    before = _state(case)
    with pytest.raises(BadInput):
        case_step(case, "verify", actor=personas.cadre_a1, note="  ")
    assert _state(case) == before


def test_a_village_cadre_may_verify_but_not_identify(areas, personas):
    case = _case_for(_risky(areas.village_a1))
    case_step(case, "verify", actor=personas.cadre_a1, note="核实")
    before = _state(case)
    with pytest.raises(PermissionDenied):
        case_step(case, "identify", actor=personas.cadre_a1)
    assert _state(case) == before


def test_assistance_needs_a_measure(areas, personas):
    case = _case_for(_risky(areas.village_a1))
    case_step(case, "verify", actor=personas.cadre_a1, note="核实")
    case_step(case, "identify", actor=personas.township_a)
    before = _state(case)
    with pytest.raises(TransitionRefused) as refused:
        case_step(case, "assist", actor=personas.cadre_a1)
    assert refused.value.code == "MONITORING_NEEDS_MEASURE"
    assert _state(case) == before


def test_a_measure_marked_done_needs_its_end_date(areas, personas):
    case = _case_for(_risky(areas.village_a1))
    case_step(case, "verify", actor=personas.cadre_a1, note="核实")
    case_step(case, "identify", actor=personas.township_a)
    with pytest.raises(BadInput):
        measure_add(case, actor=personas.cadre_a1, kind="health", description="医疗救助",
                    starts_on=date(2021, 1, 1), done=True)
    assert not CaseMeasure.objects.exists()


# --- risk elimination: six months, a measure carried out, income above the line, someone can work ---

def _eliminate(case: MonitoringCase, actor, today: date) -> None:
    case_step(case, "eliminate", actor=actor, note="申请风险消除", today=today)


def test_elimination_is_refused_before_six_months(areas, personas):
    case = _assisting(_risky(areas.village_a1), personas.township_a)
    before = _state(case)
    day_before = _since(case) + relativedelta(months=6) - timedelta(days=1)
    with pytest.raises(TransitionRefused) as refused:
        _eliminate(case, personas.township_a, day_before)
    assert refused.value.code == "MONITORING_TOO_EARLY"
    assert "6 个月" in refused.value.message and "6 months" in refused.value.message
    assert _state(case) == before
    _eliminate(case, personas.township_a, _since(case) + relativedelta(months=6))
    assert _state(case)[0] == "eliminated"


def test_the_six_months_are_a_policy_parameter(areas, personas):
    policy_version_create(year=YEAR, values={"monitoring_min_months": 3}, reason="测试", actor=None, publish=True)
    case = _assisting(_risky(areas.village_a1), personas.township_a)
    _eliminate(case, personas.township_a, _since(case) + relativedelta(months=3))
    assert _state(case)[0] == "eliminated"


def test_elimination_is_refused_without_a_measure_carried_out(areas, personas):
    case = _assisting(_risky(areas.village_a1), personas.township_a, done=False)
    later = _since(case) + relativedelta(months=6)
    before = _state(case)
    with pytest.raises(TransitionRefused) as refused:
        _eliminate(case, personas.township_a, later)
    assert refused.value.code == "MONITORING_NO_MEASURE_DONE"
    assert _state(case) == before
    measure_complete(case.measures.get(), actor=personas.cadre_a1, ends_on=timezone.localdate())
    _eliminate(case, personas.township_a, later)
    assert _state(case)[0] == "eliminated"


def test_elimination_is_refused_while_income_is_not_above_the_line(areas, personas):
    h = _risky(areas.village_a1)
    case = _assisting(h, personas.township_a)
    income(h, YEAR, "12000.00")  # exactly the line: not above
    later = _since(case) + relativedelta(months=6)
    before = _state(case)
    with pytest.raises(TransitionRefused) as refused:
        _eliminate(case, personas.township_a, later)
    assert refused.value.code == "MONITORING_INCOME_NOT_ABOVE_LINE"
    assert "6,000.00" in refused.value.message
    assert _state(case) == before
    income(h, YEAR, "12000.02")
    _eliminate(case, personas.township_a, later)
    assert _state(case)[0] == "eliminated"


def test_a_household_in_which_no_member_can_work_stays_monitored(areas, personas):
    h = _risky(areas.village_a1)
    h.members.update(labour="lost")
    h.members.filter(relation="son").update(labour="none")
    case = _assisting(h, personas.township_a)
    before = _state(case)
    with pytest.raises(TransitionRefused) as refused:
        _eliminate(case, personas.township_a, _since(case) + relativedelta(months=12))
    assert refused.value.code == "MONITORING_NO_LABOUR"
    assert _state(case) == before
    h.members.filter(relation="son").update(labour="weak")  # one member can work (半劳动力)
    _eliminate(case, personas.township_a, _since(case) + relativedelta(months=12))
    assert _state(case)[0] == "eliminated"


def test_the_six_months_end_on_the_same_day_or_the_shorter_month_s_last(areas, personas):
    case = _assisting(_risky(areas.village_a1), personas.township_a)

    def too_early(identified: date, today: date) -> bool:
        MonitoringCase.objects.filter(pk=case.pk).update(identified_on=identified)
        case.refresh_from_db()
        return "MONITORING_TOO_EARLY" in [p.code for p in elimination_problems(case, today=today)]

    assert too_early(date(2021, 1, 15), date(2021, 7, 14)) and not too_early(date(2021, 1, 15), date(2021, 7, 15))
    assert too_early(date(2021, 8, 31), date(2022, 2, 27)) and not too_early(date(2021, 8, 31), date(2022, 2, 28))
    assert too_early(date(2021, 12, 1), date(2022, 5, 31)) and not too_early(date(2021, 12, 1), date(2022, 6, 1))


def test_the_case_steps_are_insert_only(areas, personas):
    """CaseStep is the case's StepLedger: a written step cannot be changed or removed, row or queryset."""
    case = _assisting(_risky(areas.village_a1), personas.admin)
    steps = CaseStep.objects.filter(case=case)
    assert [(s.action, s.from_state, s.to_state) for s in steps.order_by("at", "pk")] == [
        ("verify", "alert", "verified"), ("identify", "verified", "identified"), ("assist", "identified", "assisting")]
    row = steps.first()
    assert row is not None
    row.note = "改写"
    for attempt in (row.save, row.delete, lambda: steps.update(note="改写"), steps.delete):
        with pytest.raises(TypeError):
            attempt()
    assert not CaseStep.objects.filter(note="改写").exists() and steps.count() == 3


# --- the registry facts an eliminated risk implies (ADR 0026 §4) ----------------------------------------------

def test_a_case_eliminated_after_its_house_was_made_safe_offers_the_housing_facts(areas, personas):
    h = _risky(areas.village_a1, housing_grade="D", housing_renovated=False)
    case = _assisting(h, personas.township_a)
    measure_add(case, actor=personas.township_a, kind="housing", description="危房加固", starts_on=date(2021, 3, 1),
                ends_on=date(2021, 5, 20), done=True)
    assert not ProposedChange.objects.exists()  # offered at elimination, not before
    case_step(case, "eliminate", actor=personas.township_a, note="风险消除", today=_since(case) + relativedelta(months=6))
    proposal = ProposedChange.objects.get()
    assert (proposal.household, proposal.kind, proposal.payload, proposal.source, proposal.valid_from) == (
        h, "household_update", {"housing_renovated": True, "housing_grade": "A"}, f"case:{case.pk}", date(2021, 5, 20))
    h.refresh_from_db()
    assert (h.housing_grade, h.housing_renovated) == ("D", False)  # offered, never applied by the case


def test_a_case_eliminated_with_other_measures_offers_nothing(areas, personas):
    case = _assisting(_risky(areas.village_a1), personas.township_a)  # a health measure only
    case_step(case, "eliminate", actor=personas.township_a, note="风险消除", today=_since(case) + relativedelta(months=6))
    assert not ProposedChange.objects.exists()
