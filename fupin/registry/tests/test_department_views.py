"""Least privilege for departments (issue 15 §5, ADR 0025): a department officer reads the members its
programmes serve, their households, and only the field groups its data lists."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from fupin.accounts.department_views import SELECTIONS, department_views, parse_views
from fupin.accounts.models import Department, User
from fupin.accounts.roles import FIELD_GROUPS, Cap, Role
from fupin.core.testing import make_id_number, make_user
from fupin.registry.models import Household, IncomeRecord, Member
from fupin.registry.selections import SELECTIONS as DEFINED
from fupin.site.reference import DEPARTMENTS

pytestmark = pytest.mark.django_db
TODAY = date.today()


def _member(household: Household, name: str, born: date, relation: str, **facts: object) -> Member:
    return Member.objects.create(household=household, name=name, id_number=make_id_number(born), sex="M",
                                 birth_date=born, relation=relation, **facts)


@pytest.fixture
def county(areas):
    """Two households of village a1: the Wangs with a schoolgirl of 10, the Zhaos, a couple of 50 and 48, the
    husband chronically ill. Each with a phone and an income line."""
    wang = Household.objects.create(household_no="H-A1-0101", village=areas.village_a1, status="registered",
                                    attribute="general_poor", phone="13800000001", main_cause="illness")
    _member(wang, "王大", date(TODAY.year - 40, 3, 1), "head", health="healthy", labour="ordinary")
    _member(wang, "王小妹", date(TODAY.year - 10, 3, 1), "daughter", schooling="primary", health="healthy")
    zhao = Household.objects.create(household_no="H-A1-0102", village=areas.village_a1, status="registered",
                                    attribute="general_poor", phone="13800000002")
    _member(zhao, "赵一", date(TODAY.year - 50, 3, 1), "head", health="chronic", labour="weak")
    _member(zhao, "赵二", date(TODAY.year - 48, 3, 1), "wife", health="healthy", labour="ordinary")
    for h in (wang, zhao):
        IncomeRecord.objects.create(household=h, year=TODAY.year - 1, wage_income=9000, business_income=0,
                                    property_income=0, transfer_income=600, business_expense=0)
    return {"wang": wang, "zhao": zhao}


def _officer(areas, code: str) -> User:
    dept, _ = Department.objects.get_or_create(code=code, defaults={"name": code, "area": areas.county})
    return make_user(f"officer-{code}", Role.DEPARTMENT_OFFICER, areas.county, department=dept)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the data ------------------------------------------------------------------------------------------


def test_the_data_names_real_departments_known_selections_and_field_groups():
    views = department_views()
    assert set(views) <= {code for code, _ in DEPARTMENTS}
    assert set(SELECTIONS) == set(DEFINED), "the selections the data may name are the ones the registry defines"
    assert views["education"].members == "school_age"
    assert views["education"].capabilities == {Cap.SEES_SCHOOLING}


@pytest.mark.parametrize(("text", "message"), [
    ("x: {members: everyone, sees: []}", "x: unknown member selection 'everyone'"),
    ("x: {members: all, sees: [phones]}", "x: unknown field groups ['phones']"),
])
def test_a_wrong_entry_is_refused_naming_the_department(text, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_views(text)


# --- what each reader sees --------------------------------------------------------------------------------


def test_the_education_officer_sees_the_school_age_member_and_her_household_only(areas, county):
    officer = _officer(areas, "education")
    assert Household.objects.visible_to(officer).get() == county["wang"]
    assert list(Member.objects.visible_to(officer).values_list("name", flat=True)) == ["王小妹"]
    assert not IncomeRecord.objects.visible_to(officer).exists()
    assert officer.can(Cap.SEES_SCHOOLING) and not officer.can(Cap.SEES_HEALTH)
    assert not officer.can(Cap.SEES_CONTACT) and not officer.can(Cap.SEES_INCOMES)


def test_the_health_officer_sees_the_ill_member_and_not_the_schoolgirl(areas, county):
    officer = _officer(areas, "health")
    assert Household.objects.visible_to(officer).get() == county["zhao"]
    assert list(Member.objects.visible_to(officer).values_list("name", flat=True)) == ["赵一"]


def test_a_department_the_data_does_not_list_sees_nobody(areas, county):
    officer = _officer(areas, "audit")
    assert not Household.objects.visible_to(officer).exists() and not Member.objects.visible_to(officer).exists()
    assert _client(officer).get(f"/registry/households/{county['wang'].pk}/").status_code == 404


def test_other_roles_read_every_member_and_every_field(personas, county):
    cadre = personas.cadre_a1
    assert Household.objects.visible_to(cadre).filter(pk__in=[h.pk for h in county.values()]).count() == 2
    assert Member.objects.visible_to(cadre).filter(household__in=county.values()).count() == 4
    assert all(cadre.can(c) for c in FIELD_GROUPS.values())
    assert cadre.member_selections is None


def test_the_household_page_shows_the_education_officer_schooling_not_phone_health_or_incomes(areas, county):
    html = _client(_officer(areas, "education")).get(f"/registry/households/{county['wang'].pk}/").content.decode()
    assert "王小妹" in html and "小学" in html and "在校生状况" in html
    assert "王大" not in html, "the father is no member the education programmes serve"
    assert 'data-testid="members-not-shown"' in html
    assert "13800000001" not in html and 'data-testid="household-phone"' not in html
    assert "健康状况" not in html and "劳动能力" not in html and "享受低保" not in html
    assert 'data-section="incomes"' not in html and "9,600" not in html and "9600" not in html
    assert 'data-testid="guarantees"' not in html and "主要致贫原因" not in html


def test_the_household_page_shows_a_cadre_everything(personas, county):
    html = _client(personas.cadre_a1).get(f"/registry/households/{county['wang'].pk}/").content.decode()
    assert "王大" in html and "13800000001" in html and "健康状况" in html and "主要致贫原因" in html
    assert 'data-testid="members-not-shown"' not in html


def test_the_api_gives_the_education_officer_the_same_view(areas, county):
    client = _client(_officer(areas, "education"))
    listed = client.get("/api/v1/registry/households").json()
    assert [h["household_no"] for h in listed["items"]] == ["H-A1-0101"]
    detail = client.get(f"/api/v1/registry/households/{county['wang'].pk}").json()
    assert [m["name"] for m in detail["members"]] == ["王小妹"] and detail["incomes"] == []
    assert detail["member_count"] == 2, "the household's size, not the members shown"
    assert client.get(f"/api/v1/registry/households/{county['zhao'].pk}").status_code == 404


@pytest.mark.parametrize("path", ["/assessment/results/", "/monitoring/results/", "/api/v1/assessment/results",
                                  "/api/v1/monitoring/results"])
def test_income_figures_are_for_readers_of_incomes(areas, county, path):
    assert _client(_officer(areas, "education")).get(path).status_code == 403
    assert _client(_officer(areas, "civil-affairs")).get(path).status_code == 200
