"""Coverage figures: measures and helpers per registered household, industry in poor villages, the
high-school grant share against its parameter, and 应享未享 per village."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fupin.assessment.models import PoorVillage
from fupin.measures.coverage import coverage
from fupin.measures.models import Programme
from fupin.measures.services import MeasureInput, measure_create
from fupin.measures.tests.conftest import add_member
from fupin.registry.models import HelperAssignment, Household

pytestmark = pytest.mark.django_db
YEAR = 2019


def give(h, code, **kw):
    return measure_create(h, MeasureInput(Programme.objects.get(code=code), kw.pop("starts_on", date(YEAR, 3, 1)), **kw),
                          actor=None)


def test_coverage_counts_per_village(policy, households, personas):
    a1, a2, b1 = households["a1"], households["a2"], households["b1"]
    give(a1, "industry_linkage")
    give(b1, "family_doctor", member=b1.members.first(), starts_on=date(YEAR - 1, 3, 1))  # last year: not counted
    HelperAssignment.objects.create(household=a1, name="帮扶人", starts_on=date(YEAR, 1, 1))
    HelperAssignment.objects.create(household=a2, name="旧帮扶人", starts_on=date(YEAR, 1, 1), ends_on=date(YEAR, 2, 1))
    PoorVillage.objects.create(village=a1.village, designated_year=2014)
    PoorVillage.objects.create(village=a2.village, designated_year=2014)
    PoorVillage.objects.create(village=b1.village, designated_year=2014, exit_year=2017)  # out before the year
    senior = [add_member(h, f"学生{i}", date(2003, 1, 1 + i), schooling="senior") for i, h in enumerate((a1, a1, a2, b1, b1))]
    give(a1, "high_school_grant", member=senior[0], amount=Decimal("1000"), starts_on=date(YEAR, 9, 1))
    a2.housing_grade = "D"
    a2.save()
    cov = coverage(Household.objects.all(), YEAR)
    rows = {v.village: v for v in cov.villages}
    assert [(v.households, v.with_measure, v.with_helper) for v in cov.villages] == [(1, 1, 1), (1, 0, 0), (1, 0, 0)]
    assert [v.village for v in cov.poor_without_industry] == [a2.village.name]
    assert (cov.total("high_school"), cov.total("high_school_granted")) == (5, 1)
    assert cov.high_school_share == Decimal("0.200") and cov.high_school_ok  # 1/5 = 20 % meets the 20 % floor
    gaps = {(g.household_no, g.programme.code) for v in cov.villages for g in v.gaps}
    assert ("H-A2-0001", "housing_renovation") in gaps
    assert ("H-A1-0001", "high_school_grant") in gaps  # the second student of a1 has no grant
    assert ("H-B1-0001", "high_school_grant") in gaps
    assert len(rows[b1.village.name].gaps) == 1
    senior[1].delete()
    cov = coverage(Household.objects.all(), YEAR)
    assert cov.high_school_share == Decimal("0.250")
    give(b1, "industry_linkage")
    assert coverage(Household.objects.all(), YEAR).total("with_measure") == 2


def test_the_share_floor_is_a_parameter_and_an_unmet_share_is_flagged(policy, households):
    h = households["a1"]
    for i in range(6):
        add_member(h, f"高中生{i}", date(2003, 2, 1 + i), schooling="senior")
    give(h, "high_school_grant", member=h.members.get(name="高中生0"), amount=Decimal("800"), starts_on=date(YEAR, 9, 1))
    cov = coverage(Household.objects.filter(pk=h.pk), YEAR)
    assert cov.high_school_share == Decimal("0.167") and not cov.high_school_ok


def test_scoped_to_the_households_given(policy, households):
    cov = coverage(Household.objects.filter(village=households["a1"].village), YEAR)
    assert [v.village for v in cov.villages] == [households["a1"].village.name]


def test_the_queries_do_not_grow_with_the_households(policy, households, areas):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fupin.core.testing import make_household

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            cov = coverage(Household.objects.all(), YEAR)
        assert cov.total_gaps >= cov.total("households")  # each has a high-school student without the grant
        return len(ctx.captured_queries)

    for h in Household.objects.all():
        add_member(h, f"高中生{h.pk}", date(2003, 1, 1), schooling="senior")
    few = queries()
    for i in range(30):
        h = make_household((areas.village_a1, areas.village_a2, areas.village_b1)[i % 3], f"H-X-{i:04d}",
                           attribute="dibao_poor" if i % 2 else "general_poor")
        add_member(h, f"学生{i}", date(2003, 2, 1 + i % 28), schooling="senior")
    assert Household.objects.count() == 33
    assert queries() == few
