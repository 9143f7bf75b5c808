"""The registry's edit pages (issue 16, ADR 0026): each form as the village cadre and the work team of the village
fill it in, the household file's links to them, scope (404) and capability (403), the stale page (409) and a refused
form (the rule's sentence at its field, in the viewer's language), each refusal changing nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from fupin.core.testing import make_household, make_id_number, wrong_check_character
from fupin.registry.editing import Edit, household_update
from fupin.registry.models import Change, Household, IncomeRecord, Member
from fupin.registry.tests.edits import client_of, registry_snapshot

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
STALE_ZH = "该户已被他人修改，请刷新页面后重试"
STALE_EN = "the household was changed by someone else meanwhile: reload and try again"


def snapshot():
    """Every registry row and history row, and the audit log's writes: a refused form changed nothing."""
    return registry_snapshot()


def posted(form, **changes: Any) -> dict[str, Any]:
    """What the browser posts for the form as the page drew it, with ``changes`` typed in."""
    data: dict[str, Any] = {}
    for field in form:
        value = field.value()
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, date):
            value = value.isoformat()
        elif value is None:
            value = ""
        data[field.name] = value
    data.update(changes)
    return {k: v for k, v in data.items() if v != []}


def fill(client: Client, url: str, **changes: Any):
    """Draw the page, fill it in, post it."""
    page = client.get(url)
    assert page.status_code == 200, page.content[:300]
    return client.post(url, posted(page.context["form"], **changes))


def son_of(household: Household) -> Member:
    return Member.objects.get(household=household, relation="son")


@dataclass(frozen=True)
class Page:
    """One edit page: its URL for the household, a good filling, and a bad one with the rule it breaks."""

    url: Callable[[Household], str]
    good: Callable[[Household], dict[str, Any]]
    bad: Callable[[Household], dict[str, Any]]
    field: str
    code: str
    zh: str
    en: str


def _newborn() -> dict[str, Any]:
    return {"event": "birth", "id_number": make_id_number(TODAY - timedelta(days=40), female=True), "name": "张小花",
            "relation": "granddaughter", "valid_from": (TODAY - timedelta(days=40)).isoformat()}


PAGES: dict[str, Page] = {
    "facts": Page(lambda h: f"/registry/households/{h.pk}/edit/",
                  lambda h: {"safe_water": "true", "housing_grade": "B", "reason": "入户核实"},
                  lambda h: {"phone": "12345"}, "phone", "PHONE_INVALID", "", ""),
    "member_add": Page(lambda h: f"/registry/households/{h.pk}/members/new/", lambda h: _newborn(),
                       lambda h: {**_newborn(), "id_number": wrong_check_character(_newborn()["id_number"])},
                       "id_number", "ID_CHECK_CHARACTER", "身份证号校验码错误", "wrong check character"),
    "member_edit": Page(lambda h: f"/registry/members/{son_of(h).pk}/edit/",
                        lambda h: {"schooling": "senior", "dibao": "true", "work_months": "6"},
                        lambda h: {"work_months": "13"}, "work_months", "NUMBER_RANGE", "应在 0 至 12 之间",
                        "must be between 0 and 12"),
    "member_remove": Page(lambda h: f"/registry/members/{son_of(h).pk}/remove/",
                          lambda h: {"removal_reason": "death", "valid_from": (TODAY - timedelta(days=3)).isoformat(),
                                     "reason": "病故"},
                          lambda h: {"removal_reason": ""}, "removal_reason", "REMOVAL_REASON", "请选择减少原因",
                          "choose why the member left"),
    "head_change": Page(lambda h: f"/registry/households/{h.pk}/head/",
                        lambda h: {"new_head": son_of(h).pk, "old_head_relation": "father", "reason": "原户主年迈"},
                        lambda h: {"new_head": son_of(h).pk, "old_head_relation": "head"}, "old_head_relation",
                        "HEAD_BY_NAMING", "户主只能通过“变更户主”更换",
                        "the head of household changes only by naming the new head"),
    "income": Page(lambda h: f"/registry/households/{h.pk}/incomes/",
                   lambda h: {"year": TODAY.year, "wage_income": "9000", "business_income": "1200.50",
                              "property_income": "0", "transfer_income": "600", "business_expense": "300"},
                   lambda h: {"year": TODAY.year, "wage_income": "-1", "business_income": "0", "property_income": "0",
                              "transfer_income": "0", "business_expense": "0"},
                   "wage_income", "MONEY_NEGATIVE", "金额不能为负数", "an amount must not be negative"),
}


