"""Each programme's rules: eligibility, amount limits from the policy parameters, periods."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fupin.assessment.services import policy_version_create, policy_version_publish
from fupin.core.errors import BadInput, TransitionRefused
from fupin.measures.catalogue import PROGRAMMES
from fupin.measures.models import Measure, MeasureStep, Programme
from fupin.measures.rules import RULES
from fupin.measures.services import MeasureInput, measure_create
from fupin.measures.tests.conftest import add_member

pytestmark = pytest.mark.django_db
DAY = date(2019, 9, 2)


def record(household, code, *, actor=None, **kw):
    return measure_create(household, MeasureInput(Programme.objects.get(code=code), kw.pop("starts_on", DAY), **kw),
                          actor=actor)


def refused(code, household, programme, **kw):
    with pytest.raises(BadInput) as exc:
        record(household, programme, **kw)
    assert exc.value.code == code, exc.value.message
    return exc.value.message


def test_the_catalogue_is_seeded_with_every_category_and_known_rules(db):
    assert Programme.objects.count() == len(PROGRAMMES)
    assert set(Programme.objects.values_list("category", flat=True)) == {
        "education", "health", "social", "housing", "jobs", "industry", "incentive"}
    assert {p.rule for p in Programme.objects.exclude(rule="")} <= RULES


def test_education_aid_follows_schooling_and_school_age(policy, households, personas):
    h = households["a1"]
    pupil = add_member(h, "王小", date(2009, 3, 1), schooling="primary")
    too_old = add_member(h, "王大", date(1999, 3, 1), schooling="primary")
    senior = add_member(h, "王高", date(2003, 3, 1), schooling="senior")
    m = record(h, "boarding_subsidy", member=pupil, amount=Decimal("625"), actor=personas.cadre_a1)
    assert m.ends_on == date(2019, 12, 31) and m.department.code == "education"
    assert "6 至 15" in refused("NOT_ELIGIBLE", h, "boarding_subsidy", member=too_old, amount=Decimal("500"))
    refused("NOT_ELIGIBLE", h, "high_school_grant", member=pupil, amount=Decimal("1000"))
    record(h, "high_school_grant", member=senior, amount=Decimal("1250"))
    refused("AMOUNT_OVER_LIMIT", h, "yulu_plan", member=add_member(h, "王职", date(2002, 1, 1),
                                                                     schooling="secondary_vocational"),
            amount=Decimal("1500.01"))
    refused("MEMBER_REQUIRED", h, "preschool_aid", amount=Decimal("100"))
    kid = add_member(h, "王幼", date(2015, 1, 1), schooling="preschool")
    record(h, "preschool_aid", member=kid, amount=Decimal("750"))
    refused("NOT_ELIGIBLE", h, "dropout_followup", member=kid)


def test_housing_renovation_needs_a_c_or_d_house_not_yet_renovated(policy, households):
    h = households["a1"]
    h.housing_grade = "B"
    h.save()
    assert "C、D" in refused("NOT_ELIGIBLE", h, "housing_renovation", amount=Decimal("20000"))
    h.housing_grade = "D"
    h.save()
    refused("AMOUNT_OVER_LIMIT", h, "housing_renovation", amount=Decimal("30000.01"))
    record(h, "housing_renovation", amount=Decimal("30000"))
    h.housing_renovated = True
    h.save()
    refused("NOT_ELIGIBLE", h, "housing_renovation", amount=Decimal("1000"))


def test_dibao_and_tekun_follow_the_household_attribute(policy, households):
    h = households["a1"]
    refused("NOT_ELIGIBLE", h, "dibao", amount=Decimal("300"))
    h.attribute = "dibao_poor"
    h.save()
    record(h, "dibao", amount=Decimal("300"))
    refused("NOT_ELIGIBLE", h, "tekun_support", amount=Decimal("300"))


def test_disability_subsidies(policy, households):
    h = households["a1"]
    grade3 = add_member(h, "赵三", date(1960, 1, 1), health="disabled", disability_level="3")
    grade1 = add_member(h, "赵一", date(1960, 2, 1), health="disabled", disability_level="1")
    refused("NOT_ELIGIBLE", h, "disability_nursing_subsidy", member=grade3, amount=Decimal("100"))
    record(h, "disability_nursing_subsidy", member=grade1, amount=Decimal("500"))
    refused("NOT_ELIGIBLE", h, "disability_living_subsidy", member=grade3, amount=Decimal("50"))  # not 低保
    grade3.dibao = True
    grade3.save()
    record(h, "disability_living_subsidy", member=grade3, amount=Decimal("100"))


def test_public_welfare_posts_are_for_working_age_members_within_the_monthly_pay(policy, households):
    h = households["a1"]
    worker = add_member(h, "钱工", date(1970, 5, 1), labour="weak")
    old = add_member(h, "钱老", date(1940, 5, 1), labour="weak")
    unable = add_member(h, "钱病", date(1975, 5, 1), labour="lost")
    record(h, "public_welfare_post", member=worker, amount=Decimal("500"), starts_on=date(2019, 9, 1))
    refused("NOT_ELIGIBLE", h, "public_welfare_post", member=old, amount=Decimal("300"))
    refused("NOT_ELIGIBLE", h, "public_welfare_post", member=unable, amount=Decimal("300"))
    refused("AMOUNT_OVER_LIMIT", h, "public_welfare_post", member=worker, amount=Decimal("501"),
            starts_on=date(2019, 10, 1))


def test_per_period_programmes_do_not_overlap_and_do_not_span_periods(policy, households):
    h = households["a1"]
    worker = add_member(h, "孙工", date(1980, 5, 1))
    record(h, "public_welfare_post", member=worker, amount=Decimal("500"), starts_on=date(2019, 9, 1))
    refused("PERIOD_OVERLAP", h, "public_welfare_post", member=worker, amount=Decimal("500"),
            starts_on=date(2019, 9, 15))
    refused("PERIOD_SPANS", h, "public_welfare_post", member=worker, amount=Decimal("500"),
            starts_on=date(2019, 10, 1), ends_on=date(2019, 11, 30))
    record(h, "public_welfare_post", member=worker, amount=Decimal("500"), starts_on=date(2019, 10, 1))
    other = add_member(h, "孙二", date(1982, 5, 1))
    record(h, "public_welfare_post", member=other, amount=Decimal("500"), starts_on=date(2019, 9, 1))
    first = Measure.objects.filter(member=worker).order_by("starts_on")[0]
    first.status = Measure.Status.CANCELLED
    first.save()
    record(h, "public_welfare_post", member=worker, amount=Decimal("400"), starts_on=date(2019, 9, 20))
    record(h, "micro_credit", amount=Decimal("50000"))  # not per period: two loans may coexist
    record(h, "micro_credit", amount=Decimal("10000"))
    refused("AMOUNT_OVER_LIMIT", h, "micro_credit", amount=Decimal("50000.01"))


def test_limits_are_policy_parameters_of_the_year(policy, households, personas):
    h = households["a1"]
    version = policy_version_create(year=2019, values={"measure_micro_credit_max": "30000"}, reason="本地标准",
                                    actor=None)
    policy_version_publish(version, actor=None)
    refused("AMOUNT_OVER_LIMIT", h, "micro_credit", amount=Decimal("30000.01"))
    record(h, "micro_credit", amount=Decimal("30000"))


def test_a_member_of_another_household_is_refused_and_nothing_is_written(policy, households):
    other = households["a2"].members.first()
    refused("MEMBER_NOT_IN_HOUSEHOLD", households["a1"], "family_doctor", member=other)
    assert not Measure.objects.exists()


def test_a_reader_may_not_record(policy, households, personas):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        record(households["a1"], "industry_linkage", actor=personas.auditor)
    assert not Measure.objects.exists()


def test_status_moves_forward_and_a_cancellation_frees_the_period(policy, households, personas):
    from fupin.measures.services import measure_set_status

    h = households["a1"]
    worker = add_member(h, "何工", date(1980, 5, 1))
    m = record(h, "public_welfare_post", member=worker, amount=Decimal("500"), starts_on=date(2019, 9, 1),
               status=Measure.Status.PLANNED)
    measure_set_status(m, "delivering", actor=personas.cadre_a1)
    with pytest.raises(BadInput) as exc:
        measure_set_status(m, "planned", actor=personas.cadre_a1)  # no step leads back to planned
    assert exc.value.code == "STATUS_INVALID"
    with pytest.raises(TransitionRefused) as refused:
        measure_set_status(m, "delivering", actor=personas.cadre_a1)  # delivering already
    assert (refused.value.code, refused.value.status) == ("WRONG_STATE", 409)
    with pytest.raises(BadInput) as exc:
        measure_set_status(m, "cancelled", actor=personas.cadre_a1)
    assert exc.value.code == "REASON_REQUIRED"
    measure_set_status(m, "cancelled", actor=personas.cadre_a1, note="本人放弃岗位")
    m.refresh_from_db()
    assert m.status == "cancelled" and "本人放弃岗位" in m.evidence
    steps = list(MeasureStep.objects.filter(measure=m).values_list("action", "from_state", "to_state", "note"))
    assert steps == [("deliver", "planned", "delivering", ""), ("cancel", "delivering", "cancelled", "本人放弃岗位")]
    with pytest.raises(TypeError):
        MeasureStep.objects.filter(measure=m).delete()
    record(h, "public_welfare_post", member=worker, amount=Decimal("500"), starts_on=date(2019, 9, 1))
