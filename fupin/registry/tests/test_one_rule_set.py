"""One set of rules for import and edit (issue 16, acceptance): the same bad inputs go through an import of a template
file, the edit page and the API, and each is refused with the same rule codes and the same Chinese and English
sentences, writing nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from fupin.core.models import AuditEntry
from fupin.registry.importing import registry_import
from fupin.registry.models import Household, Member
from fupin.registry.tests.edits import registry_snapshot
from fupin.registry.tests.import_files import Row, household, income, make_id, member, write_xlsx

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
HEAD_ID = make_id(date(1961, 7, 8), 611)
NEW = "H-NEW-0001"


def snapshot():
    return registry_snapshot(AuditEntry.objects.exclude(action__in=("read", "login")))


def bad_check_character() -> str:
    good = make_id(date(1985, 3, 9), 612)
    return good[:-1] + ("1" if good[-1] != "1" else "2")


def taken_id(households: dict[str, Household]) -> str:
    """The ID number of a member of another household (H-A1-0001)."""
    return Member.objects.filter(household=households["a1"]).order_by("pk").first().id_number  # type: ignore[union-attr]


@dataclass(frozen=True)
class Case:
    """One bad input: the file's cells, and the page's and the API's filling of the same value."""

    code: str
    household: dict[str, Any]  # the file's 户信息 cells
    member: dict[str, Any]  # the file's second member's cells
    income: dict[str, Any]  # the file's 收支情况 cells
    page: str  # the edit page: household, member_add, member_edit, income
    values: dict[str, Any]  # the form's and the body's fields


def cases(households: dict[str, Household]) -> dict[str, Case]:
    bad_id, other = bad_check_character(), taken_id(households)
    return {
        "bad ID check character": Case(
            "ID_CHECK_CHARACTER", {}, {"身份证号": bad_id}, {}, "member_add",
            {"event": "moved_in", "id_number": bad_id, "name": "王五", "relation": "spouse"}),
        "ID of another household": Case(
            "ID_IN_OTHER_HOUSEHOLD", {}, {"身份证号": other}, {}, "member_add",
            {"event": "married_in", "id_number": other, "name": "王五", "relation": "spouse"}),
        "work months out of range": Case(
            "NUMBER_RANGE", {}, {"务工时间(月)": "13"}, {}, "member_edit", {"work_months": "13"}),
        "unknown code": Case("CODE_UNKNOWN", {"住房安全等级": "E"}, {}, {}, "household", {"housing_grade": "E"}),
        "negative income": Case("MONEY_NEGATIVE", {}, {}, {"工资性收入": "-100"}, "income",
                                {"wage_income": "-100", "business_income": "0", "property_income": "0",
                                 "transfer_income": "0", "business_expense": "0"}),
    }


def rules(found: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    return sorted(found)


# --- (a) an import of a template file -----------------------------------------------------------------------

def file_rows(case: Case) -> dict[str, list[Row]]:
    spouse_id = case.member.get("身份证号", make_id(date(1963, 4, 5), 613))
    members = [member(NEW, "赵大", HEAD_ID),
               member(NEW, "钱二", spouse_id, "配偶", **{k: v for k, v in case.member.items() if k != "身份证号"})]
    return {"户信息": [household(NEW, HEAD_ID, **case.household)], "家庭成员": members,
            "收支情况": [income(NEW, **case.income)]}


def through_import(case: Case, tmp_path) -> list[tuple[str, str, str]]:
    result = registry_import([write_xlsx(tmp_path / "名册.xlsx", file_rows(case))], actor=None)
    assert result.refused and not result.written
    return [(p.code, p.rule_zh, p.rule_en) for p in result.problems]


# --- (b) the edit page ----------------------------------------------------------------------------------------

def page_url(case: Case, home: Household) -> str:
    son = Member.objects.get(household=home, relation="son")
    return {"household": f"/registry/households/{home.pk}/edit/",
            "member_add": f"/registry/households/{home.pk}/members/new/",
            "member_edit": f"/registry/members/{son.pk}/edit/",
            "income": f"/registry/households/{home.pk}/incomes/?year={YEAR}"}[case.page]


def posted(form, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field in form:
        value = field.value()
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, date):
            value = value.isoformat()
        data[field.name] = "" if value is None else value
    return {k: v for k, v in {**data, **changes}.items() if v != []}


def form_errors(response) -> list[tuple[str, str]]:
    """(code, sentence) of every error the form shows."""
    assert response.status_code == 400, response.status_code
    return [(e.code, str(e.message)) for errors in response.context["form"].errors.as_data().values() for e in errors]


def through_page(case: Case, home: Household, client: Client) -> list[tuple[str, str, str]]:
    url = page_url(case, home)
    data = posted(client.get(url).context["form"], **case.values)
    with translation.override("zh-hans"):
        chinese = form_errors(client.post(url, data))
        english = form_errors(client.post(url, data, HTTP_ACCEPT_LANGUAGE="en"))
    assert [c for c, _ in chinese] == [c for c, _ in english]
    return [(code, zh, en) for (code, zh), (_, en) in zip(chinese, english, strict=True)]


# --- (c) the API ------------------------------------------------------------------------------------------------

def through_api(case: Case, home: Household, client: Client) -> list[tuple[str, str, str]]:
    son = Member.objects.get(household=home, relation="son")
    home.refresh_from_db()
    method, url = {"household": ("PATCH", f"/api/v1/registry/households/{home.pk}/facts"),
                   "member_add": ("POST", f"/api/v1/registry/households/{home.pk}/members"),
                   "member_edit": ("PATCH", f"/api/v1/registry/members/{son.pk}"),
                   "income": ("PUT", f"/api/v1/registry/households/{home.pk}/incomes/{YEAR}")}[case.page]
    body = {"version": home.version, **case.values}
    answer = client.generic(method, url, json.dumps(body), content_type="application/json")
    assert (answer.status_code, answer.json()["code"]) == (422, "EDIT_REFUSED"), answer.content
    return [(p["code"], p["rule_zh"], p["rule_en"]) for p in answer.json()["problems"]]


CASES = ["bad ID check character", "ID of another household", "work months out of range", "unknown code",
         "negative income"]


@pytest.mark.parametrize("name", CASES)
def test_the_same_bad_input_meets_the_same_rule_in_a_file_on_the_page_and_in_the_api(home, households, personas,
                                                                                      tmp_path, name):
    case = cases(households)[name]
    client = Client()
    client.force_login(personas.cadre_a1)
    before = snapshot()
    imported = through_import(case, tmp_path)
    assert snapshot() == before
    edited = through_page(case, home, client)
    assert snapshot() == before
    called = through_api(case, home, client)
    assert snapshot() == before
    assert [code for code, _, _ in imported] == [case.code]
    assert rules(imported) == rules(edited) == rules(called)
    zh, en = imported[0][1], imported[0][2]
    assert zh and en and zh != en