class TestEachFormWorks:
    @pytest.mark.parametrize("who", ["cadre_a1", "team_a1"])
    def test_the_facts_are_changed(self, home, personas, who):
        response = fill(client_of(getattr(personas, who)), PAGES["facts"].url(home), **PAGES["facts"].good(home))
        assert response.status_code == 302 and response["Location"] == f"/registry/households/{home.pk}/#sec-facts"
        home.refresh_from_db()
        assert (home.safe_water, home.housing_grade, home.version) == (True, "B", 2)
        changes = Change.objects.filter(household=home)
        assert set(changes.values_list("field", flat=True)) == {"safe_water", "housing_grade"}
        assert {(c.actor, c.source, c.reason, c.valid_from) for c in changes} == {
            (getattr(personas, who), "page", "入户核实", TODAY)}

    def test_a_field_left_off_the_page_stays_and_unticking_every_cause_clears_them(self, home, personas):
        client = client_of(personas.cadre_a1)
        url = PAGES["facts"].url(home)
        assert client.post(url, {"version": 1, "other_causes": ["", "schooling", "no_capital"]}).status_code == 302
        home.refresh_from_db()
        assert (home.other_causes, home.main_cause, home.attribute) == (["schooling", "no_capital"], "illness",
                                                                         "general_poor")
        assert 'type="hidden" name="other_causes" value=""' in client.get(url).content.decode()
        assert client.post(url, {"version": 2, "other_causes": [""]}).status_code == 302  # none ticked
        home.refresh_from_db()
        assert (home.other_causes, home.main_cause) == ([], "illness")

    @pytest.mark.parametrize("who", ["cadre_a1", "team_a1"])
    def test_a_newborn_is_added(self, home, personas, who):
        filled = _newborn()
        response = fill(client_of(getattr(personas, who)), PAGES["member_add"].url(home), **filled)
        assert response.status_code == 302
        baby = Member.objects.get(household=home, name="张小花")
        assert (baby.relation, baby.sex, baby.id_number) == ("granddaughter", "F", filled["id_number"])
        assert Change.objects.get(member=baby).event == "birth"

    @pytest.mark.parametrize("who", ["cadre_a1", "team_a1"])
    def test_a_member_is_edited(self, home, personas, who):
        son = son_of(home)
        name = son.name
        response = fill(client_of(getattr(personas, who)), PAGES["member_edit"].url(home),
                        **PAGES["member_edit"].good(home))
        assert response.status_code == 302
        son.refresh_from_db()
        assert (son.schooling, son.dibao, son.work_months, son.name) == ("senior", True, 6, name)

    @pytest.mark.parametrize("who", ["cadre_a1", "team_a1"])
    def test_a_member_leaves(self, home, personas, who):
        son = son_of(home)
        response = fill(client_of(getattr(personas, who)), PAGES["member_remove"].url(home),
                        **PAGES["member_remove"].good(home))
        assert response.status_code == 302
        son = Member.everyone.get(pk=son.pk)
        assert (son.removed_on, son.removal_reason) == (TODAY - timedelta(days=3), "death")
        assert list(home.members.values_list("relation", flat=True)) == ["head"]

    @pytest.mark.parametrize("who", ["cadre_a1", "team_a1"])
    def test_the_head_changes(self, home, personas, who):
        head, son = home.members.get(relation="head"), son_of(home)
        page = client_of(getattr(personas, who)).get(PAGES["head_change"].url(home))
        assert [m.pk for m in page.context["form"].fields["new_head"].queryset] == [son.pk]
        response = fill(client_of(getattr(personas, who)), PAGES["head_change"].url(home),
                        **PAGES["head_change"].good(home))
        assert response.status_code == 302
        head.refresh_from_db()
        son.refresh_from_db()
        assert (son.relation, head.relation) == ("head", "father")

    @pytest.mark.parametrize("who", ["cadre_a1", "team_a1"])
    def test_this_years_and_last_years_income_lines_are_entered_and_corrected(self, home, personas, who):
        client = client_of(getattr(personas, who))
        url = PAGES["income"].url(home)
        assert fill(client, url, **PAGES["income"].good(home)).status_code == 302
        last = {**PAGES["income"].good(home), "year": TODAY.year - 1, "wage_income": "7000"}
        assert fill(client, f"{url}?year={TODAY.year - 1}", **last).status_code == 302
        page = client.get(f"{url}?year={TODAY.year}")
        assert page.context["form"]["wage_income"].value() == Decimal("9000.00")  # the stored line, to correct
        assert fill(client, f"{url}?year={TODAY.year}", wage_income="9500").status_code == 302
        lines = dict(IncomeRecord.objects.filter(household=home).values_list("year", "wage_income"))
        assert lines == {2018: Decimal("5000"), TODAY.year: Decimal("9500"), TODAY.year - 1: Decimal("7000")}

    @pytest.mark.parametrize("who", ["cadre_a1", "team_a1"])
    def test_a_new_applicant_is_created_and_its_identification_started(self, areas, personas, who):
        client = client_of(getattr(personas, who))
        page = client.get("/registry/households/new/")
        assert [v.pk for v in page.context["form"].fields["village"].queryset] == [areas.village_a1.pk]
        number = make_id_number(date(1980, 2, 3))
        response = client.post("/registry/households/new/", posted(
            page.context["form"], village=areas.village_a1.pk, id_number=number, name="赵六", phone="13800001111",
            reason="本人申请"))
        created = Household.objects.get(village=areas.village_a1)
        assert response.status_code == 302
        assert response["Location"] == f"/registry/households/{created.pk}/#sec-workflow"
        # 农户申请 taken with it, by the village: the identification has started (the workflow's first step).
        assert (created.attribute, created.status, created.members.get().name) == ("ordinary", "applied", "赵六")
        step = created.transitions.get()
        assert (step.action, step.from_state, step.to_state, step.actor) == ("apply", None, "applied",
                                                                              getattr(personas, who))
        file = client.get(response["Location"]).content.decode()
        assert "识别程序已启动" in file


