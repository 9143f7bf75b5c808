"""The registry's edit API (issue 16, ADR 0026): each write as the village cadre and the work team of the village
make it, scope (404) and capability (403), a stale version (409 CONCURRENT_CHANGE) and a refusal (422 with each
problem's rule and field), each refusal changing nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from fupin.core.testing import make_id_number, wrong_check_character
from fupin.registry.editing import Edit, household_update
from fupin.registry.models import Change, Household, IncomeRecord, Member
from fupin.registry.tests.edits import client_of, registry_snapshot

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
API = "/api/v1/registry"


def snapshot():
    return registry_snapshot()


def son_of(household: Household) -> Member:
    return Member.objects.get(household=household, relation="son")


def send(client: Client, method: str, url: str, body: dict[str, Any]):
    return client.generic(method, url, data=json.dumps(body, default=str),
                          content_type="application/json")


def version(household: Household) -> int:
    household.refresh_from_db()
    return household.version


@dataclass(frozen=True)
class Write:
    method: str
    url: Callable[[Household], str]
    good: Callable[[Household], dict[str, Any]]
    bad: Callable[[Household], dict[str, Any]]
    field: str
    code: str
    status: int = 200


def _newborn() -> dict[str, Any]:
    born = TODAY - timedelta(days=40)
    return {"event": "birth", "id_number": make_id_number(born, female=True), "name": "张小花",
            "relation": "granddaughter", "valid_from": born.isoformat()}


AMOUNTS = {"wage_income": "9000", "business_income": "1200.50", "property_income": "0", "transfer_income": "600",
           "business_expense": "300"}
WRITES_OF: dict[str, Write] = {
    "facts": Write("PATCH", lambda h: f"{API}/households/{h.pk}/facts",
                   lambda h: {"safe_water": True, "housing_grade": "B", "reason": "入户核实"},
                   lambda h: {"phone": "12345"}, "phone", "PHONE_INVALID"),
    "member_add": Write("POST", lambda h: f"{API}/households/{h.pk}/members", lambda h: _newborn(),
                        lambda h: {**_newborn(), "id_number": wrong_check_character(_newborn()["id_number"])}, "id_number",
                        "ID_CHECK_CHARACTER", 201),
    "member_edit": Write("PATCH", lambda h: f"{API}/members/{son_of(h).pk}",
                         lambda h: {"schooling": "senior", "dibao": True, "work_months": 6},
                         lambda h: {"work_months": 13}, "work_months", "NUMBER_RANGE"),
    "member_remove": Write("POST", lambda h: f"{API}/members/{son_of(h).pk}/removal",
                           lambda h: {"removal_reason": "death", "valid_from": (TODAY - timedelta(days=3)).isoformat()},
                           lambda h: {"removal_reason": "gone"}, "removal_reason", "REMOVAL_REASON"),
    "head_change": Write("POST", lambda h: f"{API}/households/{h.pk}/head",
                         lambda h: {"new_head": son_of(h).pk, "old_head_relation": "father"},
                         lambda h: {"new_head": son_of(h).pk, "old_head_relation": "nephew"}, "relation",
                         "CODE_UNKNOWN"),
    "income": Write("PUT", lambda h: f"{API}/households/{h.pk}/incomes/{TODAY.year}", lambda h: AMOUNTS,
                    lambda h: {**AMOUNTS, "wage_income": "-1"}, "wage_income", "MONEY_NEGATIVE"),
}


def write(client: Client, name: str, household: Household, body: dict[str, Any] | None = None, **extra: Any):
    spec = WRITES_OF[name]
    payload = {"version": version(household), **(spec.good(household) if body is None else body), **extra}
    return send(client, spec.method, spec.url(household), payload)


class TestEachWriteWorks:
    @pytest.mark.parametrize("who", ["cadre_a1", "team_a1"])
    def test_the_facts_are_patched_and_the_rest_stays(self, home, personas, who):
        home.phone = "13912345678"
        home.save()
        answer = write(client_of(getattr(personas, who)), "facts", home)
        assert answer.status_code == 200, answer.content
        body = answer.json()
        assert (body["safe_water"], body["housing_grade"], body["phone"], body["version"]) == (True, "B",
                                                                                             "13912345678", 2)
        assert {(c.field, c.source, c.actor, c.reason) for c in Change.objects.filter(household=home)} == {
            ("safe_water", "api", getattr(personas, who), "入户核实"),
            ("housing_grade", "api", getattr(personas, who), "入户核实")}

    @pytest.mark.parametrize("who", ["cadre_a1", "team_a1"])
    def test_a_newborn_is_added(self, home, personas, who):
        answer = write(client_of(getattr(personas, who)), "member_add", home)
        assert answer.status_code == 201, answer.content
        baby = Member.objects.get(pk=answer.json()["id"])
        assert (baby.name, baby.sex, baby.household_id, answer.json()["household_version"]) == ("张小花", "F", home.pk, 2)
        assert "*" in answer.json()["id_number"]  # masked in the answer

    @pytest.mark.parametrize("who", ["cadre_a1", "team_a1"])
    def test_a_member_is_patched(self, home, personas, who):
        son = son_of(home)
        answer = write(client_of(getattr(personas, who)), "member_edit", home)
        assert answer.status_code == 200, answer.content
        son.refresh_from_db()
        assert (son.schooling, son.dibao, son.work_months, son.relation) == ("senior", True, 6, "son")

    @pytest.mark.parametrize("who", ["cadre_a1", "team_a1"])
    def test_a_member_leaves(self, home, personas, who):
        son = son_of(home)
        answer = write(client_of(getattr(personas, who)), "member_remove", home)
        assert answer.status_code == 200, answer.content
        assert (answer.json()["removed_on"], answer.json()["removal_reason"]) == (
            (TODAY - timedelta(days=3)).isoformat(), "death")
        assert not Member.objects.filter(pk=son.pk).exists()

    @pytest.mark.parametrize("who", ["cadre_a1", "team_a1"])
    def test_the_head_changes(self, home, personas, who):
        son = son_of(home)
        answer = write(client_of(getattr(personas, who)), "head_change", home)
        assert answer.status_code == 200, answer.content
        assert answer.json()["head_id"] == son.pk
        assert set(home.members.values_list("name", "relation")) == {("张三", "father"), (son.name, "head")}

    @pytest.mark.parametrize("who", ["cadre_a1", "team_a1"])
    def test_this_years_income_line_is_put_and_corrected(self, home, personas, who):
        client = client_of(getattr(personas, who))
        assert write(client, "income", home).status_code == 200
        answer = write(client, "income", home, {**AMOUNTS, "wage_income": "9500"})
        assert answer.status_code == 200, answer.content
        assert (Decimal(answer.json()["wage_income"]), Decimal(answer.json()["net_income"])) == (
            Decimal("9500"), Decimal("11000.50"))
        assert IncomeRecord.objects.get(household=home, year=TODAY.year).wage_income == Decimal("9500")

    @pytest.mark.parametrize("who", ["cadre_a1", "team_a1"])
    def test_a_new_applicant_is_created(self, areas, personas, who):
        number = make_id_number(date(1980, 2, 3))
        answer = send(client_of(getattr(personas, who)), "POST", f"{API}/areas/{areas.village_a1.pk}/applicants",
                      {"id_number": number, "name": "赵六", "phone": "13800001111", "main_cause": "illness"})
        assert answer.status_code == 201, answer.content
        created = Household.objects.get(pk=answer.json()["id"])
        assert (created.attribute, created.status, created.village, created.main_cause) == (
            "ordinary", "applied", areas.village_a1, "illness")  # its 农户申请 taken with it
        assert created.members.get().pk == answer.json()["head_id"]
        assert Change.objects.filter(household=created, member=None, source="api", event="applicant").exists()


class TestScope:
    @pytest.mark.parametrize("name", WRITES_OF)
    def test_another_villages_cadre_gets_404_and_nothing_changes(self, home, personas, name):
        before = snapshot()
        answer = write(client_of(personas.cadre_b1), name, home)
        assert (answer.status_code, answer.json()["code"]) == (404, "NOT_FOUND")
        assert snapshot() == before

    @pytest.mark.parametrize("name", WRITES_OF)
    def test_an_auditor_gets_403_and_nothing_changes(self, home, personas, name):
        before = snapshot()
        answer = write(client_of(personas.auditor), name, home)
        assert (answer.status_code, answer.json()["code"]) == (403, "FORBIDDEN")
        assert snapshot() == before

    def test_an_applicant_in_another_village_is_404_and_an_auditor_gets_403(self, areas, personas):
        before = snapshot()
        body = {"id_number": make_id_number(date(1980, 2, 3)), "name": "赵六"}
        assert send(client_of(personas.cadre_b1), "POST", f"{API}/areas/{areas.village_a1.pk}/applicants",
                    body).status_code == 404
        assert send(client_of(personas.cadre_a1), "POST", f"{API}/areas/{areas.town_a.pk}/applicants",
                    body).status_code == 404  # a township is no village
        assert send(client_of(personas.auditor), "POST", f"{API}/areas/{areas.village_a1.pk}/applicants",
                    body).status_code == 403
        assert snapshot() == before

    def test_a_new_head_must_be_a_member_of_the_household(self, home, households, personas):
        before = snapshot()
        stranger = son_of(households["a1"])
        answer = write(client_of(personas.cadre_a1), "head_change", home,
                       {"new_head": stranger.pk, "old_head_relation": "father"})
        assert (answer.status_code, answer.json()["code"], list(answer.json()["fields"])) == (422, "BAD_INPUT",
                                                                                            ["new_head"])
        assert snapshot() == before


class TestRefusals:
    @pytest.mark.parametrize("name", WRITES_OF)
    def test_a_stale_version_is_409_and_changes_nothing(self, home, personas, name):
        stale = version(home)
        household_update(home, {"phone": "13912345678"}, Edit(actor=personas.team_a1, version=stale))
        before = snapshot()
        answer = write(client_of(personas.cadre_a1), name, home, version=stale)
        assert (answer.status_code, answer.json()["code"]) == (409, "CONCURRENT_CHANGE")
        assert answer.json()["message"].startswith("该户已被他人修改，请刷新页面后重试 / ")
        assert snapshot() == before

    @pytest.mark.parametrize("name", WRITES_OF)
    def test_a_refusal_is_422_with_each_problem_at_its_field_and_changes_nothing(self, home, personas, name):
        spec = WRITES_OF[name]
        before = snapshot()
        answer = write(client_of(personas.cadre_a1), name, home, spec.bad(home))
        assert answer.status_code == 422, answer.content
        body = answer.json()
        assert body["code"] == "EDIT_REFUSED"
        assert [(p["code"], p["field"]) for p in body["problems"]] == [(spec.code, spec.field)]
        problem = body["problems"][0]
        assert body["fields"] == {spec.field: [f"{problem['rule_zh']} / {problem['rule_en']}"]}
        assert problem["rule_zh"] in body["message"] and problem["rule_en"] in body["message"]
        assert snapshot() == before

    def test_the_version_is_required_and_bounded(self, home, personas):
        client = client_of(personas.cadre_a1)
        before = snapshot()
        for body in ({"safe_water": True}, {"safe_water": True, "version": 2**40}, {"safe_water": True, "version": -1}):
            answer = send(client, "PATCH", f"{API}/households/{home.pk}/facts", body)
            assert (answer.status_code, answer.json()["code"], list(answer.json()["fields"])) == (422, "INVALID",
                                                                                                ["version"])
        assert snapshot() == before

    def test_an_old_years_income_line_is_refused_by_the_rule(self, home, personas):
        before = snapshot()
        answer = send(client_of(personas.cadre_a1), "PUT", f"{API}/households/{home.pk}/incomes/2018",
                      {"version": version(home), **AMOUNTS})
        assert answer.status_code == 422
        assert [(p["code"], p["field"]) for p in answer.json()["problems"]] == [("INCOME_YEAR_EDIT", "year")]
        assert snapshot() == before
