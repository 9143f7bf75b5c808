"""Village and county exit, and the yearly targets of the plan with their progress."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from fupin.areas.models import Area
from fupin.assessment.models import PoorVillage, Target, VillageFacts
from fupin.assessment.services import policy_seed_defaults, policy_version_create
from fupin.assessment.villages import county_incidence, target_progress, targets_seed, village_verdicts
from fupin.core.testing import make_household

pytestmark = pytest.mark.django_db
FACILITIES = dict.fromkeys(VillageFacts.FACILITIES, True)


@pytest.fixture
def setup(areas):
    policy_seed_defaults()
    # village a1: 2 poor households of 2 members at the end of 2019 (one exited in 2020 counts), one exited 2019
    make_household(areas.village_a1, "A1-1", status="registered", identified_year=2016)
    make_household(areas.village_a1, "A1-2", status="exited", identified_year=2016, exit_year=2020)
    make_household(areas.village_a1, "A1-3", status="exited", identified_year=2016, exit_year=2019)
    make_household(areas.village_a1, "A1-4", status="registered", identified_year=2020)  # not yet identified in 2019
    return areas


def _verdict(areas, village, year=2019):
    return village_verdicts(year, Area.objects.filter(pk=village.pk))[0]


@pytest.mark.parametrize(("population", "outcome", "incidence"), [
    (200, "FAIL", Decimal("2.00")),   # 4 ÷ 200 = exactly 2%: not below
    (201, "PASS", Decimal("1.99")),
])
def test_incidence_must_be_strictly_below_the_limit(setup, population, outcome, incidence):
    VillageFacts.objects.create(village=setup.village_a1, year=2019, population=population, **FACILITIES)
    v = _verdict(setup, setup.village_a1)
    assert (v.poor_people, v.incidence) == (4, incidence)
    assert v.checks[0][1] == outcome
    assert v.verdict == ("EXIT_ELIGIBLE" if outcome == "PASS" else "NOT_ELIGIBLE")


def test_missing_facts_are_unknown_and_a_no_fails(setup):
    assert _verdict(setup, setup.village_a1).verdict == "INSUFFICIENT_DATA"
    VillageFacts.objects.create(village=setup.village_a1, year=2019, population=1000, **(FACILITIES | {"clinic": None}))
    v = _verdict(setup, setup.village_a1)
    assert v.verdict == "INSUFFICIENT_DATA" and ("标准化卫生室", "UNKNOWN", "标准化卫生室：未填写") in v.checks
    VillageFacts.objects.filter(village=setup.village_a1).update(clinic=False, bus_service=None)
    assert _verdict(setup, setup.village_a1).verdict == "NOT_ELIGIBLE"


def test_limits_are_policy_parameters(setup):
    VillageFacts.objects.create(village=setup.village_a1, year=2019, population=150, **FACILITIES)
    assert _verdict(setup, setup.village_a1).verdict == "NOT_ELIGIBLE"   # 2.67%
    policy_version_create(year=2019, values={"village_incidence_max": "0.03"}, reason="西部标准", actor=None,
                          publish=True)
    assert _verdict(setup, setup.village_a1).verdict == "EXIT_ELIGIBLE"
    policy_version_create(year=2019, values={"village_collective_income_min": "50000"}, reason="集体经济",
                          actor=None, publish=True)
    v = _verdict(setup, setup.village_a1)
    assert v.verdict == "INSUFFICIENT_DATA" and v.checks[-1] == ("村集体经济收入", "UNKNOWN", "村集体经济收入未填写")


def test_county_incidence(setup):
    VillageFacts.objects.create(village=setup.village_a1, year=2019, population=100, **FACILITIES)
    VillageFacts.objects.create(village=setup.village_b1, year=2019, population=300, **FACILITIES)
    result = county_incidence(2019, setup.county)
    assert (result["poor"], result["population"], result["incidence"]) == (4, 400, Decimal("1.00"))
    assert result["verdict"] == "EXIT_ELIGIBLE" and result["villages_recorded"] == 2


def test_plan_targets_and_progress(setup):
    targets_seed(setup.county)
    assert targets_seed(setup.county) == 0  # idempotent
    assert list(Target.objects.order_by("year").values_list("year", "people", "villages")) == [
        (2018, 680, 2), (2019, 1000, 0), (2020, None, 0)]
    PoorVillage.objects.create(village=setup.village_a1, designated_year=2014, exit_year=2019)
    PoorVillage.objects.create(village=setup.village_b1, designated_year=2014)
    county = Area.objects.filter(pk=setup.county.pk)
    y2019 = target_progress(2019, county)[0]
    assert (y2019.target_people, y2019.exited_people, y2019.missing_people) == (1000, 2, 998)
    assert (y2019.exited_villages, y2019.missing_villages) == (1, 0)
    y2020 = target_progress(2020, county)[0]
    # "All remaining": the people still poor at the end of 2019 (A1-1 and A1-2, 2 members each).
    assert y2020.all_remaining and y2020.target_people == 4 and y2020.exited_people == 2
    assert y2020.target_villages == 1 and y2020.missing_villages == 1


def test_village_pages(personas, setup):
    client = Client()
    client.force_login(personas.cadre_a1)
    posted = client.post(f"/assessment/villages/{setup.village_a1.pk}/facts/?year=2019", {
        "year": "2019", "population": "1000", **{k: "true" for k in VillageFacts.FACILITIES}, "collective_income": ""})
    assert posted.status_code == 302
    page = client.get("/assessment/villages/", {"year": "2019", "all": "1"})
    verdicts = {v.village.code: v.verdict for v in page.context["verdicts"]}
    assert verdicts == {setup.village_a1.code: "EXIT_ELIGIBLE"}
    other = client.get(f"/assessment/villages/{setup.village_b1.pk}/facts/")
    assert other.status_code == 404


def test_the_village_list_shows_the_poor_villages_unless_all_and_narrows_by_township(personas, setup):
    PoorVillage.objects.create(village=setup.village_a1, designated_year=2014, exit_year=2019)
    client = Client()
    client.force_login(personas.officer)

    def listed(**params):
        return {v.code for v in client.get("/assessment/villages/", {"year": "2019", **params}).context["page"]}

    assert listed() == listed(all="yes") == {setup.village_a1.code}
    assert setup.village_b1.code in listed(all="1")
    assert listed(all="1", township=setup.village_a1.parent_id) == {setup.village_a1.code, setup.village_a2.code}
    assert listed(township="abc") == {setup.village_a1.code}


def test_progress_per_township_in_a_fixed_number_of_queries(setup, django_assert_max_num_queries):
    """Each area sums its own villages; the queries do not grow with the number of areas."""
    make_household(setup.village_b1, "B1-1", status="exited", identified_year=2016, exit_year=2019, members=3)
    make_household(setup.village_b1, "B1-2", status="registered", identified_year=2016, members=1)
    PoorVillage.objects.create(village=setup.village_a1, designated_year=2014, exit_year=2019)
    PoorVillage.objects.create(village=setup.village_a2, designated_year=2014)
    PoorVillage.objects.create(village=setup.village_b1, designated_year=2014, exit_year=2020)
    Target.objects.create(area=setup.county, year=2019, people=10, villages=1)
    Target.objects.create(area=setup.town_a, year=2019, people=None, villages=0)   # all remaining
    Target.objects.create(area=setup.town_b, year=2019, people=4, villages=2)
    areas = Area.objects.filter(pk__in=[setup.county.pk, setup.town_a.pk, setup.town_b.pk])
    with django_assert_max_num_queries(6):
        rows = {p.area.pk: p for p in target_progress(2019, areas)}
    county, town_a, town_b = rows[setup.county.pk], rows[setup.town_a.pk], rows[setup.town_b.pk]
    # Exits of 2019: A1-3 (2 people) in town a, B1-1 (3 people) in town b; village a1 exited in 2019.
    assert (county.exited_people, county.exited_villages, county.target_people) == (5, 1, 10)
    assert (town_b.exited_people, town_b.exited_villages, town_b.missing_people, town_b.missing_villages) == (
        3, 0, 1, 2)
    # Town a, "all remaining": poor at the end of 2018 = A1-1, A1-2, A1-3 (2 each; A1-4 identified 2020);
    # villages still poor in 2019 = a1 (exits in 2019) and a2 (never).
    assert town_a.all_remaining and (town_a.target_people, town_a.exited_people) == (6, 2)
    assert (town_a.target_villages, town_a.exited_villages, town_a.missing_villages) == (2, 1, 1)
    assert [p.area.pk for p in target_progress(2019, areas)] == [setup.county.pk, setup.town_a.pk, setup.town_b.pk]
