"""A household as it stood on a past day (issue 16 item 3, ADR 0026): members and income lines before and after a
birth, a removal and a correction, facts put back, a household created later, and a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from fupin.accounts.roles import FIELD_GROUPS
from fupin.core.testing import make_household, make_id_number
from fupin.registry.editing import (
    Edit,
    applicant_create,
    head_change,
    household_update,
    income_save,
    member_add,
    member_remove,
    member_update,
)
from fupin.registry.field_groups import FIELD_GROUP_OF, hidden_fields
from fupin.registry.history import household_as_of, household_changes
from fupin.registry.models import Household, IncomeRecord, Member

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def today():
    """Every test on 2026-06-15 (before the personas are made: their roles start the day they are given)."""
    with time_machine.travel(datetime(2026, 6, 15, 4, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def home(areas):
    """A registered household of village a1 (head 张三 born 1970, son 李二 born 1990, son 李三 born 2010), with an
    income line of 2018; no history: it stood so before any change."""
    return make_household(areas.village_a1, "H-A1-0101", members=3, main_cause="illness", identified_year=2016,
                          safe_water=False, phone="13800000000")


def edit(household: Household, actor, day: date, reason: str = "") -> Edit:
    household.refresh_from_db()
    return Edit(actor=actor, version=household.version, valid_from=day, reason=reason)


def names(state) -> list[str]:
    return [m.name for m in state.members]


def as_of(household, day, viewer):
    return household_as_of(Household.objects.get(pk=household.pk), day, viewer=viewer)


class TestMembers:
    def test_a_baby_is_a_member_from_the_day_of_its_birth(self, home, personas):
        born = TODAY - timedelta(days=40)
        member_add(home, {"name": "张小花", "relation": "granddaughter"}, make_id_number(born, female=True), "birth",
                   edit(home, personas.cadre_a1, born, "出生"))
        before, on = as_of(home, born - timedelta(days=1), personas.admin), as_of(home, born, personas.admin)
        assert names(before) == ["张三", "李二", "李三"] and before.household.member_total == 3
        assert names(on) == ["张三", "李二", "李三", "张小花"] and on.household.member_total == 4
        assert before.existed and on.existed

    def test_a_member_who_left_is_a_member_until_the_day_they_left(self, home, personas):
        left = TODAY - timedelta(days=10)
        son = home.members.get(name="李二")
        member_remove(son, "married_out", edit(home, personas.cadre_a1, left, "出嫁"))
        before, on = as_of(home, left - timedelta(days=1), personas.admin), as_of(home, left, personas.admin)
        assert names(before) == ["张三", "李二", "李三"] and before.household.member_total == 3
        kept = next(m for m in before.members if m.name == "李二")
        assert (kept.removed_on, kept.removal_reason) == (None, "")  # as it stood: not yet gone
        assert names(on) == ["张三", "李三"] and on.household.member_total == 2

    def test_a_relation_changed_later_is_the_old_one_before(self, home, personas):
        day = TODAY - timedelta(days=5)
        head_change(home, home.members.get(name="李二"), "father", edit(home, personas.cadre_a1, day, "户主年迈"))
        before = as_of(home, day - timedelta(days=1), personas.admin)
        assert [(m.name, m.relation) for m in before.members] == [("张三", "head"), ("李二", "son"), ("李三", "son")]
        after = as_of(home, day, personas.admin)
        assert [(m.name, m.relation) for m in after.members] == [("张三", "father"), ("李二", "head"), ("李三", "son")]


class TestIncomes:
    def test_a_line_entered_then_corrected_reads_as_it_stood_each_day(self, home, personas):
        entered, corrected = TODAY - timedelta(days=20), TODAY - timedelta(days=5)
        values = {"wage_income": Decimal("9000"), "business_income": Decimal("1200.5"), "property_income": 0,
                  "transfer_income": Decimal("600"), "business_expense": Decimal("300")}
        income_save(home, 2026, values, edit(home, personas.cadre_a1, entered, "年度收入核算"))
        income_save(home, 2026, {"wage_income": Decimal("9500.25")}, edit(home, personas.cadre_a1, corrected, "更正"))

        def lines(day):
            return {i.year: i for i in as_of(home, day, personas.admin).incomes}

        assert list(lines(entered - timedelta(days=1))) == [2018]
        first = lines(entered)[2026]
        assert (first.wage_income, first.business_income, first.net_income) == (
            Decimal("9000.00"), Decimal("1200.50"), Decimal("10500.50"))
        assert lines(corrected - timedelta(days=1))[2026].wage_income == Decimal("9000.00")
        assert lines(corrected)[2026].wage_income == Decimal("9500.25")
        assert lines(TODAY)[2026].wage_income == IncomeRecord.objects.get(household=home, year=2026).wage_income

    def test_a_reader_without_incomes_gets_no_lines(self, home, personas):
        assert as_of(home, TODAY, personas.admin).incomes
        assert as_of(home, TODAY, personas.department).incomes == []


class TestFacts:
    def test_facts_and_a_sealed_phone_are_put_back(self, home, personas):
        fixed = TODAY - timedelta(days=30)
        household_update(home, {"safe_water": True, "housing_grade": "B", "phone": "13912345678",
                                "other_causes": ["no_skills"]}, edit(home, personas.cadre_a1, fixed, "通自来水"))
        before = as_of(home, fixed - timedelta(days=1), personas.admin).household
        assert (before.safe_water, before.housing_grade, before.phone, before.other_causes) == (False, "", "13800000000",
                                                                                                 [])
        after = as_of(home, fixed, personas.admin).household
        assert (after.safe_water, after.housing_grade, after.phone, after.other_causes) == (True, "B", "13912345678",
                                                                                             ["no_skills"])
        home.refresh_from_db()
        assert home.safe_water is True  # the household fetched is left as it is: the answer is a copy

    def test_a_household_created_later_did_not_exist(self, areas, personas):
        applied = TODAY - timedelta(days=3)
        household = applicant_create(areas.village_a1, {"main_cause": "illness"}, {"name": "赵六"},
                                     make_id_number(date(1980, 2, 3)),
                                     Edit(actor=personas.cadre_a1, version=None, valid_from=applied))
        before = as_of(household, applied - timedelta(days=1), personas.admin)
        assert (before.existed, before.members, before.household.member_total) == (False, [], 0)
        assert names(as_of(household, applied, personas.admin)) == ["赵六"]


def test_the_past_costs_four_queries_however_long_the_history(home, personas, django_assert_num_queries):
    for n in range(6):
        day = TODAY - timedelta(days=60 - n)
        household_update(home, {"safe_water": n % 2 == 0}, edit(home, personas.cadre_a1, day))
    born = TODAY - timedelta(days=50)
    member_add(home, {"name": "张小花", "relation": "granddaughter"}, make_id_number(born, female=True), "birth",
               edit(home, personas.cadre_a1, born))
    household = Household.objects.get(pk=home.pk)
    viewer = personas.admin
    viewer.area_scope  # noqa: B018 (the viewer's scope is read once per request, not per selector)
    with django_assert_num_queries(4):
        state = household_as_of(household, TODAY - timedelta(days=70), viewer=viewer)
    assert names(state) == ["张三", "李二", "李三"] and state.household.safe_water is False


def test_a_department_reads_only_its_field_groups_and_members(home, personas):
    """The education office (schooling, school-age members) reads the change of a pupil's schooling; not a
    household fact, an adult's health or an income line."""
    pupil, adult = home.members.get(name="李三"), home.members.get(name="李二")
    day = TODAY - timedelta(days=2)
    member_update(pupil, {"schooling": "senior"}, edit(home, personas.cadre_a1, day))
    member_update(pupil, {"dibao": True}, edit(home, personas.cadre_a1, day))
    member_update(adult, {"education": "junior"}, edit(home, personas.cadre_a1, day))
    household_update(home, {"safe_water": True}, edit(home, personas.cadre_a1, day))
    income_save(home, 2026, {"wage_income": 1, "business_income": 0, "property_income": 0, "transfer_income": 0,
                             "business_expense": 0}, edit(home, personas.cadre_a1, day))
    seen = {(c.member_id, c.year, c.field) for c in household_changes(personas.department, home)}
    assert seen == {(pupil.pk, None, "schooling")}
    everything = {(c.member_id, c.year, c.field) for c in household_changes(personas.admin, home)}
    assert everything == {(pupil.pk, None, "schooling"), (pupil.pk, None, "dibao"), (adult.pk, None, "education"),
                          (None, None, "safe_water"), (None, 2026, "*")}
    assert not list(household_changes(personas.cadre_b1, home))  # another village's cadre: nothing
    assert Member.everyone.filter(household=home).count() == 3


def test_every_field_group_named_exists_and_hides_its_fields(personas):
    assert set(FIELD_GROUP_OF.values()) <= set(FIELD_GROUPS)
    assert hidden_fields(personas.admin) == frozenset()
    hidden = hidden_fields(personas.department)  # the education office reads schooling only
    assert {"schooling", "education", "home_schooling"}.isdisjoint(hidden)
    assert {"dibao", "safe_water", "phone", "health", "wage_income"} <= hidden
