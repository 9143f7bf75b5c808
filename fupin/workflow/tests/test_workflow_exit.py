"""The household workflow, exit side (RULES §3): a stored EXIT_ELIGIBLE verdict, consent, the exit notice,
and an approval that re-runs the assessment (no 数字脱贫)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from fupin.assessment.models import HouseholdAssessment
from fupin.assessment.services import household_assess, policy_seed_defaults
from fupin.core.testing import make_household
from fupin.notices.models import Notice
from fupin.notices.services import objection_raise, objection_resolve
from fupin.registry.models import Household, IncomeRecord, Member
from fupin.workflow.models import HouseholdTransition
from fupin.workflow.services import household_transition
from fupin.workflow.tests.test_workflow_identification import state


def _secure(household: Household, *, net: str = "9000.00", year: int = 2020) -> Household:
    """Two members, every indicator passing; per-capita income ``net`` / 2 (the 2020 line is 4,000)."""
    Household.objects.filter(pk=household.pk).update(food_secure=True, clothing_secure=True, safe_water=True,
                                                     housing_grade="A")
    Member.objects.filter(household=household).update(medical_insurance=True, schooling="not_in_school")
    IncomeRecord.objects.update_or_create(household=household, year=year, defaults={
        "wage_income": Decimal(net) + 100, "business_income": 0, "property_income": 0, "transfer_income": 0,
        "business_expense": 100})
    household.refresh_from_db()
    return household


def full_state(household, media) -> dict[str, object]:
    return {**state(household, media), "assessments": HouseholdAssessment.objects.count()}


def refused(household, media, action, actor, code, **kwargs):
    from fupin.core.errors import TransitionRefused

    before = full_state(household, media)
    with pytest.raises(TransitionRefused) as excinfo:
        household_transition(household, action, actor=actor, **kwargs)
    assert excinfo.value.code == code, excinfo.value.message
    assert " / " in excinfo.value.message
    assert full_state(household, media) == before
    return excinfo.value


@pytest.fixture
def registered(areas, personas, clock):
    """A registered household of village a1 that passes every indicator of 2020; policy defaults loaded."""
    clock("2020-10-01")
    policy_seed_defaults()
    return _secure(make_household(areas.village_a1, "H-A1-0300", identified_year=2016))


@pytest.fixture
def proposed(registered, personas, clock):
    """Assessed EXIT_ELIGIBLE and proposed for exit on 2020-10-01 (exit notice 10-01..10-07)."""
    household_assess(registered, 2020)
    household_transition(registered, "exit_propose", actor=personas.cadre_a1, consent_by="张三", note="村两委评议")
    return registered


def test_an_exit_proposal_needs_a_stored_assessment_of_the_work_year(registered, personas, media):
    error = refused(registered, media, "exit_propose", personas.cadre_a1, "NO_ASSESSMENT", consent_by="张三")
    assert "2020" in error.message


def test_an_exit_proposal_needs_an_exit_eligible_verdict(registered, personas, media):
    _secure(registered, net="7000.00")  # 3,500 a head, below the 2020 line
    assert household_assess(registered, 2020).verdict == "NOT_ELIGIBLE"
    error = refused(registered, media, "exit_propose", personas.cadre_a1, "NOT_ELIGIBLE", consent_by="张三")
    assert "INCOME" in error.message and "不可退出" in error.message


def test_an_exit_proposal_refuses_insufficient_data(registered, personas, media):
    Household.objects.filter(pk=registered.pk).update(safe_water=None)
    assert household_assess(registered, 2020).verdict == "INSUFFICIENT_DATA"
    error = refused(registered, media, "exit_propose", personas.cadre_a1, "NOT_ELIGIBLE", consent_by="张三")
    assert "数据不全" in error.message and "WATER" in error.message


def test_an_exit_proposal_needs_the_household_s_consent(registered, personas, media):
    household_assess(registered, 2020)
    refused(registered, media, "exit_propose", personas.cadre_a1, "CONSENT_REQUIRED")
    refused(registered, media, "exit_propose", personas.cadre_a1, "CONSENT_REQUIRED", consent_by="   ")


def test_a_household_exits_after_its_notice_with_a_fresh_assessment(proposed, personas, clock, media):
    stored = HouseholdAssessment.objects.get()
    proposal = HouseholdTransition.objects.get(action="exit_propose")
    assert (proposal.consent_by, proposal.assessment, proposal.work_year) == ("张三", stored, 2020)
    exit_notice = proposal.notice
    assert exit_notice is not None and exit_notice.kind == Notice.Kind.EXIT
    assert (exit_notice.starts_on, exit_notice.ends_on) == (date(2020, 10, 1), date(2020, 10, 7))

    clock("2020-10-07")
    refused(proposed, media, "exit_approve", personas.officer, "NOTICE_RUNNING")
    clock("2020-10-08")
    household_transition(proposed, "exit_approve", actor=personas.officer, note="公示无异议")
    assert (proposed.status, proposed.exit_year, proposed.poverty_status_label) == ("exited", 2020, "已脱贫")
    approval = HouseholdTransition.objects.get(action="exit_approve")
    assert approval.assessment is not None and approval.assessment != stored
    assert approval.assessment.verdict == "EXIT_ELIGIBLE"
    exit_notice.refresh_from_db()
    assert exit_notice.status == Notice.Status.CLOSED and not exit_notice.closed_early()
    assert approval.notice is not None and approval.notice.kind == Notice.Kind.EXIT_ANNOUNCEMENT


def test_exit_approval_is_refused_when_the_household_no_longer_qualifies(proposed, personas, clock, media):
    clock("2020-10-09")
    _secure(proposed, net="7000.00")  # the income fell after the proposal
    error = refused(proposed, media, "exit_approve", personas.officer, "RERUN_NOT_ELIGIBLE")
    assert "INCOME" in error.message and "数字脱贫" in error.message
    assert HouseholdAssessment.objects.count() == 1  # the refused re-run left no row behind


def test_an_objection_to_the_exit_notice_halts_approval_until_dismissed(proposed, personas, clock, media):
    clock("2020-10-04")
    objection = objection_raise(Notice.objects.get(kind="exit"), text="该户收入不稳定", actor=personas.cadre_a1)
    clock("2020-10-08")
    refused(proposed, media, "exit_approve", personas.officer, "OBJECTION_PENDING")
    objection_resolve(objection, outcome="dismissed", resolution="收入来自稳定务工", actor=personas.township_a)
    household_transition(proposed, "exit_approve", actor=personas.officer)
    assert proposed.status == "exited"


def test_an_upheld_objection_leads_to_withdrawing_the_exit(proposed, personas, clock, media):
    clock("2020-10-04")
    objection = objection_raise(Notice.objects.get(kind="exit"), text="户主长期患病无法务工", actor=personas.cadre_a1)
    objection_resolve(objection, outcome="upheld", resolution="属实，暂缓退出", actor=personas.township_a)
    clock("2020-10-08")
    refused(proposed, media, "exit_approve", personas.officer, "OBJECTION_UPHELD")
    household_transition(proposed, "withdraw_exit", actor=personas.township_a, note="异议成立，撤回拟退出")
    assert proposed.status == "registered"


def test_a_returned_household_goes_round_again_and_a_withdrawal_returns_it_to_returned(proposed, personas, clock, media):
    clock("2020-10-08")
    household_transition(proposed, "exit_approve", actor=personas.officer)
    clock("2020-11-20")
    household_transition(proposed, "return", actor=personas.officer, note="户主突发重病")
    assert (proposed.status, proposed.poverty_status_label) == ("returned", "返贫")
    household_assess(proposed, 2020)
    household_transition(proposed, "exit_propose", actor=personas.cadre_a1, consent_by="张三")
    clock("2020-11-22")
    household_transition(proposed, "withdraw_exit", actor=personas.cadre_a1, note="病情反复，暂不退出")
    assert proposed.status == "returned"
    assert list(HouseholdTransition.objects.filter(household=proposed).values_list("action", flat=True)) == [
        "exit_propose", "exit_approve", "return", "exit_propose", "withdraw_exit"]


def test_each_level_acts_only_on_its_own_exit_steps(registered, personas, clock, media):
    household_assess(registered, 2020)
    for user in (personas.township_a, personas.officer, personas.auditor):
        with pytest.raises(PermissionDenied):
            household_transition(registered, "exit_propose", actor=user, consent_by="张三")
    household_transition(registered, "exit_propose", actor=personas.team_a1, consent_by="张三")
    clock("2020-10-08")
    for user in (personas.cadre_a1, personas.township_a):
        with pytest.raises(PermissionDenied):
            household_transition(registered, "exit_approve", actor=user)
    assert registered.status == "exit_proposed"


def test_an_objection_to_the_county_announcement_halts_the_exit_proposal(candidate, personas, clock, media):
    policy_seed_defaults()
    clock("2020-03-02")
    for action, user, day in (("apply", personas.cadre_a1, "2020-03-02"), ("village_review", personas.cadre_a1, "2020-03-02"),
                              ("township_review", personas.township_a, "2020-03-09"),
                              ("county_approve", personas.officer, "2020-03-16")):
        clock(day)
        household_transition(candidate, action, actor=user, attribute="general_poor" if action == "county_approve" else "")
    assert (candidate.status, candidate.identified_year) == ("registered", 2020)
    _secure(candidate)
    household_assess(candidate, 2020)
    objection_raise(Notice.objects.get(kind="county_announcement"), text="对公告有异议", actor=personas.cadre_a1)
    refused(candidate, media, "exit_propose", personas.cadre_a1, "OBJECTION_PENDING", consent_by="张三")
