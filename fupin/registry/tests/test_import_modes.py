"""Import modes and outcomes: valid rows only, dry run, idempotent re-import, the problems workbook, the job."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.db import IntegrityError, connection, transaction

from fupin.core.jobs import job_create
from fupin.core.models import AuditEntry, JobRun
from fupin.registry import import_write
from fupin.registry.blank_template import registry_template_bytes
from fupin.registry.importing import problems_workbook, registry_import
from fupin.registry.models import Household, IncomeRecord, Member
from fupin.registry.tests.import_files import Registry, make_id, member, write_csv, write_csv_set, write_xlsx

pytestmark = pytest.mark.django_db


def rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every stored row with its primary key (updated_at aside)."""
    return {
        "households": list(Household.objects.order_by("pk").values_list(
            "pk", "household_no", "village_id", "attribute", "main_cause", "other_causes", "identified_year",
            "status", "exit_year", "food_secure", "clothing_secure", "housing_grade", "phone")),
        "members": list(Member.objects.order_by("pk").values_list(
            "pk", "household_id", "name", "name_pinyin", "id_number", "sex", "birth_date", "relation", "ethnicity",
            "health", "disability_level", "work_months", "pension_insurance")),
        "incomes": list(IncomeRecord.objects.order_by("pk").values_list(
            "pk", "household_id", "year", "wage_income", "transfer_income", "education_expense")),
    }


def broken(reg: Registry) -> Registry:
    """H002 has a bad member row, H003 a bad income row; H001 and H004 are fine."""
    reg.members[3]["身份证号"] = "12345"
    reg.incomes[2]["工资性收入"] = "很多"
    return reg


class TestValidOnly:
    def test_it_imports_the_valid_households_and_names_every_row_left_out(self, areas, tmp_path):
        result = registry_import(write_csv_set(tmp_path, broken(Registry(4))), actor=None, valid_only=True)
        assert {(p.sheet, p.row, p.code) for p in result.problems} == {("members.csv", 5, "ID_LENGTH"),
                                                                      ("incomes.csv", 4, "MONEY_NOT_NUMBER")}
        assert result.written and not result.refused
        assert result.skipped_rows == {"households.csv": [3, 4], "members.csv": [4, 5, 6, 7],
                                       "incomes.csv": [3, 4]}
        assert sorted(Household.objects.values_list("household_no", flat=True)) == ["H001", "H004"]
        assert Member.objects.count() == 4 and IncomeRecord.objects.count() == 2
        assert result.counts["households_created"] == 2 and result.counts["members_created"] == 4
        entry = AuditEntry.objects.get(action="import")
        assert entry.changes["rows_left_out"] == 8 and entry.changes["valid_only"] is True

    def test_without_valid_only_the_same_file_writes_nothing(self, areas, tmp_path):
        result = registry_import(write_csv_set(tmp_path, broken(Registry(4))), actor=None)
        assert result.refused and not result.written and result.skipped_rows == {}
        assert not Household.objects.exists()

    def test_a_bad_member_of_an_existing_household_leaves_the_household_as_it_was(self, areas, tmp_path):
        reg = Registry(2)
        assert registry_import(write_csv_set(tmp_path / "a", reg), actor=None).written
        before = rows()
        reg.households[0]["联系电话"] = "13800000000"
        reg.members[1]["健康状况"] = "残疾"  # no 残疾等级
        result = registry_import(write_csv_set(tmp_path / "b", reg), actor=None, valid_only=True)
        assert result.skipped_rows == {"households.csv": [2], "members.csv": [2, 3], "incomes.csv": [2]}
        after = rows()
        assert after["households"][0] == before["households"][0]


class TestDryRun:
    def test_it_counts_but_writes_nothing(self, areas, tmp_path):
        audit = AuditEntry.objects.count()
        result = registry_import(write_csv_set(tmp_path, Registry(3)), actor=None, dry_run=True)
        assert result.problems == [] and not result.written and result.dry_run
        assert result.counts["households_created"] == 3 and result.counts["members_created"] == 6
        assert not Household.objects.exists() and AuditEntry.objects.count() == audit

    def test_a_dry_run_of_a_bad_file_reports_the_problems(self, areas, tmp_path):
        result = registry_import(write_csv_set(tmp_path, broken(Registry(4))), actor=None, dry_run=True)
        assert result.refused and len(result.problems) == 2 and not Household.objects.exists()


