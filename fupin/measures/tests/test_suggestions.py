"""Suggestions from causes of poverty and failing indicators; accept records, dismiss keeps a reason."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fupin.assessment.services import assess_county
from fupin.core.errors import BadInput
from fupin.measures.models import Measure, Programme, SuggestionDecision
from fupin.measures.services import MeasureInput, measure_create, suggestion_accept, suggestion_dismiss
from fupin.measures.suggestions import evaluate
from fupin.measures.tests.conftest import add_member
from fupin.registry.models import Household

pytestmark = pytest.mark.django_db
YEAR = 2019


def codes_for(household, year=YEAR):
    return {s.programme.code for s in evaluate(Household.objects.filter(pk=household.pk), year).suggestions}


def test_illness_suggests_health_measures_for_the_members_they_fit(policy, households):
    h = households["a1"]
    h.main_cause = "illness"
    h.save()
    got = codes_for(h)
    assert {"insurance_subsidy", "family_doctor", "medical_assistance"} <= got
    assert "serious_illness_treatment" not in got  # nobody is seriously ill
    sick = add_member(h, "周病", date(1960, 1, 1), health="serious")
    items = [s for s in evaluate(Household.objects.filter(pk=h.pk), YEAR).suggestions
             if s.programme.code == "serious_illness_treatment"]
    assert [s.member_ids for s in items] == [[sick.pk]] and "致贫原因：因病" in items[0].reasons
    assert not {"housing_renovation", "public_welfare_post"} & got


def test_a_dropout_fails_education_and_gets_the_follow_up(policy, households):
    h = households["a1"]
    add_member(h, "吴辍", date(2007, 6, 1), schooling="dropped_out")
    assess_county(YEAR)
    suggestions = [s for s in evaluate(Household.objects.filter(pk=h.pk), YEAR).suggestions
                   if s.programme.code == "dropout_followup"]
    assert suggestions and "未达标：义务教育有保障" in suggestions[0].reasons


def test_housing_cd_suggests_renovation_and_entitlements_show_as_gaps(policy, households):
    h = households["a1"]
    h.housing_grade = "C"
    h.attribute = "dibao_poor"
    h.save()
    ev = evaluate(Household.objects.filter(pk=h.pk), YEAR)
    assert {"housing_renovation", "dibao"} <= {g.programme.code for g in ev.gaps}
    assert {"housing_renovation", "dibao"} <= {s.programme.code for s in ev.suggestions}
    measure_create(h, MeasureInput(Programme.objects.get(code="dibao"), date(YEAR, 3, 1), amount=Decimal("300")),
                   actor=None)
    ev = evaluate(Household.objects.filter(pk=h.pk), YEAR)
    assert "dibao" not in {g.programme.code for g in ev.gaps} | {s.programme.code for s in ev.suggestions}


def test_accept_records_the_measure_and_dismiss_keeps_the_reason(policy, households, personas):
    h = households["a1"]
    h.main_cause = "no_capital"
    h.save()
    assert {"micro_credit", "industry_linkage"} <= codes_for(h)
    measure = suggestion_accept(h, Programme.objects.get(code="industry_linkage"), starts_on=date(YEAR, 4, 1),
                                actor=personas.cadre_a1)
    assert measure.source == Measure.Source.SUGGESTION and measure.household == h
    with pytest.raises(BadInput) as exc:
        suggestion_dismiss(h, Programme.objects.get(code="micro_credit"), reason=" ", actor=personas.cadre_a1)
    assert exc.value.code == "REASON_REQUIRED"
    suggestion_dismiss(h, Programme.objects.get(code="micro_credit"), reason="无贷款意愿", actor=personas.cadre_a1)
    assert not {"micro_credit", "industry_linkage"} & codes_for(h)
    kept = SuggestionDecision.objects.get(household=h, programme__code="micro_credit")
    assert (kept.decision, kept.reason, kept.decided_by) == ("dismissed", "无贷款意愿", personas.cadre_a1)
    with pytest.raises(BadInput):
        suggestion_dismiss(h, Programme.objects.get(code="micro_credit"), reason="再次", actor=personas.cadre_a1)


def test_accepting_a_member_programme_picks_an_eligible_member_and_checks_rules(policy, households, personas):
    h = households["a1"]
    student = add_member(h, "郑高", date(2003, 1, 1), schooling="senior")
    m = suggestion_accept(h, Programme.objects.get(code="high_school_grant"), starts_on=date(YEAR, 9, 1),
                          actor=personas.cadre_a1, amount=Decimal("1000"))
    assert m.member == student
    with pytest.raises(BadInput):
        suggestion_accept(h, Programme.objects.get(code="housing_renovation"), starts_on=date(YEAR, 9, 1),
                          actor=personas.cadre_a1)
    assert not SuggestionDecision.objects.filter(programme__code="housing_renovation").exists()


def test_the_evaluation_is_set_based(policy, households, django_assert_max_num_queries):
    for h in households.values():
        h.main_cause = "illness"
        h.save()
        add_member(h, "冯病", date(1960, 1, 1), health="chronic")
    with django_assert_max_num_queries(12):
        ev = evaluate(Household.objects.all(), YEAR)
    assert {s.household_no for s in ev.suggestions} == {"H-A1-0001", "H-A2-0001", "H-B1-0001"}
