"""Monitoring's page, API and CLI give the same households, categories and risks; output columns,
exit codes, starting a run as a job, case steps over the page and the API, the inbox, the trend."""

from __future__ import annotations

import csv
from datetime import date

import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client

from fupin.core.models import AuditEntry, JobRun
from fupin.core.testing import fupin_main
from fupin.inbox.models import Message
from fupin.monitoring.models import CaseMeasure, CaseStep, MonitoringCase, MonitoringRun
from fupin.monitoring.services import case_step, measure_add, monitor_county
from fupin.monitoring.tests.conftest import YEAR, household, income
from fupin.notices.models import Notice

pytestmark = pytest.mark.usefixtures("policy")

EXPECTED = {
    "M-EDGE": ("EDGE", "INCOME_BELOW_LINE;RIGID_EXPENSE"),
    "M-EXIT": ("UNSTABLE_EXITED", "INCOME_DROP;WATER"),
    "M-HARD": ("SUDDEN_HARDSHIP", "RIGID_EXPENSE"),
}


@pytest.fixture
def county(areas):
    a = areas
    edge = household(a.village_a1, status=None)
    income(edge, YEAR, "2000.00", medical="5000.00")
    exited = household(a.village_a2, safe_water=False)
    income(exited, YEAR - 1, "40000.00")
    income(exited, YEAR, "19000.00")
    hard = household(a.village_b1, status=None)
    income(hard, YEAR, "20000.00", disaster="25000.00")
    fine = household(a.village_a1)
    income(fine, YEAR, "20000.00")
    registered = household(a.village_a1, status="registered")
    income(registered, YEAR, "100.00")
    for h, no in ((edge, "M-EDGE"), (exited, "M-EXIT"), (hard, "M-HARD"), (fine, "M-FINE"), (registered, "M-REG")):
        h.household_no = no
        h.save(update_fields=["household_no"])
    return {"edge": edge, "exited": exited, "hard": hard, "fine": fine}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_page_api_and_cli_agree(personas, county, tmp_path):
    call_command("monitor", "--year", str(YEAR), "--output", str(tmp_path / "out.csv"))
    raw = (tmp_path / "out.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM, so Excel opens it as UTF-8
    with (tmp_path / "out.csv").open(encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        assert next(reader) == ["household_no", "category", "risks"]
        cli = {no: (category, risks) for no, category, risks in reader}
    assert cli == EXPECTED  # only households with a risk; registered households are not monitored
    api = _client(personas.officer).get("/api/v1/monitoring/results", {"limit": 500}).json()
    assert {i["household_no"]: (i["category"], ";".join(i["risks"])) for i in api["items"]} == cli
    page = _client(personas.officer).get("/monitoring/results/")
    assert {r.household.household_no: (r.category, r.risks) for r in page.context["page"]} == cli


def test_xlsx_output_has_the_same_rows(county, tmp_path):
    call_command("monitor", "--year", str(YEAR), "--output", str(tmp_path / "out.xlsx"))
    rows = list(openpyxl.load_workbook(tmp_path / "out.xlsx").active.iter_rows(values_only=True))
    assert rows[0] == ("household_no", "category", "risks")
    assert {r[0]: (r[1], r[2]) for r in rows[1:]} == EXPECTED


@pytest.mark.engine_independent
def test_exit_codes_of_the_command(tmp_path):
    """``fupin monitor`` as an operator runs it (in this process, on the test database with the shipped
    policy parameters and no households): 0 done, 1 refused, 2 usage."""
    assert fupin_main("monitor", "--year", "2020", "--output", str(tmp_path / "out.txt")).returncode == 2
    assert fupin_main("monitor").returncode == 2
    refused = fupin_main("monitor", "--year", "2031")
    assert refused.returncode == 1 and "2031" in refused.stderr
    done = fupin_main("monitor", "--year", "2020", "--output", str(tmp_path / "out.csv"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.csv").read_text(encoding="utf-8-sig").splitlines() == ["household_no,category,risks"]


def test_the_cadre_sees_only_the_village_and_filters(personas, county):
    monitor_county(YEAR)
    client = _client(personas.cadre_a1)
    page = client.get("/monitoring/results/")
    assert [r.household.household_no for r in page.context["page"]] == ["M-EDGE"]
    assert client.get("/monitoring/results/", {"risk": "RIGID_EXPENSE"}).context["page"].paginator.count == 1
    assert client.get("/monitoring/results/", {"risk": "WATER"}).context["page"].paginator.count == 0
    officer = _client(personas.officer)
    by_risk = officer.get("/monitoring/results/", {"risk": "RIGID_EXPENSE"}).context["page"]
    assert sorted(r.household.household_no for r in by_risk) == ["M-EDGE", "M-HARD"]
    by_category = officer.get("/monitoring/results/", {"category": "UNSTABLE_EXITED"}).context["page"]
    assert [r.household.household_no for r in by_category] == ["M-EXIT"]
    overview = officer.get("/monitoring/")
    assert overview.context["totals"] == {"UNSTABLE_EXITED": 1, "EDGE": 1, "SUDDEN_HARDSHIP": 1, "total": 3}
    assert {a["name"]: a["total"] for a in overview.context["areas"]} == {"孟庙镇": 2, "商桥镇": 1}
    villages = officer.get("/monitoring/", {"township": personas.areas.town_a.pk})
    assert {a["name"]: a["total"] for a in villages.context["areas"]} == {"甲村民委员会": 1, "乙村民委员会": 1}
    api = _client(personas.cadre_a1).get(f"/api/v1/monitoring/households/{county['edge'].pk}").json()
    assert api["result"]["risks"] == ["INCOME_BELOW_LINE", "RIGID_EXPENSE"] and api["open_case"]["step"] == "alert"
    fine = _client(personas.cadre_a1).get(f"/api/v1/monitoring/households/{county['fine'].pk}").json()
    assert fine["result"] is None and fine["open_case"] is None


def test_an_officer_starts_a_run_as_a_job_from_the_page_and_the_api(personas, county,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(personas.officer).post("/monitoring/run/", {"year": YEAR})
    job = JobRun.objects.get(kind="monitoring.run")
    assert response["Location"] == f"/system/jobs/{job.pk}/"
    assert job.status == "succeeded" and job.result["at_risk"] == 3 and job.result["cases_opened"] == 3
    with django_capture_on_commit_callbacks(execute=True):
        api = _client(personas.officer).post(f"/api/v1/monitoring/runs/start?year={YEAR}")
    assert api.status_code == 202
    assert MonitoringRun.objects.count() == 2 and MonitoringCase.objects.count() == 3
    refused = _client(personas.officer).post("/api/v1/monitoring/runs/start?year=2031")
    assert refused.status_code == 422 and MonitoringRun.objects.count() == 2
    assert _client(personas.cadre_a1).post("/monitoring/run/", {"year": YEAR}).status_code == 403


def test_case_steps_over_the_page_and_the_api(personas, county):
    monitor_county(YEAR)
    case = MonitoringCase.objects.get(household=county["edge"])
    cadre, township = _client(personas.cadre_a1), _client(personas.township_a)
    refused = cadre.post(f"/monitoring/cases/{case.pk}/verify/", {"note": ""}, follow=True)
    assert "须填写核实情况说明" in refused.content.decode()
    cadre.post(f"/monitoring/cases/{case.pk}/verify/", {"note": "入户核实属实"})
    not_allowed = cadre.post(f"/monitoring/cases/{case.pk}/identify/", {"note": ""}, follow=True)
    assert "没有办理该环节的权限" in not_allowed.content.decode()
    api = township.post(f"/api/v1/monitoring/cases/{case.pk}/steps", {"action": "identify", "note": "认定"},
                        content_type="application/json")
    assert api.status_code == 200 and api.json()["step"] == "identified" and api.json()["notice_id"]
    too_soon = township.post(f"/api/v1/monitoring/cases/{case.pk}/steps", {"action": "assist"},
                             content_type="application/json")
    assert too_soon.status_code == 409 and too_soon.json()["code"] == "MONITORING_NEEDS_MEASURE"
    cadre.post(f"/monitoring/cases/{case.pk}/measures/", {"kind": "employment", "description": "公益性岗位",
                                                          "starts_on": "2021-01-04"})
    cadre.post(f"/monitoring/cases/{case.pk}/assist/", {"note": "落实帮扶"})
    detail = cadre.get(f"/monitoring/cases/{case.pk}/")
    case.refresh_from_db()
    assert case.step == "assisting"
    body = detail.content.decode()
    assert "公益性岗位" in body and "尚无已落实的帮扶措施" in body  # why elimination is not possible yet


def _case_state(case: MonitoringCase) -> dict[str, object]:
    return {"case": MonitoringCase.objects.filter(pk=case.pk).values().get(), "steps": CaseStep.objects.count(),
            "measures": CaseMeasure.objects.count(), "notices": Notice.objects.count(),
            "audit": AuditEntry.objects.count()}


def test_a_step_or_a_measure_in_the_wrong_step_answers_409_wrong_state_on_the_page_and_in_the_api(personas, county):
    """The workflow core's one wrong-state refusal (MONITORING_WRONG_STEP before): 409, code WRONG_STATE,
    the reason in the viewer's language, nothing changed; a help measure on an alert is refused alike."""
    monitor_county(YEAR)
    case = MonitoringCase.objects.get(household=county["edge"])  # an alert (发现预警)
    township, cadre = _client(personas.township_a), _client(personas.cadre_a1)
    before = _case_state(case)
    page = township.post(f"/monitoring/cases/{case.pk}/identify/", {"note": "认定"})
    assert (page.status_code, page["X-Fupin-Error"]) == (409, "WRONG_STATE")
    assert "「认定并公示」只适用于处于「入户核实」环节的案例，该案例当前为「发现预警」" in page.content.decode()
    english = township.post(f"/monitoring/cases/{case.pk}/identify/", {"note": "认定"}, HTTP_ACCEPT_LANGUAGE="en")
    assert (english.status_code, english["X-Fupin-Error"]) == (409, "WRONG_STATE")
    assert "identify applies to cases at step verified; this one is at alert" in english.content.decode()
    api = township.post(f"/api/v1/monitoring/cases/{case.pk}/steps", {"action": "identify", "note": "认定"},
                        content_type="application/json")
    assert (api.status_code, api.json()["code"]) == (409, "WRONG_STATE")
    measure = {"kind": "employment", "description": "公益性岗位", "starts_on": "2021-01-04"}
    page = cadre.post(f"/monitoring/cases/{case.pk}/measures/", measure)
    assert (page.status_code, page["X-Fupin-Error"]) == (409, "WRONG_STATE")
    assert "「登记帮扶措施」只适用于处于「认定监测对象、落实帮扶」环节的案例" in page.content.decode()
    api = cadre.post(f"/api/v1/monitoring/cases/{case.pk}/measures", measure, content_type="application/json")
    assert (api.status_code, api.json()["code"]) == (409, "WRONG_STATE")
    assert _case_state(case) == before


def test_inbox_shows_alerts_with_an_unread_count(personas, county):
    monitor_county(YEAR)
    client = _client(personas.cadre_a1)
    home = client.get("/monitoring/")
    assert home.context["inbox_unread"] == 1
    message = Message.objects.get(user=personas.cadre_a1)
    assert "M-EDGE" in client.get("/inbox/").content.decode()
    opened = client.post(f"/inbox/{message.pk}/open/")
    assert opened.status_code == 302 and opened["Location"] == message.link
    assert client.get("/inbox/").context["inbox_unread"] == 0
    other = Message.objects.exclude(user=personas.cadre_a1).first()
    assert other is not None and client.post(f"/inbox/{other.pk}/open/").status_code == 404


def test_trend_counts_households_entering_and_leaving_per_township_and_month(personas, county):
    monitor_county(YEAR)
    case = MonitoringCase.objects.get(household=county["edge"])
    case_step(case, "verify", actor=personas.cadre_a1, note="核实")
    case_step(case, "identify", actor=personas.township_a)
    measure_add(case, actor=personas.cadre_a1, kind="health", description="医疗救助", starts_on=date(2021, 1, 1),
                ends_on=date(2021, 2, 1), done=True)
    case_step(case, "assist", actor=personas.cadre_a1)
    MonitoringCase.objects.filter(pk=case.pk).update(identified_on=date(2000, 1, 1))
    income(county["edge"], YEAR, "20000.00")
    case_step(case, "eliminate", actor=personas.township_a)
    rows = _client(personas.officer).get("/api/v1/monitoring/trends").json()
    month = MonitoringCase.objects.get(pk=case.pk).opened_at.strftime("%Y-%m")
    assert {(r["township"], r["month"]): (r["entered"], r["left"]) for r in rows} == {
        ("孟庙镇", month): (2, 1), ("商桥镇", month): (1, 0)}
    page = _client(personas.cadre_a1).get("/monitoring/trends/")
    assert [(r["township"], r["entered"], r["left"]) for r in page.context["rows"]] == [("孟庙镇", 1, 1)]