class TestReimport:
    def test_importing_the_same_file_twice_finds_the_same_rows_and_never_duplicates(self, areas, tmp_path):
        paths = write_csv_set(tmp_path, Registry(3))
        first = registry_import(paths, actor=None)
        stored = rows()
        second = registry_import(paths, actor=None)
        assert rows() == stored
        assert first.counts == {"households_created": 3, "households_updated": 0, "households_unchanged": 0,
                                "members_created": 6, "members_updated": 0, "members_unchanged": 0, "members_kept": 0,
                                "incomes_created": 3, "incomes_updated": 0, "incomes_unchanged": 0}
        assert second.counts == {"households_created": 0, "households_updated": 0, "households_unchanged": 3,
                                 "members_created": 0, "members_updated": 0, "members_unchanged": 6, "members_kept": 0,
                                 "incomes_created": 0, "incomes_updated": 0, "incomes_unchanged": 3}
        assert first.written and not second.written  # the second changes nothing, so it writes nothing
        assert AuditEntry.objects.filter(action="import").count() == 1

    def test_a_changed_file_updates_the_same_rows(self, areas, tmp_path):
        reg = Registry(2)
        registry_import(write_csv_set(tmp_path / "a", reg), actor=None)
        before = rows()
        reg.members[0]["姓名"] = "王大明"
        reg.incomes[1]["工资性收入"] = "9999.99"
        # The head and the spouse swap roles: both updates must pass the one-head-per-household index.
        reg.members[2]["与户主关系"], reg.members[3]["与户主关系"] = "配偶", "户主"
        reg.households[1]["户主身份证号"] = reg.members[3]["身份证号"]
        result = registry_import(write_csv_set(tmp_path / "b", reg), actor=None)
        assert result.problems == []
        after = rows()
        assert [r[0] for r in after["members"]] == [r[0] for r in before["members"]]
        assert Member.objects.get(pk=before["members"][0][0]).name_pinyin == "wangdaming"
        assert str(IncomeRecord.objects.get(pk=before["incomes"][1][0]).wage_income) == "9999.99"
        h2 = Household.objects.get(household_no="H002")
        assert h2.members.get(relation="head").id_number == reg.members[3]["身份证号"]

    def test_members_missing_from_the_file_are_kept_and_counted(self, areas, tmp_path):
        reg = Registry(2)
        registry_import(write_csv_set(tmp_path / "a", reg), actor=None)
        extra = member("H001", "张小妹", make_id(date(2012, 4, 4), 40), "女")
        registry_import([write_csv(tmp_path / "extra.csv", [extra], sheet="家庭成员")], actor=None)
        result = registry_import(write_csv_set(tmp_path / "b", reg), actor=None)
        assert result.counts["members_kept"] == 1
        assert Member.objects.filter(name="张小妹", household__household_no="H001").exists()

    def test_a_workflow_state_that_shows_the_same_status_is_kept(self, areas, tmp_path):
        reg = Registry(2)
        registry_import(write_csv_set(tmp_path / "a", reg), actor=None)
        Household.objects.filter(household_no__in=["H001", "H002"]).update(status="exit_proposed")
        reg.households[1].update({"脱贫状态": "已脱贫", "脱贫年度": "2019"})
        registry_import(write_csv_set(tmp_path / "b", reg), actor=None)
        assert dict(Household.objects.values_list("household_no", "status")) == {"H001": "exit_proposed",
                                                                                  "H002": "exited"}

    def test_a_column_left_out_of_the_file_is_not_blanked(self, areas, tmp_path):
        reg = Registry(1)
        reg.members[0]["健康状况"] = "残疾"
        reg.members[0]["残疾等级"] = "二级"
        registry_import(write_csv_set(tmp_path / "a", reg), actor=None)
        columns = [h for h in reg.members[0] if h not in ("民族", "健康状况", "残疾等级")]
        path = write_csv(tmp_path / "m.csv", reg.members, sheet="家庭成员", columns=columns)
        result = registry_import([path], actor=None)
        assert result.problems == [] and result.counts["members_unchanged"] == 2
        head = Member.objects.get(relation="head")
        assert (head.ethnicity, head.health, head.disability_level) == ("汉族", "disabled", "2")


