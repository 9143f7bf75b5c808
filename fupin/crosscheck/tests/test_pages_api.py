"""The command line, the pages and the API agree; the upload page loads a list as a job."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from python_calamine import CalamineWorkbook

from fupin.core import idnumber
from fupin.core.models import AuditEntry
from fupin.core.tests.refusals import assert_api_refuses, assert_page_refuses
from fupin.crosscheck.models import CrosscheckRun, Finding, FindingStep, ListLoad
from fupin.crosscheck.tests.conftest import YEAR, household, id_for, load, member, write_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(personas, policy, tmp_path):
    areas = personas.areas
    a1, b1 = household(areas.village_a1, no="H-A1-0700"), household(areas.village_b1, no="H-B1-0700")
    people = [member(a1, "甲", date(1940, 1, 1)), member(a1, "乙", date(2010, 1, 1)), member(b1, "丙", date(1941, 1, 1))]
    load(tmp_path, "DEATHS", [[people[0].id_number, "甲", "2018-03-01"], [people[2].id_number, "丙 ", "2018-04-01"]])
    load(tmp_path, "VEHICLES", [[people[2].id_number, "丙丙", "豫L1", "88000"]])
    load(tmp_path, "STUDENTS", [[id_for(date(2009, 1, 1)), "外", "小学", "四年级"]])
    return personas, people


def test_command_line_output_page_and_api_agree(listed, tmp_path, capsys):
    personas, people = listed
    out = tmp_path / "findings.csv"
    call_command("crosscheck", "--year", str(YEAR), "--output", str(out))
    assert "比对完成" in capsys.readouterr().out
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][:4] == ["dataset", "id_number", "household_no", "finding"]
    cli = {(r[0], r[1], r[2], r[3]) for r in rows[1:]}
    assert cli == {("DEATHS", people[0].id_number, "H-A1-0700", "DECEASED_ACTIVE"),
                   ("DEATHS", people[2].id_number, "H-B1-0700", "DECEASED_ACTIVE"),
                   ("VEHICLES", people[2].id_number, "H-B1-0700", "VEHICLE_OWNER"),
                   ("VEHICLES", people[2].id_number, "H-B1-0700", "NAME_MISMATCH"),
                   ("STUDENTS", people[1].id_number, "H-A1-0700", "NOT_ENROLLED")}
    run = CrosscheckRun.objects.get()
    officer = Client()
    officer.force_login(personas.officer)
    api = officer.get("/api/v1/crosscheck/findings", {"year": YEAR, "run": run.pk, "limit": 500, "full_id": True}).json()
    assert {(i["dataset"], i["id_number"], i["household_no"], i["code"]) for i in api["items"]} == cli
    # Without asking, ID numbers are masked, also for a role that may see them in full.
    masked = officer.get("/api/v1/crosscheck/findings", {"year": YEAR, "run": run.pk, "limit": 500}).json()
    assert {i["id_number"] for i in masked["items"]} == {idnumber.mask(c[1]) for c in cli}
    page = officer.get("/crosscheck/findings/", {"year": YEAR, "run": run.pk})
    assert page.context["page"].paginator.count == len(cli)
    assert {(f.dataset, f.id_number, f.household.household_no, f.code) for f in page.context["page"]} == cli
    # The village sees its own part only, on the page and in the API alike.
    cadre = Client()
    cadre.force_login(personas.cadre_a1)
    mine = cadre.get("/api/v1/crosscheck/findings", {"year": YEAR}).json()
    assert {i["household_no"] for i in mine["items"]} == {"H-A1-0700"} and mine["count"] == 2
    assert cadre.get("/crosscheck/findings/", {"year": YEAR}).context["page"].paginator.count == 2
    xlsx = tmp_path / "findings.xlsx"
    call_command("crosscheck", "--year", str(YEAR), "--output", str(xlsx))
    sheet = CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_name("结果").to_python()
    assert {tuple(r[:4]) for r in sheet[1:]} == cli
    assert Finding.objects.count() == len(cli)  # the second run raised nothing new


def test_the_command_refuses_without_lists_and_with_a_bad_output(areas, policy, tmp_path, capsys):
    with pytest.raises(Exception) as refused:
        call_command("crosscheck", "--year", str(YEAR))
    assert getattr(refused.value, "returncode", 1) == 1 and "尚未导入" in str(refused.value)
    with pytest.raises(SystemExit) as usage:
        call_command("crosscheck", "--year", str(YEAR), "--output", str(tmp_path / "x.txt"))
    assert usage.value.code == 2


def test_the_queue_over_the_api_and_refusals_answer_409(listed):
    personas, _people = listed
    from fupin.crosscheck.services import crosscheck_run
    crosscheck_run(YEAR)
    finding = Finding.objects.get(code="DECEASED_ACTIVE", household__household_no="H-A1-0700")
    cadre = Client()
    cadre.force_login(personas.cadre_a1)
    base = f"/api/v1/crosscheck/findings/{finding.pk}"
    early = cadre.post(f"{base}/close", {"disposition": "confirmed", "note": "x"}, content_type="application/json")
    assert early.status_code == 409 and early.json()["code"] == "WRONG_STATE"
    assert cadre.post(f"{base}/assign", {"assignee": "team_a1"}, content_type="application/json").json()[
        "assigned_to"] == "team_a1"
    assert cadre.post(f"{base}/verify", {"note": "已核实"}, content_type="application/json").json()["status"] == "verified"
    closed = cadre.post(f"{base}/close", {"disposition": "confirmed", "note": "已减员"}, content_type="application/json")
    assert closed.json()["status"] == "closed" and closed.json()["disposition"] == "confirmed"
    other = Finding.objects.get(code="DECEASED_ACTIVE", household__household_no="H-B1-0700")
    assert cadre.get(f"/api/v1/crosscheck/findings/{other.pk}").status_code == 404


def test_a_wrong_state_step_answers_409_wrong_state_on_the_page_and_in_the_api_changing_nothing(listed):
    personas, _people = listed
    from fupin.crosscheck.services import crosscheck_run, finding_close, finding_verify
    crosscheck_run(YEAR)
    finding = Finding.objects.get(code="DECEASED_ACTIVE", household__household_no="H-A1-0700")
    finding_verify(finding, actor=personas.cadre_a1, note="已核实")
    finding_close(finding, actor=personas.cadre_a1, disposition="confirmed", note="已减员")
    cadre = Client()
    cadre.force_login(personas.cadre_a1)
    audits, steps = AuditEntry.objects.count(), FindingStep.objects.count()
    assert_page_refuses(cadre, f"/crosscheck/findings/{finding.pk}/verify/", {"note": "再次核实"}, code="WRONG_STATE",
                        zh="「登记核实」只适用于「待核实」的比对疑点，当前为「已办结」",
                        en="verify applies to a finding in OPEN; this one is CLOSED")
    assert_page_refuses(cadre, f"/crosscheck/findings/{finding.pk}/close/",
                        {"disposition": "confirmed", "note": "再次办结"}, code="WRONG_STATE",
                        zh="疑点已办结", en="the finding is already closed")
    assert_api_refuses(cadre, f"/api/v1/crosscheck/findings/{finding.pk}/verify", {"note": "再次核实"},
                       code="WRONG_STATE", zh="只适用于「待核实」的比对疑点")
    assert_api_refuses(cadre, f"/api/v1/crosscheck/findings/{finding.pk}/assign", {"assignee": "team_a1"},
                       code="WRONG_STATE", zh="「分派」只适用于「待核实」、「已核实」的比对疑点")
    finding.refresh_from_db()
    assert (finding.status, finding.verification_note, finding.note, finding.assigned_to_id) == (
        "closed", "已核实", "已减员", None)
    assert (AuditEntry.objects.count(), FindingStep.objects.count()) == (audits, steps)


def test_the_upload_page_loads_a_list_in_a_job_and_shows_the_problems(listed, tmp_path, settings,
                                                                     django_capture_on_commit_callbacks):
    personas, _ = listed
    settings.MEDIA_ROOT = tmp_path / "media"
    education = Client()
    education.force_login(personas.department)
    page = education.get("/crosscheck/upload/")
    assert [c[0] for c in page.context["form"].fields["dataset"].choices] == ["STUDENTS"]
    bad = write_list(tmp_path / "students.csv", "STUDENTS", [[id_for(date(2010, 1, 1)), "童", "小学", "三年级"],
                                                             ["123", "错", "小学", "三年级"]])
    with django_capture_on_commit_callbacks(execute=True):
        response = education.post("/crosscheck/upload/", {"dataset": "STUDENTS", "upload": SimpleUploadedFile(
            "学籍.csv", bad.read_bytes(), content_type="text/csv")})
    assert response.status_code == 302
    detail = education.get(response["Location"])
    assert detail.context["problems"] == 1 and "第" not in detail.context["problem_list"][0]["rule_zh"]
    assert detail.context["problem_list"][0]["row"] == 3 and detail.context["problem_list"][0]["column"] == "身份证号"
    assert detail.context["problem_list"][0]["value"] == "***"  # a personal column's value is kept masked
    assert education.get(response["Location"] + "report/").status_code == 200
    assert ListLoad.objects.filter(dataset="STUDENTS").count() == 1  # the fixture's; the bad file loaded nothing
    with django_capture_on_commit_callbacks(execute=True):
        good = education.post("/crosscheck/upload/", {"dataset": "STUDENTS", "valid_only": "on", "upload":
                              SimpleUploadedFile("学籍2.csv", bad.read_bytes(), content_type="text/csv")})
    outcome = education.get(good["Location"])
    assert outcome.context["result"]["written"] and outcome.context["result"]["rows"] == 1
    assert outcome.context["skipped"] == 1 and "已导入 1 行" in outcome.content.decode()
    assert ListLoad.objects.filter(dataset="STUDENTS").latest("pk").uploaded_by == personas.department
    refused = education.post("/crosscheck/upload/", {"dataset": "DEATHS", "upload": SimpleUploadedFile(
        "d.csv", bad.read_bytes(), content_type="text/csv")})
    assert refused.status_code == 400


def test_trends_page_and_api_agree(listed):
    personas, _people = listed
    from fupin.crosscheck.services import crosscheck_run
    crosscheck_run(YEAR)
    for who, townships in ((personas.officer, {"孟庙镇", "商桥镇"}), (personas.cadre_a1, {"孟庙镇"})):
        client = Client()
        client.force_login(who)
        api = client.get("/api/v1/crosscheck/trends").json()
        page = client.get("/crosscheck/trends/").context["rows"]
        assert api == page and {r["township"] for r in api} == townships
        assert sum(r["raised"] for r in api) == Finding.objects.visible_to(who).count()


def test_a_run_without_lists_is_refused_on_the_page_and_in_the_api(personas, policy):
    officer = Client()
    officer.force_login(personas.officer)
    response = officer.post("/crosscheck/run/", {"year": YEAR}, follow=True)
    assert "尚未导入任何部门名单" in response.content.decode()
    api = officer.post("/api/v1/crosscheck/runs/start?year=2018")
    assert api.status_code == 422 and api.json()["code"] == "NO_LISTS"
    assert CrosscheckRun.objects.count() == 0