class TestLinksFromTheHouseholdFile:
    def test_who_may_edit_finds_the_forms_in_the_household_file(self, home, personas):
        page = client_of(personas.cadre_a1).get(f"/registry/households/{home.pk}/").content.decode()
        son = son_of(home)
        for url in (f"/registry/households/{home.pk}/edit/", f"/registry/households/{home.pk}/members/new/",
                    f"/registry/households/{home.pk}/head/", f"/registry/members/{son.pk}/edit/",
                    f"/registry/members/{son.pk}/remove/", f"/registry/households/{home.pk}/incomes/?year={TODAY.year}",
                    f"/registry/households/{home.pk}/incomes/?year={TODAY.year - 1}"):
            assert f'href="{url}"' in page, url
        head = home.members.get(relation="head")
        assert f'href="/registry/members/{head.pk}/remove/"' not in page  # the head leaves only after a new one
        assert 'data-testid="applicant-link"' in client_of(personas.cadre_a1).get("/registry/households/").content.decode()

    @pytest.mark.parametrize("who", ["auditor", "department"])
    def test_who_may_not_edit_sees_no_edit_links(self, home, personas, who):
        page = client_of(getattr(personas, who)).get(f"/registry/households/{home.pk}/").content.decode()
        assert "/edit/" not in page and "/members/new/" not in page and "/incomes/" not in page
        assert 'data-testid="applicant-link"' not in client_of(getattr(personas, who)).get(
            "/registry/households/").content.decode()


class TestScope:
    @pytest.mark.parametrize("page", PAGES)
    def test_another_villages_cadre_gets_404_and_nothing_changes(self, home, personas, page):
        spec = PAGES[page]
        client = client_of(personas.cadre_b1)
        before = snapshot()
        assert client.get(spec.url(home)).status_code == 404
        assert client.post(spec.url(home), {"version": 1, **spec.good(home)}).status_code == 404
        assert snapshot() == before

    @pytest.mark.parametrize("page", PAGES)
    def test_an_auditor_gets_403_and_nothing_changes(self, home, personas, page):
        spec = PAGES[page]
        client = client_of(personas.auditor)
        before = snapshot()
        assert client.get(spec.url(home)).status_code == 403
        assert client.post(spec.url(home), {"version": 1, **spec.good(home)}).status_code == 403
        assert snapshot() == before

    def test_an_applicant_only_in_the_users_own_villages(self, areas, personas):
        before = snapshot()
        assert client_of(personas.auditor).get("/registry/households/new/").status_code == 403
        refused = client_of(personas.cadre_b1).post("/registry/households/new/", {
            "village": areas.village_a1.pk, "id_number": make_id_number(date(1980, 2, 3)), "name": "赵六"})
        assert refused.status_code == 400 and "village" in refused.context["form"].errors
        assert snapshot() == before