class TestNoDataRows:
    def test_the_blank_template_is_refused_at_each_sheet_and_nothing_is_written(self, areas, tmp_path):
        path = tmp_path / "空白模板.xlsx"
        path.write_bytes(registry_template_bytes())
        before = (Household.objects.count(), AuditEntry.objects.count())
        for valid_only in (False, True):
            result = registry_import([path], actor=None, valid_only=valid_only)
            assert result.refused and not result.written
            assert [(p.sheet, p.code) for p in result.problems] == [
                ("户信息", "NO_DATA_ROWS"), ("家庭成员", "NO_DATA_ROWS"), ("收支情况", "NO_DATA_ROWS")]
        assert (Household.objects.count(), AuditEntry.objects.count()) == before

    def test_three_csv_files_of_headers_only_are_refused(self, areas, tmp_path):
        empty = Registry(0)
        result = registry_import(write_csv_set(tmp_path, empty), actor=None)
        assert result.refused and {p.code for p in result.problems} == {"NO_DATA_ROWS"}
        assert sorted(p.sheet for p in result.problems) == ["households.csv", "incomes.csv", "members.csv"]

    def test_an_empty_table_beside_tables_with_rows_is_imported(self, areas, tmp_path):
        reg = Registry(2)
        reg.incomes.clear()  # no incomes this time: the CSV file has its header row only
        result = registry_import(write_csv_set(tmp_path, reg), actor=None)
        assert result.problems == [] and result.written and result.counts["households_created"] == 2


class TestProblemsWorkbook:
    def test_it_lists_every_problem_and_marks_the_cells_red_with_the_rule(self, areas, tmp_path):
        reg = broken(Registry(4))
        source = write_xlsx(tmp_path / "登记表.xlsx", reg.sheets())
        result = registry_import([source], actor=None)
        out = tmp_path / "report" / "问题.xlsx"
        problems_workbook(result, [source], out)
        book = openpyxl.load_workbook(out)
        assert book.sheetnames == ["问题清单", "户信息", "家庭成员", "收支情况"]
        listed = list(book["问题清单"].iter_rows(min_row=2, values_only=True))
        assert listed == [(p.sheet, p.row, p.column, p.value, p.rule_zh, p.rule_en, p.code) for p in result.problems]
        assert book["问题清单"]["A1"].value == "工作表 / Sheet"
        bad = book["家庭成员"]["C5"]  # 身份证号 of H002's spouse: row 5 as in the submitted sheet
        assert bad.value == "12345"
        assert bad.fill.fgColor.rgb == "FFFF0000"
        assert "身份证号应为18位" in bad.comment.text and "18 characters" in bad.comment.text
        good = book["家庭成员"]["C4"]
        assert good.fill.fgColor.rgb != "FFFF0000" and good.comment is None
        money = book["收支情况"]["C4"]
        assert money.value == "很多" and money.fill.fgColor.rgb == "FFFF0000"
        assert book["户信息"]["A2"].value == "H001" and book["户信息"]["A1"].value == "户编号"

    def test_csv_files_are_copied_under_their_file_names(self, areas, tmp_path):
        paths = write_csv_set(tmp_path, broken(Registry(4)))
        result = registry_import(paths, actor=None, valid_only=True)
        out = tmp_path / "r.xlsx"
        problems_workbook(result, paths, out)
        book = openpyxl.load_workbook(out)
        assert book.sheetnames == ["问题清单", "未导入的行", "households.csv", "members.csv", "incomes.csv"]
        left_out = list(book["未导入的行"].iter_rows(min_row=2, values_only=True))
        assert ("members.csv", 7) in left_out and len(left_out) == 8
        assert book["members.csv"]["C5"].fill.fgColor.rgb == "FFFF0000"


