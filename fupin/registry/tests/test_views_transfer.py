"""The registry's file pages: export from the list, the blank template, the upload page, import results."""

from __future__ import annotations

import re
import time
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from fupin.core.middleware import LAST_SEEN_KEY
from fupin.core.models import AuditEntry, JobRun
from fupin.registry.models import Household, IncomeRecord, Member

LIST = "/registry/households/"
EXPORT = "/registry/households/export/"
IMPORT = "/registry/import/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MASKED = re.compile(r"4111\*{10}[0-9X]{4}")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def signed_in(client, user):
    client.force_login(user)
    return client


def workbook(response) -> Workbook:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(BytesIO(body))


def household_numbers(book: Workbook) -> list[str]:
    return [r[0] for r in book["户信息"].iter_rows(min_row=2, values_only=True)]


def xlsx_bytes(rows: dict[str, list[list[object]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, data in rows.items():
        ws = book.create_sheet(name)
        for row in data:
            ws.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def registry_state() -> tuple[list[Any], ...]:
    return (list(Household.objects.order_by("pk").values()), list(Member.objects.order_by("pk").values()),
            list(IncomeRecord.objects.order_by("pk").values()))


def uploads(media: Path) -> list[Path]:
    return sorted((media / "uploads").rglob("*")) if (media / "uploads").exists() else []


class TestListButtons:
    def test_it_offers_export_import_and_the_template_to_a_district_officer(self, client, personas, households):
        page = signed_in(client, personas.officer).get(LIST).content.decode()
        assert 'data-testid="export-button"' in page and 'href="/registry/import/"' in page
        assert 'href="/registry/template/"' in page

    def test_it_offers_only_the_template_to_a_village_cadre(self, client, personas, households):
        page = signed_in(client, personas.cadre_a1).get(LIST).content.decode()
        assert 'data-testid="export-button"' not in page and 'href="/registry/import/"' not in page
        assert 'href="/registry/template/"' in page

    def test_it_carries_the_list_s_filters_into_the_export_form(self, client, personas, areas, households):
        page = signed_in(client, personas.officer).get(LIST, {"village": areas.village_a2.pk, "q": "H-"}).content
        assert f'name="village" value="{areas.village_a2.pk}"'.encode() in page
        assert b'name="q" value="H-"' in page


class TestExport:
    def test_it_downloads_what_the_filters_select(self, client, personas, areas, households):
        response = signed_in(client, personas.officer).post(EXPORT, {"village": areas.village_a2.pk})
        assert response.status_code == 200 and response["Content-Type"] == XLSX
        assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
        assert household_numbers(workbook(response)) == ["H-A2-0001"]

    def test_it_never_exports_beyond_the_user_s_area_whatever_the_filters(self, client, personas, areas, households):
        client = signed_in(client, personas.township_a)
        assert household_numbers(workbook(client.post(EXPORT))) == ["H-A1-0001", "H-A2-0001"]
        assert household_numbers(workbook(client.post(EXPORT, {"village": areas.village_b1.pk}))) == []
        assert household_numbers(workbook(client.post(EXPORT, {"township": areas.town_b.pk}))) == []

    def test_it_masks_id_numbers_for_a_reader_who_may_not_see_them_whole(self, client, personas, households):
        member_ids = set(Member.objects.values_list("id_number", flat=True))
        audited = workbook(signed_in(client, personas.auditor).post(EXPORT))  # auditors export, without full IDs
        shown = {r[2] for r in audited["家庭成员"].iter_rows(min_row=2, values_only=True)}
        assert len(shown) == 6 and all(MASKED.fullmatch(v) for v in shown) and not shown & member_ids
        assert AuditEntry.objects.order_by("-seq")[0].changes["masked_id_numbers"] is True
        full = workbook(signed_in(type(client)(), personas.officer).post(EXPORT))
        assert {r[2] for r in full["家庭成员"].iter_rows(min_row=2, values_only=True)} == member_ids

    def test_it_refuses_a_village_cadre_and_get_requests(self, client, personas, households):
        assert signed_in(client, personas.cadre_a1).post(EXPORT).status_code == 403
        assert signed_in(client, personas.officer).get(EXPORT).status_code == 405

    def test_it_exports_a_large_selection_as_a_job_for_its_starter_only(
            self, client, personas, households, settings, django_capture_on_commit_callbacks):
        settings.REGISTRY_EXPORT_DIRECT_MAX = 1
        client = signed_in(client, personas.township_a)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(EXPORT, {"q": "H-A"})
        job = JobRun.objects.get(kind="registry.export")
        assert response.status_code == 302 and response["Location"] == f"/registry/export/{job.pk}/"
        job.refresh_from_db()
        assert job.status == "succeeded" and job.result["households"] == 2 and job.params["filters"] == {"q": "H-A"}
        page = client.get(f"/registry/export/{job.pk}/").content.decode()
        assert f'href="/registry/export/{job.pk}/file/"' in page and "hx-get" not in page
        assert household_numbers(workbook(client.get(f"/registry/export/{job.pk}/file/"))) == ["H-A1-0001",
                                                                                            "H-A2-0001"]
        other = signed_in(type(client)(), personas.officer)  # more rights, but not the starter: personal data
        assert other.get(f"/registry/export/{job.pk}/").status_code == 404
        assert other.get(f"/registry/export/{job.pk}/file/").status_code == 404

    def test_it_polls_a_running_export_without_counting_as_activity(self, client, personas, households):
        job = JobRun.objects.create(kind="registry.export", title="导出", created_by=personas.officer,
                                    status=JobRun.Status.RUNNING, total=10, done=4)
        client = signed_in(client, personas.officer)
        page = client.get(f"/registry/export/{job.pk}/").content.decode()
        assert 'hx-trigger="every 1s"' in page and "X-Fupin-Poll" in page and 'value="40"' in page
        assert client.get(f"/registry/export/{job.pk}/file/").status_code == 404

    def test_the_api_exports_the_caller_s_area_and_refuses_a_large_one(self, client, personas, households, settings):
        client = signed_in(client, personas.township_a)
        response = client.get("/api/v1/registry/export", {"q": "H-A1"})
        assert response.status_code == 200 and household_numbers(workbook(response)) == ["H-A1-0001"]
        settings.REGISTRY_EXPORT_DIRECT_MAX = 1
        refused = client.get("/api/v1/registry/export")
        assert refused.status_code == 413 and refused.json()["code"] == "EXPORT_TOO_LARGE"

    def test_every_export_is_audited(self, client, personas, households):
        client = signed_in(client, personas.officer)
        before = AuditEntry.objects.count()
        client.post(EXPORT, {"status": "registered"})
        entry = AuditEntry.objects.order_by("-seq")[0]
        assert AuditEntry.objects.count() == before + 1
        assert (entry.action, entry.actor, entry.changes["filters"]) == ("export", personas.officer,
                                                                         {"status": "registered"})


class TestTemplate:
    @pytest.mark.parametrize("url", ["/registry/template/", "/api/v1/registry/template"])
    def test_any_signed_in_user_downloads_the_blank_template(self, client, personas, url):
        response = signed_in(client, personas.cadre_a1).get(url)
        assert response.status_code == 200 and response["Content-Type"] == XLSX
        assert "attachment" in response["Content-Disposition"]
        assert load_workbook(BytesIO(response.content)).sheetnames[:3] == ["户信息", "家庭成员", "收支情况"]


class TestUploadPage:
    def test_it_shows_the_form_to_a_district_officer_only(self, client, personas):
        page = signed_in(client, personas.officer).get(IMPORT)
        assert page.status_code == 200
        assert 'type="file"' in page.content.decode() and 'name="valid_only"' in page.content.decode()
        assert 'name="dry_run"' in page.content.decode() and "multiple" in page.content.decode()
        for persona in ("cadre_a1", "township_a", "auditor"):
            assert signed_in(type(client)(), getattr(personas, persona)).get(IMPORT).status_code == 403

    @pytest.mark.parametrize(("files", "message"), [
        ([("名单.txt", b"hello")], "不是 .xlsx、.xls 或 .csv 文件"),
        ([("户信息.xlsx", b"not a zip at all")], "不是 Excel 工作簿"),
        ([("a.xlsx", xlsx_bytes({"户信息": [["户编号"]]})), ("b.csv", b"x\n")], "不要混合"),
        ([(f"{i}.csv", b"a,b\n") for i in range(4)], "最多上传三个 CSV 文件"),
        ([("空.csv", b"")], "空文件"),
        ([("bin.csv", b"a,\x00\x01b\n")], "不是文本 CSV 文件"),
        ([], "请选择要导入的文件"),
    ])
    def test_it_refuses_a_bad_upload_and_stores_nothing(self, client, personas, households, media, files, message):
        before = registry_state()
        upload = [SimpleUploadedFile(name, content) for name, content in files]
        response = signed_in(client, personas.officer).post(IMPORT, {"upload": upload})
        assert response.status_code == 400
        assert message in response.content.decode()
        assert JobRun.objects.count() == 0 and uploads(media) == [] and registry_state() == before

    def test_it_refuses_an_upload_over_the_limit_before_reading_it(self, client, personas, settings, media):
        settings.REGISTRY_UPLOAD_MAX_BYTES = 1024
        big = SimpleUploadedFile("户信息.csv", b"a,b\n" * 100_000)
        response = signed_in(client, personas.officer).post(IMPORT, {"upload": [big]})
        assert response.status_code == 413
        assert "超过上限" in response.content.decode()
        assert JobRun.objects.count() == 0 and uploads(media) == []

    def test_it_refuses_an_upload_over_the_limit_that_hides_its_length(self, client, personas, settings, media):
        settings.REGISTRY_UPLOAD_MAX_BYTES = 70 * 1024  # the request passes the Content-Length check, the file not
        big = SimpleUploadedFile("户信息.csv", b"a,b\n" * 20_000)
        response = signed_in(client, personas.officer).post(IMPORT, {"upload": [big]})
        assert response.status_code == 400 and "超过上限" in response.content.decode()
        assert uploads(media) == []

    def test_it_checks_the_csrf_token_although_the_size_check_comes_first(self, personas):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(personas.officer)
        response = client.post(IMPORT, {"upload": [SimpleUploadedFile("户信息.csv", b"a,b\n")]})
        assert response.status_code == 403
        assert JobRun.objects.count() == 0


def import_job(user, *, status="succeeded", result=None, names=("户信息.xlsx",), scope=None, **params):
    scope = scope or {"everything": False, "paths": [a.area.path for a in user.active_assignments]}
    return JobRun.objects.create(
        kind="registry.import", title="导入", created_by=user, status=status, total=100, done=30,
        params={"paths": [], "names": list(names), "dry_run": False, "valid_only": False, "scope": scope, **params},
        result=result or {})


PROBLEM = {"sheet": "家庭成员", "row": 7, "column": "身份证号", "value": "4.11103E+17",
           "rule_zh": "身份证号被 Excel 存成了数字，已丢失末几位；请把该列设为文本后重新填写",
           "rule_en": "the ID number was stored as a number and lost digits; format the column as text",
           "code": "ID_NUMERIC"}


class TestImportResultPage:
    def test_it_polls_while_the_import_runs(self, client, personas):
        job = import_job(personas.officer, status="running")
        client = signed_in(client, personas.officer)
        page = client.get(f"/registry/import/{job.pk}/").content.decode()
        assert f'hx-get="/registry/import/{job.pk}/"' in page and 'hx-trigger="every 1s"' in page
        assert '"X-Fupin-Poll": "1"' in page and 'value="30"' in page
        partial = client.get(f"/registry/import/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
        assert partial.startswith('<section class="card job"') and "<html" not in partial

    def test_polling_does_not_keep_the_session_alive(self, client, personas):
        job = import_job(personas.officer, status="running")
        client = signed_in(client, personas.officer)
        url = f"/registry/import/{job.pk}/"
        client.get(url)
        session = client.session
        session[LAST_SEEN_KEY] = earlier = int(time.time()) - 60
        session.save()
        assert client.get(url, HTTP_HX_REQUEST="true", HTTP_X_FUPIN_POLL="1").status_code == 200
        assert client.session[LAST_SEEN_KEY] == earlier
        client.get(url)  # a person looking at the page does count
        assert client.session[LAST_SEEN_KEY] > earlier

    def test_it_shows_the_problems_table_and_the_report_link(self, client, personas, media):
        report = media / "reports" / "r.xlsx"
        report.parent.mkdir(parents=True)
        report.write_bytes(xlsx_bytes({"家庭成员": [["身份证号"], ["4.11103E+17"]]}))
        job = import_job(personas.officer, result={
            "counts": {"households_created": 0, "households_updated": 0}, "problems": 501,
            "problem_list": [PROBLEM] * 500, "ignored_columns": [["户信息", "备注"]], "skipped_rows": {},
            "report": "reports/r.xlsx", "written": False})
        client = signed_in(client, personas.officer)
        page = client.get(f"/registry/import/{job.pk}/").content.decode()
        assert "发现 501 个问题，未写入任何数据" in page
        assert page.count("4.11103E+17") == 500 and "身份证号被 Excel 存成了数字" in page and "lost digits" in page
        assert "另有 1 个见问题报告" in page and "hx-get" not in page
        assert "户信息：备注" in page
        assert f'href="/registry/import/{job.pk}/report/"' in page
        download = client.get(f"/registry/import/{job.pk}/report/")
        assert download.status_code == 200 and download["Content-Type"] == XLSX
        assert workbook(download)["家庭成员"]["A2"].value == "4.11103E+17"

    def test_it_shows_the_counts_of_a_clean_import(self, client, personas):
        job = import_job(personas.officer, result={
            "counts": {"households_created": 3, "households_updated": 1, "members_created": 9, "members_kept": 2},
            "problems": 0, "problem_list": [], "ignored_columns": [], "skipped_rows": {}, "report": None,
            "written": True})
        page = signed_in(client, personas.officer).get(f"/registry/import/{job.pk}/").content.decode()
        assert "导入完成，未发现问题" in page and "problem-table" not in page and "report-link" not in page
        assert "户信息" in page and "新增 <strong>3</strong>" in page and "更新 <strong>1</strong>" in page
        assert "保留 <strong>2</strong>" in page
        assert signed_in(client, personas.officer).get(f"/registry/import/{job.pk}/report/").status_code == 404

    def test_it_says_which_rows_were_left_out_when_importing_valid_rows_only(self, client, personas):
        job = import_job(personas.officer, valid_only=True, result={
            "counts": {"households_created": 2}, "problems": 1, "problem_list": [PROBLEM], "ignored_columns": [],
            "skipped_rows": {"家庭成员": [7], "户信息": list(range(2, 80))}, "report": None, "written": True})
        page = signed_in(client, personas.officer).get(f"/registry/import/{job.pk}/").content.decode()
        assert "已导入无误的行" in page and "家庭成员：7" in page and "户信息：2、3、4" in page and "…（78）" in page

    def test_it_shows_why_a_failed_import_stopped(self, client, personas):
        job = import_job(personas.officer, status="failed")
        JobRun.objects.filter(pk=job.pk).update(message="找不到「户信息」工作表 / no 户信息 sheet")
        page = signed_in(client, personas.officer).get(f"/registry/import/{job.pk}/").content.decode()
        assert "导入未完成" in page and "找不到「户信息」工作表" in page and "hx-get" not in page

    def test_it_shows_the_result_to_the_starter_and_to_importers_over_the_same_area(self, client, personas):
        job = import_job(personas.admin)
        url = f"/registry/import/{job.pk}/"
        assert signed_in(client, personas.admin).get(url).status_code == 200
        assert signed_in(type(client)(), personas.officer).get(url).status_code == 200  # county, registry.import
        for persona in ("township_a", "cadre_a1", "auditor", "nobody"):
            assert signed_in(type(client)(), getattr(personas, persona)).get(url).status_code == 404, persona

    def test_an_importer_sees_imports_within_the_area_but_not_wider_ones(self, client, personas, areas):
        within = import_job(personas.cadre_a2, scope={"everything": False, "paths": [areas.village_a2.path]})
        wider = import_job(personas.superuser, scope={"everything": True, "paths": []})
        client = signed_in(client, personas.officer)
        assert client.get(f"/registry/import/{within.pk}/").status_code == 200
        assert client.get(f"/registry/import/{wider.pk}/").status_code == 404
        assert signed_in(type(client)(), personas.cadre_a1).get(f"/registry/import/{within.pk}/").status_code == 404

    def test_it_answers_a_job_of_another_kind_like_a_missing_one(self, client, personas):
        other = JobRun.objects.create(kind="audit.verify", title="x", created_by=personas.officer)
        client = signed_in(client, personas.officer)
        assert client.get(f"/registry/import/{other.pk}/").status_code == 404
        assert client.get(f"/registry/export/{other.pk}/").status_code == 404

    @pytest.mark.parametrize("report", ["../../etc/passwd", "/etc/passwd", "reports/missing.xlsx", ""])
    def test_it_serves_no_file_outside_the_media_folder(self, client, personas, report):
        job = import_job(personas.officer, result={"problems": 1, "report": report})
        assert signed_in(client, personas.officer).get(f"/registry/import/{job.pk}/report/").status_code == 404



class TestUploadThroughTheEngine:
    """The upload page with the real import job (ImmediateBackend: the job runs when the upload commits)."""

    @pytest.fixture
    def exported(self, tmp_path, households):
        from fupin.registry.exporting import registry_export

        Household.objects.update(identified_year=2016, main_cause="illness")
        registry_export(Household.objects.all(), tmp_path / "名册.xlsx")
        registry_export(Household.objects.all(), tmp_path / "csv")
        return tmp_path

    def post(self, client, files, django_capture_on_commit_callbacks, **options):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(IMPORT, {"upload": files, **options})
        assert response.status_code == 302, response.content[:500]
        return JobRun.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))

    def test_a_bad_workbook_shows_the_located_problems_and_changes_nothing(
            self, client, personas, exported, media, django_capture_on_commit_callbacks):
        book = load_workbook(exported / "名册.xlsx")
        book["收支情况"]["C3"] = -5  # 工资性收入 of the second income row
        buffer = BytesIO()
        book.save(buffer)
        before = registry_state()
        client = signed_in(client, personas.officer)
        job = self.post(client, [SimpleUploadedFile("有错.xlsx", buffer.getvalue())], django_capture_on_commit_callbacks)

        assert job.status == "succeeded" and job.params["names"] == ["有错.xlsx"]
        stored = job.params["paths"][0]  # relative to the data folder, so a restore elsewhere finds it
        assert stored.startswith("uploads/") and (media / stored).is_file()
        page = client.get(f"/registry/import/{job.pk}/").content.decode()
        assert "发现 1 个问题，未写入任何数据" in page
        assert "<td data-label=\"工作表\">收支情况</td><td data-label=\"行\">3</td><td data-label=\"列\">工资性收入</td>" in page
        assert registry_state() == before
        report = client.get(f"/registry/import/{job.pk}/report/")
        assert report.status_code == 200 and "收支情况" in workbook(report).sheetnames

    def test_the_three_csv_files_import_as_an_update(self, client, personas, exported,
                                                     django_capture_on_commit_callbacks):
        files = [SimpleUploadedFile(p.name, p.read_bytes()) for p in sorted((exported / "csv").iterdir())]
        before = registry_state()
        job = self.post(signed_in(client, personas.officer), files, django_capture_on_commit_callbacks)
        assert job.result["problems"] == 0 and job.result["written"] is False  # the same rows: nothing to write
        assert job.result["counts"]["households_unchanged"] == 3 and job.result["counts"]["households_updated"] == 0
        assert job.result["counts"]["households_created"] == 0
        page = client.get(f"/registry/import/{job.pk}/").content.decode()
        assert "导入完成，未发现问题；文件与平台中的数据相同，没有需要写入的变化" in page
        assert "未变 <strong>3</strong>" in page and "更新 <strong>0</strong>" in page
        after = registry_state()
        assert [{k: v for k, v in h.items() if k != "updated_at"} for h in after[0]] == [
            {k: v for k, v in h.items() if k != "updated_at"} for h in before[0]]
        assert after[1:] == before[1:]

    def test_a_dry_run_changes_nothing_and_says_what_an_import_would_do(self, client, personas, exported,
                                                                       django_capture_on_commit_callbacks):
        before = registry_state()
        upload = SimpleUploadedFile("名册.xlsx", (exported / "名册.xlsx").read_bytes())
        job = self.post(signed_in(client, personas.officer), [upload], django_capture_on_commit_callbacks,
                        dry_run="on")
        assert job.params["dry_run"] is True and job.result["written"] is False
        assert registry_state() == before
        page = client.get(f"/registry/import/{job.pk}/").content.decode()
        assert "校验通过，未发现问题（仅校验，未写入数据）" in page
        assert "正式导入时将" in page and "未变 <strong>3</strong>" in page  # the export is what the registry holds