class TestRefusals:
    @pytest.mark.parametrize("page", PAGES)
    def test_a_stale_page_gets_the_conflict_and_changes_nothing(self, home, personas, page):
        spec = PAGES[page]
        client = client_of(personas.cadre_a1)
        drawn = client.get(spec.url(home)).context["form"]
        household_update(home, {"phone": "13912345678"}, Edit(actor=personas.team_a1, version=home.version))
        before = snapshot()
        response = client.post(spec.url(home), posted(drawn, **spec.good(home)))
        assert (response.status_code, response["X-Fupin-Error"]) == (409, "CONCURRENT_CHANGE")
        assert STALE_ZH in response.content.decode()
        with translation.override("zh-hans"):
            english = client.post(spec.url(home), posted(drawn, **spec.good(home)), HTTP_ACCEPT_LANGUAGE="en")
        assert english.status_code == 409 and STALE_EN in english.content.decode()
        assert snapshot() == before

    @pytest.mark.parametrize("page", PAGES)
    def test_a_refused_form_shows_the_rule_at_its_field_and_changes_nothing(self, home, personas, page):
        spec = PAGES[page]
        client = client_of(personas.cadre_a1)
        drawn = client.get(spec.url(home)).context["form"]
        before = snapshot()
        with translation.override("zh-hans"):
            refused = client.post(spec.url(home), posted(drawn, **spec.bad(home)))
            english = client.post(spec.url(home), posted(drawn, **spec.bad(home)), HTTP_ACCEPT_LANGUAGE="en")
        assert refused.status_code == 400 and english.status_code == 400
        zh, en = (next(str(e.message) for e in response.context["form"].errors.as_data().get(spec.field, [])
                       if e.code == spec.code) for response in (refused, english))
        if spec.zh:
            assert (zh, en) == (spec.zh, spec.en)
        html = refused.content.decode()
        field_html = html.split(f'data-field="{spec.field}"', 1)[1].split('data-field="', 1)[0]
        assert zh in field_html and en in english.content.decode() and zh not in english.content.decode()
        assert snapshot() == before

    def test_the_head_cannot_leave_and_the_form_says_why(self, home, personas):
        head = home.members.get(relation="head")
        before = snapshot()
        refused = fill(client_of(personas.cadre_a1), f"/registry/members/{head.pk}/remove/", removal_reason="death")
        assert refused.status_code == 400
        assert [e.code for e in refused.context["form"].non_field_errors().as_data()] == ["HEAD_NOT_REMOVABLE"]
        assert "户主不能直接减少：请先变更户主" in refused.content.decode()
        assert snapshot() == before

    def test_an_id_number_of_another_household_is_refused_at_the_field(self, home, households, personas):
        other = households["a1"].members.first()
        before = snapshot()
        refused = fill(client_of(personas.cadre_a1), f"/registry/households/{home.pk}/members/new/", event="married_in",
                       id_number=other.id_number, name=other.name, relation="spouse")
        assert refused.status_code == 400
        assert [e.code for e in refused.context["form"].errors.as_data()["id_number"]] == ["ID_IN_OTHER_HOUSEHOLD"]
        assert snapshot() == before

    def test_a_problem_of_a_field_the_form_does_not_show_is_told_above_it_naming_the_column(self, areas, personas):
        registered = make_household(areas.village_a1, "H-A1-0102", main_cause="illness")  # no identification year
        before = snapshot()
        client = client_of(personas.cadre_a1)
        url = f"/registry/households/{registered.pk}/edit/"
        refused = fill(client, url, safe_water="true")
        with translation.override("zh-hans"):
            english = client.post(url, posted(refused.context["form"]), HTTP_ACCEPT_LANGUAGE="en")
        assert refused.status_code == 400 and english.status_code == 400
        assert [str(e) for e in refused.context["form"].non_field_errors()] == [
            "识别年度：贫困户（脱贫状态为未脱贫、已脱贫或返贫）必须填写识别年度"]
        assert [str(e) for e in english.context["form"].non_field_errors()] == [
            "Year identified: required for a registered household (脱贫状态 未脱贫, 已脱贫 or 返贫)"]
        assert snapshot() == before

    def test_a_refused_applicant_shows_the_head_s_id_problem_once_at_its_field(self, areas, personas):
        good = make_id_number(date(1980, 2, 3))
        before = snapshot()
        refused = client_of(personas.cadre_a1).post("/registry/households/new/", {
            "village": areas.village_a1.pk, "id_number": good[:-1] + ("0" if good[-1] != "0" else "1"), "name": "赵六"})
        assert refused.status_code == 400
        errors = refused.context["form"].errors.as_data()
        assert {k: [(e.code, str(e.message)) for e in v] for k, v in errors.items()} == {
            "id_number": [("ID_CHECK_CHARACTER", "身份证号校验码错误")]}
        assert snapshot() == before
