"""The transition table as data, and every state/action pair it does not allow refused with nothing changed."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import PermissionDenied

from fupin.core.errors import TransitionRefused
from fupin.notices.models import Notice
from fupin.registry.models import Household
from fupin.workflow.models import HouseholdTransition
from fupin.workflow.services import household_transition
from fupin.workflow.tests.test_workflow_identification import refused, state
from fupin.workflow.transitions import PREVIOUS, TRANSITIONS, table

STATES = [None, *Household.Status.values]
ALL_BUT_REMOVED = {s: "removed" for s in Household.Status.values if s != "removed"}


def test_the_table_is_exactly_rules_section_3():
    expected: dict[str | None, dict[str, str | None]] = {
        None: {"apply": "applied"},
        "applied": {"village_review": "village_reviewed", "withdraw_application": None},
        "village_reviewed": {"township_review": "township_reviewed", "withdraw_application": None},
        "township_reviewed": {"county_approve": "registered", "withdraw_application": None},
        "registered": {"exit_propose": "exit_proposed"},
        "exit_proposed": {"exit_approve": "exited", "withdraw_exit": PREVIOUS},
        "exited": {"return": "returned"},
        "returned": {"exit_propose": "exit_proposed"},
    }
    for source, target in ALL_BUT_REMOVED.items():
        expected[source]["remove"] = target
    assert table() == expected
    assert {a for a, t in TRANSITIONS.items() if t.publishes} == {
        "village_review", "township_review", "county_approve", "exit_propose", "exit_approve"}
    assert {a for a, t in TRANSITIONS.items() if t.waits_for_notice} == {
        "township_review", "county_approve", "exit_approve"}
    assert {a for a, t in TRANSITIONS.items() if t.halted_by_objection} == {
        "township_review", "county_approve", "exit_propose", "exit_approve"}


def _household(village, source: str | None, n: int) -> Household:
    return Household.objects.create(household_no=f"H-A1-{n:04d}", village=village, status=source,
                                    attribute="ordinary" if source in (None, "applied") else "general_poor")


WRONG = [(s, a) for s, a in itertools.product(STATES, TRANSITIONS) if s not in TRANSITIONS[a].sources]


@pytest.mark.parametrize(("source", "action"), WRONG, ids=[f"{s}-{a}" for s, a in WRONG])
def test_it_refuses_every_action_from_a_state_the_table_does_not_allow(areas, media, source, action):
    household = _household(areas.village_a1, source, 500)
    error = refused(household, media, action, None, "WRONG_STATE", note="说明", reason="NATURAL" if action == "remove" else "",
                    consent_by="户主")
    assert (source.upper() if source else "CANDIDATE") in error.message


def test_it_refuses_an_unknown_action(areas, media):
    household = _household(areas.village_a1, "registered", 1)
    refused(household, media, "promote", None, "UNKNOWN_ACTION")


@pytest.mark.parametrize("source", list(ALL_BUT_REMOVED))
def test_it_removes_from_every_state_only_with_a_reason(areas, personas, media, source):
    household = _household(areas.village_a1, source, 2)
    refused(household, media, "remove", personas.officer, "REASON_REQUIRED")
    refused(household, media, "remove", personas.officer, "REASON_REQUIRED", reason="DIED")
    household_transition(household, "remove", actor=personas.officer, reason="WRONGLY_IDENTIFIED", note="识别时隐瞒收入")
    assert household.status == "removed"
    step = HouseholdTransition.objects.get(household=household)
    assert (step.from_state, step.reason, step.actor) == (source, "WRONGLY_IDENTIFIED", personas.officer)


def test_removal_takes_down_the_notice_of_the_current_step(candidate, personas, clock, media):
    clock("2020-05-01")
    household_transition(candidate, "apply", actor=personas.cadre_a1)
    household_transition(candidate, "village_review", actor=personas.cadre_a1)
    clock("2020-05-03")
    household_transition(candidate, "remove", actor=personas.officer, reason="NATURAL", note="户主去世，单人户")
    assert Notice.objects.get().status == Notice.Status.CLOSED


def test_only_a_removal_takes_a_reason(candidate, personas, clock, media):
    clock("2020-05-01")
    refused(candidate, media, "apply", personas.cadre_a1, "REASON_NOT_ALLOWED", reason="NATURAL")


def test_a_household_returns_to_poverty_with_a_note(areas, personas, media):
    household = _household(areas.village_a1, "exited", 3)
    refused(household, media, "return", personas.officer, "NOTE_REQUIRED")
    household_transition(household, "return", actor=personas.officer, note="因病返贫：户主重病住院")
    assert household.status == "returned"


def test_a_village_cadre_cannot_confirm_a_return_or_a_removal(areas, personas, media):
    household = _household(areas.village_a1, "exited", 4)
    before = state(household, media)
    for action, note, reason in (("return", "返贫", ""), ("remove", "", "NATURAL")):
        with pytest.raises(PermissionDenied):
            household_transition(household, action, actor=personas.cadre_a1, note=note, reason=reason)
    assert state(household, media) == before


def test_withdrawing_an_imported_exit_proposal_goes_back_to_registered(areas, personas, media):
    household = _household(areas.village_a1, "exit_proposed", 5)
    refused(household, media, "withdraw_exit", personas.cadre_a1, "NOTE_REQUIRED")
    household_transition(household, "withdraw_exit", actor=personas.cadre_a1, note="户主不认可退出")
    assert household.status == "registered"


def test_a_refusal_is_a_transition_refused_with_a_bilingual_message(areas, media):
    household = _household(areas.village_a1, "registered", 6)
    with pytest.raises(TransitionRefused) as excinfo:
        household_transition(household, "county_approve", actor=None)
    chinese, english = excinfo.value.message.split(" / ", 1)
    assert "县级审定" in chinese and "county_approve" in english