class TestJob:
    def test_the_job_imports_reports_progress_and_stores_the_result(self, personas, tmp_path, settings,
                                                                    django_capture_on_commit_callbacks):
        settings.MEDIA_ROOT = tmp_path / "media"
        paths = write_csv_set(tmp_path, Registry(3))
        params = {"paths": [str(p) for p in paths], "names": ["户.csv", "人.csv", "钱.csv"], "dry_run": False,
                  "valid_only": False}
        with django_capture_on_commit_callbacks(execute=True):
            job = job_create(kind="registry.import", title="导入", actor=personas.admin, params=params)
        job.refresh_from_db()
        assert job.status == JobRun.Status.SUCCEEDED, job.message
        assert (job.total, job.done) == (2 * 12, 2 * 12)  # 3 + 6 + 3 rows, checked then written
        assert job.message == "完成 / done"
        assert job.result["written"] is True and job.result["problems"] == 0 and job.result["report"] is None
        assert job.result["counts"]["members_created"] == 6
        assert AuditEntry.objects.get(action="import").actor == personas.admin

    def test_a_refused_file_gets_a_report_and_the_first_problems(self, personas, tmp_path, settings,
                                                                django_capture_on_commit_callbacks):
        settings.MEDIA_ROOT = tmp_path / "media"
        paths = write_csv_set(tmp_path, broken(Registry(4)))
        params = {"paths": [str(p) for p in paths], "names": ["户.csv", "人.csv", "钱.csv"], "dry_run": False,
                  "valid_only": False}
        with django_capture_on_commit_callbacks(execute=True):
            job = job_create(kind="registry.import", title="导入", actor=personas.admin, params=params)
        job.refresh_from_db()
        assert job.status == JobRun.Status.SUCCEEDED
        assert job.result["written"] is False and job.result["refused"] is True and job.result["problems"] == 2
        assert [(p["sheet"], p["row"], p["code"]) for p in job.result["problem_list"]] == [
            ("人.csv", 5, "ID_LENGTH"), ("钱.csv", 4, "MONEY_NOT_NUMBER")]
        report = Path(settings.MEDIA_ROOT) / job.result["report"]
        assert job.result["report"] == f"imports/job-{job.pk}-problems.xlsx" and report.is_file()
        assert openpyxl.load_workbook(report).sheetnames[0] == "问题清单"
        assert not Household.objects.exists()

    def test_the_page_gets_id_numbers_masked_and_the_problems_workbook_keeps_them(
            self, personas, tmp_path, settings, django_capture_on_commit_callbacks):
        settings.MEDIA_ROOT = tmp_path / "media"
        reg = Registry(2)
        bad = reg.members[1]["身份证号"][:17] + ("0" if reg.members[1]["身份证号"][17] != "0" else "1")
        reg.members[1]["身份证号"] = bad
        paths = write_csv_set(tmp_path, reg)
        params = {"paths": [str(p) for p in paths], "names": ["户.csv", "人.csv", "钱.csv"]}
        with django_capture_on_commit_callbacks(execute=True):
            job = job_create(kind="registry.import", title="导入", actor=personas.admin, params=params)
        job.refresh_from_db()
        [shown] = [p for p in job.result["problem_list"] if p["column"] == "身份证号"]
        assert shown["value"] == bad[:4] + "*" * 10 + bad[-4:] and bad not in str(job.result)
        book = openpyxl.load_workbook(Path(settings.MEDIA_ROOT) / job.result["report"])
        assert bad in [c.value for row in book["问题清单"].iter_rows() for c in row]

    def test_the_job_scopes_the_import_to_the_user(self, personas, tmp_path, settings,
                                                  django_capture_on_commit_callbacks):
        settings.MEDIA_ROOT = tmp_path / "media"
        paths = write_csv_set(tmp_path, Registry(1))
        with django_capture_on_commit_callbacks(execute=True):
            job = job_create(kind="registry.import", title="导入", actor=personas.cadre_a1,
                             params={"paths": [str(p) for p in paths], "names": [p.name for p in paths]})
        job.refresh_from_db()
        assert job.status == JobRun.Status.FAILED and "registry.import" in job.message
        assert not Household.objects.exists()


def schema() -> list[tuple[Any, ...]]:
    """The registry tables' indexes and constraints as the database describes them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename LIKE 'registry_%%' "
                           "UNION ALL SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                           "WHERE conrelid::regclass::text LIKE 'registry_%%' ORDER BY 1")
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE tbl_name LIKE 'registry_%' ORDER BY 1")
        return list(cursor.fetchall())


class TestBulkLoad:
    def test_a_first_load_rebuilds_every_index_and_constraint_as_it_was(self, areas, tmp_path, monkeypatch):
        monkeypatch.setattr(import_write, "BULK_MIN_ROWS", 0)
        before = schema()
        assert any("name_pinyin" in str(row) for row in before)
        result = registry_import(write_csv_set(tmp_path, Registry(5)), actor=None)
        assert result.written
        assert schema() == before
        # The rebuilt indexes hold: one head per household, one member per ID number.
        head = Member.objects.filter(relation="head").first()
        assert head is not None
        with pytest.raises(IntegrityError), transaction.atomic():
            Member.objects.create(household=head.household, name="重复", id_number=head.id_number, sex="M",
                                  birth_date=date(1990, 1, 1), relation="son")
        with pytest.raises(IntegrityError), transaction.atomic():
            Member.objects.create(household=head.household, name="二户主", id_number=make_id(date(1991, 1, 1), 77),
                                  sex="M", birth_date=date(1991, 1, 1), relation="head")
        assert Member.objects.filter(name_pinyin="zhanger").exists()
