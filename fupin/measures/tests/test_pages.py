"""The pages and the API: record a measure, decide on suggestions, points, coverage, uploads."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import Workbook

from fupin.measures.models import Measure, PointEntry, SuggestionDecision
from fupin.measures.services import balance_of
from fupin.measures.tests.conftest import add_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def a1(policy, households):
    h = households["a1"]
    h.main_cause = "no_capital"
    h.save()
    return h


def test_a_cadre_records_a_measure_and_a_refusal_is_shown_not_stored(client, personas, a1):
    client.force_login(personas.cadre_a1)
    url = f"/measures/households/{a1.pk}/record/"
    r = client.post(url, {"programme": "micro_credit", "starts_on": "2019-04-01", "amount": "60000"}, follow=True)
    assert "超过政策上限" in r.content.decode() and not Measure.objects.exists()
    r = client.post(url, {"programme": "micro_credit", "starts_on": "2019-04-01", "amount": "30000",
                          "evidence": "贷款合同"}, follow=True)
    assert "已记录帮扶措施" in r.content.decode()
    m = Measure.objects.get()
    assert (m.programme.code, m.amount, m.created_by) == ("micro_credit", Decimal("30000.00"), personas.cadre_a1)
    page = client.get("/measures/").content.decode()
    assert "H-A1-0001" in page and "贷款合同" in page
    assert "扶贫小额信贷" in client.get(f"/registry/households/{a1.pk}/").content.decode()  # the household file


def test_suggestions_are_accepted_and_dismissed_on_the_household_page(client, personas, a1):
    client.force_login(personas.cadre_a1)
    page = client.get(f"/measures/households/{a1.pk}/?year=2019").content.decode()
    assert 'data-testid="accept-micro_credit"' in page
    client.post(f"/measures/households/{a1.pk}/suggestions/", {"programme": "industry_linkage", "decision": "accept",
                                                              "starts_on": "2019-05-01"})
    client.post(f"/measures/households/{a1.pk}/suggestions/", {"programme": "micro_credit", "decision": "dismiss",
                                                              "reason": "无贷款意愿"})
    assert Measure.objects.get().source == "suggestion"
    assert SuggestionDecision.objects.get(decision="dismissed").reason == "无贷款意愿"
    page = client.get(f"/measures/households/{a1.pk}/?year=2019").content.decode()
    assert 'data-testid="accept-micro_credit"' not in page and 'data-testid="accept-industry_linkage"' not in page


def test_points_are_earned_and_redeemed_and_listed_for_the_month(client, personas, a1):
    client.force_login(personas.cadre_a1)
    url = f"/measures/households/{a1.pk}/points/"
    client.post(url, {"action": "earn", "rule": "industry"})
    r = client.post(url, {"action": "redeem", "points": "11", "goods": "大米"}, follow=True)
    assert "积分不足" in r.content.decode()
    client.post(url, {"action": "redeem", "points": "6", "goods": "大米"})
    assert balance_of(a1) == 4 and PointEntry.objects.count() == 2
    listing = client.get("/measures/points/").content.decode()
    assert "H-A1-0001" in listing


def test_an_auditor_reads_but_cannot_write(client, personas, a1):
    client.force_login(personas.auditor)
    assert client.get("/measures/coverage/?year=2019").status_code == 200
    r = client.post(f"/measures/households/{a1.pk}/record/", {"programme": "industry_linkage",
                                                             "starts_on": "2019-04-01"})
    assert r.status_code in (302, 403) and not Measure.objects.exists()


def test_coverage_page_and_api(client, personas, a1):
    add_member(a1, "高中生", date(2003, 1, 1), schooling="senior")
    client.force_login(personas.township_a)
    page = client.get("/measures/coverage/?year=2019").content.decode()
    assert "甲村民委员会" in page and "乙村民委员会" in page and "丙村民委员会" not in page
    data = client.get("/api/v1/measures/coverage?year=2019").json()
    assert data["households"] == 2 and data["high_school"] == 1 and data["high_school_ok"] is False
    assert any(g["programme"] == "high_school_grant" for v in data["villages"] for g in v["gaps"])
    assert client.get("/api/v1/measures/suggestions?year=2019").json()["count"] > 0
    client.force_login(personas.officer)  # the district: one line per township, then per village
    page = client.get("/measures/coverage/?year=2019").content.decode()
    township = page.split('data-testid="township-table"')[1].split("</table>")[0]
    assert "孟庙镇" in township and "商桥镇" in township


def test_a_department_uploads_its_list_in_a_job(client, personas, a1, settings, tmp_path,
                                                django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    pupil = add_member(a1, "学生", date(2009, 3, 1), schooling="primary")
    book = Workbook()
    book.active.append(["身份证号", "姓名", "帮扶项目", "金额", "发放日期"])
    book.active.append([pupil.id_number, "学生", "boarding_subsidy", "9999", "2019-09-10"])
    raw = BytesIO()
    book.save(raw)
    client.force_login(personas.department)
    raw.seek(0)
    raw.name = "名单.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/measures/deliveries/", {"file": raw})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "超过政策上限" in page and "exceeds the policy limit" in page and not Measure.objects.exists()
    report = client.get(response["Location"] + "report/")
    assert report.status_code == 200 and report["Content-Disposition"].startswith("attachment")
    client.force_login(personas.officer)  # another user: the job is the starter's
    assert client.get(response["Location"]).status_code == 404
    client.force_login(personas.cadre_a1)
    assert client.get("/measures/deliveries/").status_code == 403


def test_the_form_dates_start_inside_the_year_viewed(client, personas, a1):
    from django.utils import timezone

    from fupin.assessment.services import work_year
    from fupin.measures.coverage import coverage
    from fupin.measures.selectors import record_day
    from fupin.registry.models import Household

    assert record_day(2019, today=date(2019, 6, 3)) == date(2019, 6, 3)  # today, when it is in the year
    assert record_day(2019, today=date(2026, 11, 29)) == date(2019, 12, 31)  # a past year: its last day
    assert record_day(2030, today=date(2026, 11, 29)) == date(2030, 1, 1)  # a year ahead: its first day
    assert record_day(2019, today=date(2019, 1, 1)) == date(2019, 1, 1)
    assert record_day(2019, today=date(2019, 12, 31)) == date(2019, 12, 31)

    def dates_on(page: str) -> set[str]:
        return set(re.findall(r'name="starts_on" value="([^"]*)"', page))

    client.force_login(personas.cadre_a1)
    today = timezone.localdate()
    page = client.get(f"/measures/households/{a1.pk}/").content.decode()  # the work year
    assert dates_on(page) == {record_day(work_year()).isoformat()}
    page = client.get(f"/measures/households/{a1.pk}/?year=2019").content.decode()
    assert "建议措施（2019）" in page and 'name="year" value="2019"' in page
    assert dates_on(page) == {"2019-12-31"} and today.year > 2019
    page = client.get(f"/measures/households/{a1.pk}/?year={today.year}").content.decode()
    assert dates_on(page) == {today.isoformat()}

    # Accepting from the 2019 page without a date records the measure inside 2019 and comes back to 2019.
    r = client.post(f"/measures/households/{a1.pk}/suggestions/", {"programme": "industry_linkage",
                                                                  "decision": "accept", "year": "2019"})
    assert r.status_code == 302 and r["Location"].endswith(f"/measures/households/{a1.pk}/?year=2019")
    assert Measure.objects.get().starts_on == date(2019, 12, 31)
    assert coverage(Household.objects.filter(pk=a1.pk), 2019).total("with_measure") == 1


def test_the_lists_narrow_by_village_and_township_and_ignore_a_bad_place(client, personas, a1, areas):
    client.force_login(personas.officer)

    def covered(**params):
        data = client.get("/api/v1/measures/coverage", {"year": 2019, **params}).json()
        return {v["village"] for v in data["villages"]}

    def credit(**params):
        return {v["village"] for v in client.get("/api/v1/measures/credit", params).json()["villages"]}

    a1_, a2_, b1_ = areas.village_a1.name, areas.village_a2.name, areas.village_b1.name
    assert covered() == {a1_, a2_, b1_}
    assert covered(township=areas.town_a.pk) == {a1_, a2_}
    assert covered(village=areas.village_b1.pk) == {b1_}
    assert covered(village=areas.village_a1.pk, township=areas.town_b.pk) == set()  # both apply
    page = client.get("/measures/coverage/", {"year": 2019, "township": "abc", "village": "-1"}).content.decode()
    assert a1_ in page and b1_ in page
    assert credit(township=areas.town_b.pk) == {b1_} and a1_ in credit()
    assert b1_ in client.get("/measures/credit/").content.decode()
    assert b1_ not in client.get("/measures/credit/", {"township": areas.town_a.pk}).content.decode()
    client.post(f"/measures/households/{a1.pk}/points/", {"action": "earn", "rule": "industry"})
    assert "H-A1-0001" in client.get("/measures/points/", {"village": areas.village_a1.pk}).content.decode()
    assert "H-A1-0001" not in client.get("/measures/points/", {"village": areas.village_a2.pk}).content.decode()
    assert "H-A1-0001" in client.get("/measures/points/", {"village": "x"}).content.decode()


def test_a_wrong_state_status_change_answers_409_wrong_state_on_the_page_changing_nothing(client, personas, a1):
    from fupin.core.models import AuditEntry
    from fupin.core.tests.refusals import assert_page_refuses
    from fupin.measures.models import MeasureStep, Programme
    from fupin.measures.services import MeasureInput, measure_create, measure_set_status

    m = measure_create(a1, MeasureInput(Programme.objects.get(code="industry_linkage"), date(2019, 3, 1),
                                        evidence="分红协议", status=Measure.Status.PLANNED), actor=personas.cadre_a1)
    client.force_login(personas.cadre_a1)

    def offered() -> list[str]:  # the statuses the measure's own form offers: the table's moves from its status
        page = client.get(f"/measures/households/{a1.pk}/?year=2019").content.decode()
        form = re.search(rf'action="/measures/{m.pk}/status/".*?</form>', page, re.S)
        return re.findall(r'<option value="(\w+)"', form.group(0)) if form else []

    assert offered() == ["delivering", "done", "cancelled"]
    measure_set_status(m, "done", actor=personas.cadre_a1)
    assert offered() == ["cancelled"]
    audits, steps = AuditEntry.objects.count(), MeasureStep.objects.count()
    assert_page_refuses(client, f"/measures/{m.pk}/status/", {"status": "delivering", "note": "再开始"},
                        code="WRONG_STATE", zh="「开始实施」只适用于「计划」的帮扶措施，当前为「已落实」",
                        en="deliver applies to a measure in PLANNED; this one is DONE")
    m.refresh_from_db()
    assert (m.status, m.evidence) == ("done", "分红协议")
    assert (AuditEntry.objects.count(), MeasureStep.objects.count()) == (audits, steps)
    # Bad input stays a message on the household page (no step is taken).
    r = client.post(f"/measures/{m.pk}/status/", {"status": "cancelled", "note": ""}, follow=True)
    assert r.status_code == 200 and "取消须说明理由" in r.content.decode()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("名单.txt", b"hello", "不是 .xlsx、.xls 或 .csv 文件"),
    ("名单.xlsx", b"not a zip at all", "不是 Excel 工作簿"),
    ("空.csv", b"", "空文件"),
    ("bin.csv", b"a,\x00\x01b\n", "不是文本 CSV 文件"),
    ("名单.xlsx", b"PK\x03\x04" + b"\x00" * 64, "工作簿已损坏"),
])
def test_a_hostile_delivery_upload_is_refused_and_nothing_is_stored(client, personas, settings, tmp_path,
                                                                     name, content, message):
    """The delivery page checks an upload with the import framework's checks before any job or file exists."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fupin.core.models import JobRun

    settings.MEDIA_ROOT = tmp_path
    client.force_login(personas.department)
    response = client.post("/measures/deliveries/", {"file": SimpleUploadedFile(name, content)})
    assert response.status_code in (200, 400) and message in response.content.decode()
    assert not JobRun.objects.exists() and not Measure.objects.exists() and not any(tmp_path.rglob("*.*"))


def test_a_workbook_cut_short_fails_its_job_with_a_reason_and_records_nothing(client, personas, settings, tmp_path,
                                                                             django_capture_on_commit_callbacks):
    """A workbook whose parts are all there and begin well passes the upload check (a truncated zip does not);
    its worksheet breaks off mid-cell, so reading it in the job is refused with the reason, nothing is
    written, and the site keeps answering."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fupin.core.models import JobRun
    from fupin.core.tests.hostile import deflated, sheet_xml, workbook

    cut = sheet_xml([["身份证号", "姓名"], ["110101199001010011", "张三"]])[:-60]
    settings.MEDIA_ROOT = tmp_path
    client.force_login(personas.department)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/measures/deliveries/", {"file": SimpleUploadedFile(
            "名单.xlsx", workbook((), sheet=deflated("xl/worksheets/sheet1.xml", cut)))})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200 and not Measure.objects.exists()
    job = JobRun.objects.get()
    assert job.result["refused"] and not job.result["written"]
    assert [p["code"] for p in job.result["problem_list"]] == ["FILE_UNREADABLE"]
    assert "无法读取文件" in page.content.decode() and "未导入任何数据" in page.content.decode()
    assert client.get("/measures/deliveries/").status_code == 200
