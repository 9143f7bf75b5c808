"""The assessment's pages and API: same verdicts as the CLI, policy drafts and their trial runs."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import Client

from fupin.assessment.models import AssessmentRun, HouseholdAssessment, PolicyVersion
from fupin.assessment.services import assess_county, policy_seed_defaults
from fupin.core.models import JobRun
from fupin.core.testing import make_household
from fupin.registry.models import IncomeRecord, Member

pytestmark = pytest.mark.django_db
YEAR = 2020


def _household(village, no: str, net: str, *, water: bool | None = True):
    household = make_household(village, no, food_secure=True, clothing_secure=True, safe_water=water,
                               housing_grade="B")
    Member.objects.filter(household=household).update(medical_insurance=True, schooling="not_in_school")
    IncomeRecord.objects.create(household=household, year=YEAR, wage_income=Decimal(net), business_income=0,
                                property_income=0, transfer_income=0, business_expense=0)
    return household


@pytest.fixture
def county(personas):
    policy_seed_defaults()
    a = personas.areas
    return {
        "rich": _household(a.village_a1, "H-A1-0001", "9000.00"),           # 4,500 a head: above 4,000
        "poor": _household(a.village_a1, "H-A1-0002", "8000.00"),           # exactly 4,000: not above
        "blank": _household(a.village_a1, "H-A1-0003", "9000.00", water=None),
        "other": _household(a.village_b1, "H-B1-0001", "9000.00"),
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_page_api_and_cli_agree(personas, county, tmp_path):
    call_command("assess", "--year", str(YEAR), "--output", str(tmp_path / "out.csv"))
    with (tmp_path / "out.csv").open(encoding="utf-8-sig") as fh:
        cli = {row["household_no"]: row["verdict"] for row in csv.DictReader(fh)}
    api = _client(personas.officer).get("/api/v1/assessment/results", {"limit": 500}).json()
    assert {i["household_no"]: i["verdict"] for i in api["items"]} == cli == {
        "H-A1-0001": "EXIT_ELIGIBLE", "H-A1-0002": "NOT_ELIGIBLE", "H-A1-0003": "INSUFFICIENT_DATA",
        "H-B1-0001": "EXIT_ELIGIBLE"}
    page = _client(personas.officer).get("/assessment/results/")
    assert {r.household.household_no: r.verdict for r in page.context["page"]} == cli


def test_the_cadre_sees_the_village_s_results_and_reasons(personas, county):
    assess_county(YEAR)
    response = _client(personas.cadre_a1).get("/assessment/results/", {"failed": "INCOME"})
    assert [r.household.household_no for r in response.context["page"]] == ["H-A1-0002"]
    assert "人均纯收入 4,000.00 元，未超过 2020 年扶贫标准 4,000 元" in response.content.decode()
    overview = _client(personas.cadre_a1).get("/assessment/")
    assert overview.context["totals"] == {"EXIT_ELIGIBLE": 1, "NOT_ELIGIBLE": 1, "INSUFFICIENT_DATA": 1, "total": 3}


def test_the_results_filter_by_place_verdict_indicator_and_number_and_ignore_bad_values(personas, county):
    assess_county(YEAR)
    a = personas.areas
    client = _client(personas.officer)

    def page(**params):
        return sorted(r.household.household_no for r in client.get("/assessment/results/", params).context["page"])

    def api(**params):
        return sorted(i["household_no"] for i in client.get("/api/v1/assessment/results", params).json()["items"])

    assert page(township=a.town_b.pk) == api(township=a.town_b.pk) == ["H-B1-0001"]
    assert page(village=a.village_b1.pk, township=a.town_a.pk) == ["H-B1-0001"]  # the village wins
    assert page(verdict="EXIT_ELIGIBLE", q="a1") == api(verdict="EXIT_ELIGIBLE", q="a1") == ["H-A1-0001"]
    assert page(failed="WATER") == [] and page(failed="NOSUCH", village="x") == page() == api() != []


def test_api_gives_one_household_s_indicators(personas, county):
    assess_county(YEAR)
    data = _client(personas.cadre_a1).get(f"/api/v1/assessment/households/{county['blank'].pk}").json()
    assert data["verdict"] == "INSUFFICIENT_DATA" and data["unknown"] == ["WATER"]
    assert {i["code"]: i["outcome"] for i in data["indicators"]}["WATER"] == "UNKNOWN"
    missing = _client(personas.cadre_a1).get(f"/api/v1/assessment/households/{county['rich'].pk}?year=2019")
    assert missing.status_code == 422 and missing.json()["code"] == "NOT_ASSESSED"


def test_reassessing_one_household_from_its_page(personas, county):
    client = _client(personas.cadre_a1)
    response = client.post(f"/assessment/households/{county['poor'].pk}/", {"year": YEAR}, follow=True)
    assert "不可退出" in response.content.decode()
    assert HouseholdAssessment.objects.get(household=county["poor"]).run.scope == "household"
    posted = client.post(f"/api/v1/assessment/households/{county['rich'].pk}/assess", {})
    assert posted.status_code == 200 and posted.json()["verdict"] == "EXIT_ELIGIBLE"


def test_an_officer_starts_a_county_run_as_a_job(personas, county, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(personas.officer).post("/assessment/run/", {"year": YEAR})
    job = JobRun.objects.get(kind="assessment.run")
    assert response["Location"] == f"/system/jobs/{job.pk}/"
    assert job.status == "succeeded" and job.result["households"] == 4
    with django_capture_on_commit_callbacks(execute=True):
        api = _client(personas.officer).post(f"/api/v1/assessment/runs/start?year={YEAR}")
    assert api.status_code == 202
    assert AssessmentRun.objects.filter(scope="county").count() == 2
    refused = _client(personas.officer).post("/api/v1/assessment/runs/start?year=2031")
    assert refused.status_code == 422 and AssessmentRun.objects.filter(scope="county").count() == 2


def test_a_draft_lists_the_households_it_would_move_before_publication(personas, county,
                                                                       django_capture_on_commit_callbacks):
    assess_county(YEAR)
    admin = _client(personas.admin)
    bad = admin.post("/assessment/policy/new/", {"year": YEAR, "reason": "试算", "p_poverty_line": "-3"})
    assert bad.status_code == 200 and "无效" in bad.content.decode()
    assert PolicyVersion.objects.filter(year=YEAR).count() == 1
    created = admin.post("/assessment/policy/new/", {"year": YEAR, "reason": "拟提高标准", "p_poverty_line": "4600"})
    draft = PolicyVersion.objects.get(year=YEAR, number=2)
    assert created["Location"] == f"/assessment/policy/{draft.pk}/" and draft.status == "draft"
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(f"/assessment/policy/{draft.pk}/preview/")
    page = admin.get(f"/assessment/policy/{draft.pk}/")
    moved = {c["household"].household_no: (c["before"], c["after"]) for c in page.context["changes"]}
    assert moved == {"H-A1-0001": ("EXIT_ELIGIBLE", "NOT_ELIGIBLE"), "H-B1-0001": ("EXIT_ELIGIBLE", "NOT_ELIGIBLE"),
                     "H-A1-0003": ("INSUFFICIENT_DATA", "NOT_ELIGIBLE")}  # unknown water, now failing income too
    assert "未超过 2020 年扶贫标准 4,600 元" in page.content.decode()
    # The trial run never became anyone's current verdict.
    current = _client(personas.cadre_a1).get(f"/api/v1/assessment/households/{county['rich'].pk}").json()
    assert current["verdict"] == "EXIT_ELIGIBLE"
    admin.post(f"/assessment/policy/{draft.pk}/publish/")
    draft.refresh_from_db()
    assert draft.status == "published"
    assert HouseholdAssessment.objects.get(run=assess_county(YEAR), household=county["rich"]).verdict == "NOT_ELIGIBLE"


def test_policy_yaml_round_trip(db, tmp_path, capsys):
    policy_seed_defaults()
    call_command("policy_show", "--year", "2019")
    text = capsys.readouterr().out
    assert "poverty_line: '3747'" in text
    (tmp_path / "p.yaml").write_text(text.replace("'3747'", "'3800'"), encoding="utf-8")
    call_command("policy_load", str(tmp_path / "p.yaml"))
    latest = PolicyVersion.objects.filter(year=2019).order_by("-number").first()
    assert latest is not None and latest.number == 2 and latest.values["poverty_line"] == "3800"
    assert latest.status == "published"
    (tmp_path / "bad.yaml").write_text("- year: 2019\n  values: {poverty_line: abc}\n- year: 2018\n  values: {}\n",
                                       encoding="utf-8")
    from django.core.management.base import CommandError
    with pytest.raises(CommandError, match="第 1 项"):
        call_command("policy_load", str(tmp_path / "bad.yaml"))
    assert PolicyVersion.objects.count() == 9


def test_measures_page_from_a_stored_run(personas, county):
    assess_county(YEAR)
    response = _client(personas.cadre_a1).get("/assessment/measures/", {"by": "village", "k": "1"})
    rows = {r.key: r for r in response.context["rows"]}
    village = rows[personas.areas.village_a1.code]
    # H-A1-0001 (4,500 a head) and H-A1-0003 (4,500, water unknown) are above the line, H-A1-0002 at it.
    assert village.people == 6 and village.fgt0 == pytest.approx(2 / 6) and village.fgt1 == 0
    assert village.incomplete == 1 and village.af_h == pytest.approx(2 / 4)
    assert set(rows) == {personas.areas.village_a1.code, ""}
