"""Editing the registry (issue 16, ADR 0026): every edit kind, every refusal, the history and the versions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from fupin.core.errors import ConcurrentChange
from fupin.core.models import AuditEntry
from fupin.core.testing import make_household, make_id_number
from fupin.registry.editing import (
    Edit,
    EditRefused,
    applicant_create,
    head_change,
    household_update,
    income_save,
    member_add,
    member_remove,
    member_update,
)
from fupin.registry.models import Change, Household, Member
from fupin.registry.tests.edits import registry_snapshot

pytestmark = pytest.mark.django_db


def edit(household, actor=None, **kw):
    household.refresh_from_db()
    return Edit(actor=actor, version=household.version, **kw)


def snapshot():
    """Every registry row and history row, to show that a refused edit changed nothing."""
    return registry_snapshot(AuditEntry.objects.all())


def codes_of(refused):
    return [p.code for p in refused.value.problems]


class TestHouseholdFacts:
    def test_it_changes_the_facts_and_records_each_changed_value(self, home, personas):
        day = timezone.localdate() - timedelta(days=3)
        household_update(home, {"safe_water": True, "housing_grade": "B", "phone": "13912345678"},
                         edit(home, personas.cadre_a1, valid_from=day, reason="入户核实"))
        home.refresh_from_db()
        assert (home.safe_water, home.housing_grade, home.phone, home.version) == (True, "B", "13912345678", 2)
        changes = {c.field: c for c in Change.objects.filter(household=home)}
        assert set(changes) == {"safe_water", "housing_grade", "phone"}
        assert (changes["safe_water"].old, changes["safe_water"].new) == (None, True)
        assert (changes["housing_grade"].old, changes["housing_grade"].new) == ("", "B")
        assert changes["phone"].new != "13912345678"  # the history keeps a sealed phone sealed (ADR 0024)
        assert all((c.actor, c.valid_from, c.reason, c.source, c.event) ==
                   (personas.cadre_a1, day, "入户核实", "page", "edit") for c in changes.values())

    def test_the_address_and_the_bank_account_for_subsidies(self, home, personas):
        household_update(home, {"address": "新店镇张庄村三组 12 号", "bank_name": "郾城区农村信用合作联社",
                                "bank_account": "6228 4800 1234 5678 9"}, edit(home, personas.cadre_a1))
        home.refresh_from_db()
        assert (home.address, home.bank_name, home.bank_account) == (
            "新店镇张庄村三组 12 号", "郾城区农村信用合作联社", "62284800123456789")
        with connection.cursor() as cursor:  # sealed at rest, in the row and in its history (ADR 0024)
            cursor.execute("SELECT bank_account FROM registry_household WHERE id = %s", [home.pk])
            assert "62284800123456789" not in cursor.fetchone()[0]
        assert "62284800123456789" not in str(Change.objects.get(household=home, field="bank_account").new)
        with pytest.raises(EditRefused) as refused:
            household_update(home, {"bank_account": "62-28A"}, edit(home, personas.cadre_a1))
        assert codes_of(refused) == ["BANK_ACCOUNT_INVALID"] and "bank_account" in refused.value.fields

    def test_the_history_is_insert_only(self, home, personas):
        household_update(home, {"safe_water": True}, edit(home, personas.cadre_a1))
        change = Change.objects.get(household=home, field="safe_water")
        change.reason = "改写"
        for attempt in (change.save, change.delete, lambda: Change.objects.update(reason="改写"),
                        lambda: Change.objects.all().delete()):
            with pytest.raises(TypeError, match="insert-only"):
                attempt()
        assert Change.objects.get(pk=change.pk).reason == ""

    def test_an_edit_that_changes_nothing_writes_nothing(self, home, personas):
        before = snapshot()
        household_update(home, {"attribute": home.attribute}, edit(home, personas.cadre_a1))
        assert snapshot() == before

    @pytest.mark.parametrize(("values", "code", "field"), [
        ({"phone": "12345"}, "PHONE_INVALID", "phone"),
        ({"main_cause": ""}, "MAIN_CAUSE_REQUIRED", "main_cause"),
        ({"housing_grade": "E"}, "CODE_UNKNOWN", "housing_grade"),
        ({"attribute": "ordinary"}, "ATTRIBUTE_STATUS_MISMATCH", "attribute"),
    ])
    def test_the_import_rules_refuse_a_bad_value_and_nothing_changes(self, home, personas, values, code, field):
        before = snapshot()
        with pytest.raises(EditRefused) as refused:
            household_update(home, values, edit(home, personas.cadre_a1))
        assert code in codes_of(refused) and field in refused.value.fields
        assert snapshot() == before

    def test_a_stale_version_is_refused(self, home, personas):
        stale = edit(home, personas.cadre_a1)
        household_update(home, {"safe_water": True}, edit(home, personas.cadre_a1))
        before = snapshot()
        with pytest.raises(ConcurrentChange) as refused:
            household_update(home, {"safe_water": False}, stale)
        assert refused.value.status == 409 and "reload" in refused.value.message
        assert snapshot() == before

    def test_a_household_outside_the_actors_villages_is_refused(self, home, personas):
        before = snapshot()
        with pytest.raises(PermissionDenied):
            household_update(home, {"safe_water": True}, edit(home, personas.cadre_b1))
        assert snapshot() == before

    def test_a_future_date_is_refused(self, home, personas):
        with pytest.raises(EditRefused) as refused:
            household_update(home, {"safe_water": True},
                             edit(home, personas.cadre_a1, valid_from=timezone.localdate() + timedelta(days=1)))
        assert codes_of(refused) == ["DATE_FUTURE_EDIT"]


class TestMembers:
    def test_a_newborn_is_added_with_the_birth_as_its_history(self, home, personas):
        born = timezone.localdate() - timedelta(days=40)
        number = make_id_number(born, female=True)
        baby = member_add(home, {"name": "张小花", "relation": "granddaughter"}, number, "birth",
                          edit(home, personas.cadre_a1, valid_from=born, reason="出生"))
        assert (baby.birth_date, baby.sex, baby.household_id) == (born, "F", home.pk)
        change = Change.objects.get(member=baby)
        assert (change.field, change.event, change.valid_from) == ("*", "birth", born)
        home.refresh_from_db()
        assert home.version == 2

    def test_a_newborn_must_be_born_this_year(self, home, personas):
        with pytest.raises(EditRefused) as refused:
            member_add(home, {"name": "张大", "relation": "son"}, make_id_number(date(2001, 1, 1)), "birth",
                       edit(home, personas.cadre_a1))
        assert codes_of(refused) == ["BIRTH_NOT_RECENT"]

    @pytest.mark.parametrize(("number", "code"), [
        ("411103201001011235", "ID_CHECK_CHARACTER"),
        ("41110320100101123", "ID_LENGTH"),
    ])
    def test_a_bad_id_number_is_refused(self, home, personas, number, code):
        before = snapshot()
        with pytest.raises(EditRefused) as refused:
            member_add(home, {"name": "王五", "relation": "spouse"}, number, "married_in", edit(home, personas.cadre_a1))
        assert code in codes_of(refused) and "id_number" in refused.value.fields
        assert snapshot() == before

    def test_an_id_number_of_another_household_is_refused(self, home, households, personas):
        other = households["a1"].members.first()
        before = snapshot()
        with pytest.raises(EditRefused) as refused:
            member_add(home, {"name": other.name, "relation": "spouse"}, other.id_number, "married_in",
                       edit(home, personas.cadre_a1))
        assert codes_of(refused) == ["ID_IN_OTHER_HOUSEHOLD"]
        assert snapshot() == before

    def test_a_member_is_edited_and_the_head_is_not_changed_by_relation(self, home, personas):
        son = home.members.get(relation="son")
        member_update(son, {"schooling": "senior", "dibao": True}, edit(home, personas.cadre_a1))
        son.refresh_from_db()
        assert (son.schooling, son.dibao) == ("senior", True)
        with pytest.raises(EditRefused) as refused:
            member_update(son, {"relation": "head"}, edit(home, personas.cadre_a1))
        assert codes_of(refused) == ["HEAD_BY_NAMING"]

    def test_a_disabled_member_needs_a_level(self, home, personas):
        son = home.members.get(relation="son")
        with pytest.raises(EditRefused) as refused:
            member_update(son, {"health": "disabled"}, edit(home, personas.cadre_a1))
        assert codes_of(refused) == ["DISABILITY_LEVEL_REQUIRED"]

    def test_the_head_changes_by_naming_the_new_head(self, home, personas):
        head, son = home.members.get(relation="head"), home.members.get(relation="son")
        head_change(home, son, "father", edit(home, personas.cadre_a1, reason="原户主年迈"))
        head.refresh_from_db()
        son.refresh_from_db()
        assert (son.relation, head.relation) == ("head", "father")
        assert Change.objects.filter(household=home, event="head_change", field="relation").count() == 2

    def test_a_member_leaves_with_a_reason_and_a_date(self, home, personas):
        son = home.members.get(relation="son")
        day = timezone.localdate() - timedelta(days=10)
        member_remove(son, "death", edit(home, personas.cadre_a1, valid_from=day, reason="病故"))
        son = Member.everyone.get(pk=son.pk)
        assert (son.removed_on, son.removal_reason) == (day, "death")
        assert list(home.members.values_list("relation", flat=True)) == ["head"]  # counted no more
        assert set(Change.objects.filter(member=son).values_list("field", "new")) == {
            ("removed_on", day.isoformat()), ("removal_reason", "death")}

    @pytest.mark.parametrize(("who", "reason", "code"), [
        ("head", "death", "HEAD_NOT_REMOVABLE"),
        ("son", "", "REMOVAL_REASON"),
    ])
    def test_a_removal_is_refused(self, home, personas, who, reason, code):
        member = home.members.get(relation=who)
        before = snapshot()
        with pytest.raises(EditRefused) as refused:
            member_remove(member, reason, edit(home, personas.cadre_a1))
        assert codes_of(refused) == [code]
        assert snapshot() == before

    def test_the_last_member_cannot_leave(self, areas, personas):
        alone = make_household(areas.village_a1, "H-A1-0102", members=1, main_cause="illness", identified_year=2016)
        head = alone.members.get()
        alone.refresh_from_db()
        # The head alone: no new head can be named; the household is closed through its workflow instead.
        before = snapshot()
        with pytest.raises(EditRefused) as refused:
            member_remove(head, "death", edit(alone, personas.cadre_a1))
        assert codes_of(refused) == ["LAST_MEMBER"] and "workflow" in refused.value.problems[0].rule_en
        assert snapshot() == before

    def test_a_member_who_left_can_marry_into_another_household(self, home, households, personas):
        son = home.members.get(relation="son")
        member_remove(son, "married_out", edit(home, personas.cadre_a1))
        other = households["a1"]
        joined = member_add(other, {"name": son.name, "relation": "son_in_law"}, son.id_number, "married_in",
                            edit(other, personas.cadre_a1))
        assert joined.household_id == other.pk and joined.pk != son.pk


class TestIncomes:
    def test_this_years_income_is_entered_and_corrected(self, home, personas):
        year = timezone.localdate().year
        values = {"wage_income": Decimal("9000"), "business_income": Decimal("1200.5"), "property_income": 0,
                  "transfer_income": Decimal("600"), "business_expense": Decimal("300")}
        income_save(home, year, values, edit(home, personas.cadre_a1))
        income = income_save(home, year, {"wage_income": Decimal("9500")}, edit(home, personas.cadre_a1))
        assert income.wage_income == Decimal("9500")
        fields = list(Change.objects.filter(household=home, year=year).order_by("pk").values_list("field", "old", "new"))
        assert fields == [("*", None, None), ("wage_income", "9000.00", "9500.00")]

    def test_an_old_year_and_a_negative_amount_are_refused(self, home, personas):
        with pytest.raises(EditRefused) as refused:
            income_save(home, 2018, {"wage_income": Decimal("-1")}, edit(home, personas.cadre_a1))
        assert set(codes_of(refused)) == {"INCOME_YEAR_EDIT", "MONEY_NEGATIVE"}


class TestApplicant:
    def test_a_new_applicant_is_an_ordinary_household_with_its_head(self, areas, personas):
        number = make_id_number(date(1980, 2, 3))
        household = applicant_create(areas.village_a1, {"phone": "13800001111", "main_cause": "illness"},
                                     {"name": "赵六"}, number, Edit(actor=personas.cadre_a1, version=None))
        assert (household.attribute, household.status, household.village) == ("ordinary", "applied", areas.village_a1)
        assert household.household_no == f"{areas.village_a1.code}0001"
        assert household.members.get().relation == "head"
        assert Change.objects.get(household=household, member=None).event == "applicant"

    def test_a_township_officer_registers_the_applicant_and_the_village_takes_its_application(self, areas, personas):
        household = applicant_create(areas.village_a1, {"main_cause": "illness"}, {"name": "赵六"},
                                     make_id_number(date(1980, 2, 3)), Edit(actor=personas.township_a, version=None))
        assert household.status is None and not household.transitions.exists()  # 农户申请 is the village's step

    def test_an_applicant_outside_the_actors_villages_is_refused(self, areas, personas):
        with pytest.raises(PermissionDenied):
            applicant_create(areas.village_b1, {}, {"name": "赵六"}, make_id_number(date(1980, 2, 3)),
                             Edit(actor=personas.cadre_a1, version=None))
        assert not Household.objects.filter(village=areas.village_b1, attribute="ordinary").exists()
