"""The two readings of each eligibility rule agree: the per-beneficiary check the record form, the API and
department files run (``services.validate``) and the Polars reading the county's 应享未享 runs
(``coverage.eligible``), over a planted population that covers every rule, every value of the facts the
rules read and the age boundaries under two reference days; and the set-based 应享未享 equals the
suggestions' per-household evaluation, reasons and order included."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest

from fupin.assessment.services import assess_county, policy_seed_defaults, policy_version_create
from fupin.core.errors import BadInput
from fupin.measures import coverage as coverage_module
from fupin.measures import rules
from fupin.measures.coverage import coverage, eligible, entitlement_gaps, load_facts
from fupin.measures.models import Measure, Programme
from fupin.measures.services import MeasureInput, house_of, measure_create, params_for, validate
from fupin.measures.suggestions import evaluate
from fupin.registry.codes import Attribute, Cause, Schooling
from fupin.registry.models import HelperAssignment, Household, Member

pytestmark = pytest.mark.django_db
YEAR = 2019
AS_OF_B = date(YEAR, 2, 28)  # township b publishes its own reference day and age limits
REGIONAL = {"as_of": AS_OF_B.isoformat(), "measure_preschool_age_min": 4, "school_age_max": 14,
            "measure_working_age_max": 60}
AGES = (0, 2, 3, 4, 5, 6, 7, 13, 14, 15, 16, 17, 59, 60, 61, 64, 65, 66)
"""Each age limit of the defaults (3-6, 6-15, 16-65) and of township b (4-6, 6-14, 16-60), with the ages
either side: a member is born exactly that many years before the reference day, or a day later."""
SCHOOLING = ("", *Schooling.values)
HEALTH = ("", "healthy", "chronic", "serious", "disabled")
LEVELS = ("", "1", "2", "3", "4")
LABOUR = ("", "ordinary", "skilled", "weak", "lost", "none")
DIBAO = (None, True, False)
GRADES = ("", "A", "B", "C", "D")
RENOVATED = (None, False, True)
ATTRIBUTES = tuple(a for a in Attribute.values if a != "ordinary")  # 一般农户 are not in the register


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def births(as_of: date) -> list[date]:
    out = []
    for age in AGES:
        born = _years_before(as_of, age)
        out += [born, born + timedelta(days=1)]
    # Leap-day births (Feb 28 reference day: not yet a birthday), someone born after the reference day.
    return [*out, date(2016, 2, 29), date(2004, 2, 29), date(1956, 2, 29), as_of + timedelta(days=3)]


def plant(areas) -> dict[int, list[Household]]:
    """Per village (a1 under the defaults, b1 under township b's): a household for every attribute, housing
    grade and renovation state, and members covering the ages at every limit with every schooling state and
    labour state, and every health, disability grade and 低保 combination under every attribute."""
    policy_seed_defaults()
    policy_version_create(year=YEAR, values=REGIONAL, reason="本镇标准", actor=None, region=areas.town_b, publish=True)
    planted: dict[int, list[Household]] = {}
    people: list[Member] = []
    serial = itertools.count(1)
    for tag, village, as_of in (("A1", areas.village_a1, date(YEAR, 12, 31)), ("B1", areas.village_b1, AS_OF_B)):
        houses = [Household(household_no=f"T-{tag}-{i:03d}", village=village, status="registered", attribute=attr,
                            housing_grade=grade, housing_renovated=renovated)
                  for i, (attr, grade, renovated) in enumerate(itertools.product(ATTRIBUTES, GRADES, RENOVATED))]
        houses = Household.objects.bulk_create(houses)
        planted[village.pk] = houses

        def member(house: Household, born: date, **facts) -> Member:
            n = next(serial)
            return Member(household=house, name=f"成员{n}", id_number=f"T{n:017d}", sex="M", birth_date=born,
                          relation="son", **facts)

        for i, (born, schooling, labour) in enumerate(itertools.product(
                births(as_of), ("preschool", "primary", "grade_9", "senior", ""), ("ordinary", "lost", ""))):
            people.append(member(houses[i % len(houses)], born, schooling=schooling, labour=labour,
                                 health=HEALTH[i % 4], dibao=DIBAO[i % 3]))
        for i, (attr, health, level, dibao) in enumerate(itertools.product(ATTRIBUTES, HEALTH, LEVELS, DIBAO)):
            if health == "disabled" and not level:
                continue  # the register refuses a disabled member without a grade
            same = [h for h in houses if h.attribute == attr]
            people.append(member(same[i % len(same)], date(1980, 5, 1), health=health, disability_level=level,
                                 dibao=dibao, schooling=SCHOOLING[i % len(SCHOOLING)], labour=LABOUR[i % len(LABOUR)]))
    Member.objects.bulk_create(people)
    return planted


def per_beneficiary(programmes: list[Programme]) -> set[tuple[int, int, int | None]]:
    """(programme, household, member) that the record form's check accepts, the day being the reference day."""
    ok: set[tuple[int, int, int | None]] = set()
    households = list(Household.objects.order_by("pk"))
    params = params_for(YEAR, {h.village_id for h in households})
    for h in households:
        members = list(h.members.order_by("pk"))
        house, p = house_of(h, members), params[h.village_id]
        for programme in programmes:
            targets = members if programme.rule in rules.MEMBER_RULES else [None]
            for m in targets:
                try:
                    validate(MeasureInput(programme, p.as_of, member=m), h, house, p)
                except BadInput as exc:
                    assert exc.code == "NOT_ELIGIBLE", exc.message
                    continue
                ok.add((programme.pk, h.pk, m.pk if m else None))
    return ok


def vectorised(programmes: list[Programme]) -> set[tuple[int, int, int | None]]:
    frame = eligible(load_facts(Household.objects.all(), YEAR, programmes), programmes)
    return set(frame.select("programme_id", "household_id", "member_id").iter_rows())


def test_the_form_check_and_the_vectorised_rules_agree_on_every_rule_and_boundary(areas):
    plant(areas)
    programmes = list(Programme.objects.exclude(rule="").order_by("sort", "code"))
    assert {p.rule for p in programmes} == rules.RULES, "every rule is planted through a programme"
    members = list(Member.objects.values_list("schooling", "health", "disability_level", "labour", "dibao"))
    for i, values in enumerate((SCHOOLING, HEALTH, LEVELS, LABOUR, DIBAO)):
        assert {m[i] for m in members} == set(values)
    expected = per_beneficiary(programmes)
    for p in programmes:  # each rule both accepts and refuses someone, so agreeing is not trivial
        assert any(e[0] == p.pk for e in expected), p.code
    assert vectorised(programmes) == expected
    for p in programmes:  # one at a time too: the members read are then narrowed by that rule alone
        assert vectorised([p]) == {e for e in expected if e[0] == p.pk}, p.code


def test_the_age_limits_follow_each_village_s_reference_day_and_parameters(areas):
    planted = plant(areas)
    programme = Programme.objects.get(code="preschool_aid")
    ok = vectorised([programme])
    ages: dict[int, set[int]] = {}
    for member in Member.objects.filter(pk__in=[m for _p, _h, m in ok]).select_related("household"):
        as_of = AS_OF_B if member.household.village_id == areas.village_b1.pk else date(YEAR, 12, 31)
        ages.setdefault(member.household.village_id, set()).add(member.age_on(as_of))
    assert ages == {areas.village_a1.pk: {3, 4, 5, 6}, areas.village_b1.pk: {4, 5, 6}}
    assert set(planted) == set(ages)


def test_the_set_based_gaps_equal_the_suggestions_evaluation(areas, monkeypatch):
    planted = plant(areas)
    a1 = planted[areas.village_a1.pk]
    causes = ("", *Cause.values)
    for i, h in enumerate(a1):  # every cause, as the main one and among the others (repeated, too)
        h.main_cause = causes[i % len(causes)]
        h.other_causes = [causes[(i * 5 + 3) % len(causes)] or "illness", h.main_cause or "disability"]
    Household.objects.bulk_update(a1, ["main_cause", "other_causes"])
    assess_county(YEAR)  # failing indicators (HOUSING, EDUCATION) become reasons
    renovated = next(h for h in a1 if h.housing_grade == "C" and not h.housing_renovated)
    Household.objects.filter(pk=renovated.pk).update(housing_renovated=True)
    assess_county(YEAR)  # the latest assessment counts: that house no longer fails HOUSING
    seniors = list(Member.objects.filter(schooling="senior", household__village=areas.village_a1).order_by("pk"))
    grant = Programme.objects.get(code="high_school_grant")
    measure_create(seniors[0].household, MeasureInput(grant, date(YEAR, 3, 1), member=seniors[0],
                                                      amount=Decimal("1000")), actor=None)
    earlier = measure_create(seniors[1].household, MeasureInput(grant, date(YEAR - 1, 3, 1), member=seniors[1]),
                             actor=None)
    dibao = next(h for h in a1 if h.attribute == "dibao_poor")
    measure_create(dibao, MeasureInput(Programme.objects.get(code="dibao"), date(YEAR, 5, 1)), actor=None)
    tekun = next(h for h in a1 if h.attribute == "tekun_poor")
    cancelled = measure_create(tekun, MeasureInput(Programme.objects.get(code="tekun_support"), date(YEAR, 5, 1)),
                               actor=None)
    Measure.objects.filter(pk=cancelled.pk).update(status=Measure.Status.CANCELLED)  # no longer received
    Household.objects.filter(pk=a1[2].pk).update(status="removed")  # out of the register: no gaps

    def shape(gaps):
        return [(g.household_id, g.household_no, g.village_id, g.village_name, g.programme.code, g.member_ids,
                 g.reasons) for g in gaps]

    HelperAssignment.objects.create(household=a1[3], name="帮扶人", starts_on=date(YEAR, 1, 1))
    HelperAssignment.objects.create(household=a1[4], name="旧帮扶人", starts_on=date(YEAR, 1, 1),
                                    ends_on=date(YEAR, 2, 1))

    expected = shape(evaluate(Household.objects.all(), YEAR).gaps)
    assert shape(entitlement_gaps(Household.objects.all(), YEAR)) == expected
    cov = coverage(Household.objects.all(), YEAR)
    assert shape(g for v in cov.villages for g in v.gaps) == expected
    # On SQLite a large set is read by scanning the tables and matched in Polars: the same answer.
    monkeypatch.setattr(coverage_module, "SQLITE_SCAN_ABOVE", 0)
    scanned = coverage(Household.objects.all(), YEAR)
    assert shape(g for v in scanned.villages for g in v.gaps) == expected
    assert scanned.as_dict() == cov.as_dict()
    # A measure cancelled, one of last year and a helper whose assignment ended do not count.
    assert (cov.total("with_measure"), cov.total("with_helper"), cov.total("high_school_granted")) == (2, 1, 1)
    codes = {(g[1], g[4]) for g in expected}
    assert (dibao.household_no, "dibao") not in codes and a1[2].pk not in {g[0] for g in expected}
    assert any(g[4] == "high_school_grant" and seniors[1].pk in g[5] for g in expected), earlier
    assert not any(g[4] == "high_school_grant" and seniors[0].pk in g[5] for g in expected)
    assert (tekun.household_no, "tekun_support") in codes
    assert {r for g in expected for r in g[6]} >= {"致贫原因：因病", "致贫原因：因残", "致贫原因：因学",
                                                   "未达标：住房安全有保障", "符合条件未享受 / eligible, not receiving"}
    assert (renovated.household_no, "housing_renovation") not in codes
