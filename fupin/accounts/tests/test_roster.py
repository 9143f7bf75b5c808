"""A roster of accounts from Excel or CSV, through the one import framework: located problems, all or nothing, the
temporary passwords handed over once."""

from __future__ import annotations

import stat
from collections.abc import Sequence
from io import BytesIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import Workbook, load_workbook

from fupin.accounts.models import Assignment, User
from fupin.accounts.roles import Role
from fupin.accounts.roster import roster_load, roster_problems_workbook
from fupin.core.models import AuditEntry, JobRun

HEADER = ["用户名", "姓名", "联系电话", "角色", "区划代码", "部门代码", "起始日期"]
TOWN_A, VILLAGE_A1, VILLAGE_A2, VILLAGE_B1 = "411103101000", "411103101201", "411103101202", "411103102201"


def roster(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "用户花名册"
    sheet.append(HEADER)
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


GOOD = [
    ["li_cun", "李村", "13800000001", "村干部", VILLAGE_A1, "", "2024-01-02"],
    ["wang_dui", "王队", "", "驻村工作队员", VILLAGE_A2, "", ""],
    ["zhao_jiao", "赵教", "0395-1234567", "行业部门工作人员", "411103000000", "education", ""],
]


def counts() -> tuple[int, int, int]:
    return User.objects.count(), Assignment.objects.count(), AuditEntry.objects.count()


def test_a_clean_roster_creates_every_account_with_a_password_to_change(personas, tmp_path):
    entries = AuditEntry.objects.count()
    result = roster_load(roster(tmp_path / "r.xlsx", GOOD), actor=personas.admin)
    assert result.problems == [] and result.written and result.rows == 3
    for username, _name, password in result.credentials:
        user = User.objects.get(username=username)
        assert user.check_password(password) and user.must_change_password
    cadre = User.objects.get(username="li_cun")
    held = cadre.assignments.get()
    assert (held.role, held.area.code, str(held.valid_from)) == (Role.VILLAGE_CADRE, VILLAGE_A1, "2024-01-02")
    department = User.objects.get(username="zhao_jiao").assignments.get().department
    assert department is not None and department.code == "education"
    assert AuditEntry.objects.count() - entries == 3 * 2 + 1  # each account and role, and the import


def test_a_roster_with_no_data_rows_is_refused(personas, tmp_path):
    before = counts()
    result = roster_load(roster(tmp_path / "空.xlsx", []), actor=personas.admin)
    assert result.refused and not result.written and result.credentials == []
    assert [(p.sheet, p.code) for p in result.problems] == [("用户花名册", "NO_DATA_ROWS")]
    assert counts() == before


def test_every_problem_is_located_and_nothing_is_written(personas, tmp_path):
    rows = [
        ["li_cun", "李村", "13800000001", "村干部", VILLAGE_A1, "", ""],     # row 2: fine alone
        ["li_cun", "李二", "", "村干部", VILLAGE_A2, "", ""],                # row 3: username twice
        ["cadre_a1", "重名", "", "村干部", VILLAGE_A1, "", ""],              # row 4: taken
        ["x", "短名", "", "村干部", VILLAGE_A1, "", ""],                     # row 5: not a username
        ["p_bad", "电话", "12345", "村干部", VILLAGE_A1, "", ""],            # row 6: phone
        ["r_bad", "角色", "", "村长", VILLAGE_A1, "", ""],                   # row 7: no such role
        ["a_bad", "区划", "", "村干部", "411103109999", "", ""],             # row 8: no such division
        ["lvl", "级别", "", "村干部", TOWN_A, "", ""],                       # row 9: a cadre at a township
        ["dept", "部门", "", "行业部门工作人员", "411103000000", "", ""],    # row 10: no department
        ["", "", "", "", "", "", ""],
        ["noname", "", "", "村干部", VILLAGE_A1, "", ""],                    # row 12: name required
    ]
    before = counts()
    result = roster_load(roster(tmp_path / "r.xlsx", rows), actor=personas.admin)
    assert not result.written and result.refused
    found = {(p.row, p.column, p.code) for p in result.problems}
    assert {(2, "用户名", "USERNAME_DUPLICATE"), (3, "用户名", "USERNAME_DUPLICATE"), (4, "用户名", "USERNAME_TAKEN"),
            (5, "用户名", "USERNAME_INVALID"), (6, "联系电话", "PHONE_INVALID"), (7, "角色", "CODE_UNKNOWN"),
            (8, "区划代码", "AREA_UNKNOWN"), (9, "区划代码", "ROLE_LEVEL_MISMATCH"),
            (10, "部门代码", "DEPARTMENT_REQUIRED"), (12, "姓名", "REQUIRED")} <= found
    assert all(p.rule_zh and p.rule_en and p.sheet == "用户花名册" for p in result.problems)
    assert counts() == before


def test_a_township_imports_only_what_it_may_grant_in_its_township(personas, tmp_path):
    rows = [["ok_cun", "甲", "", "村干部", VILLAGE_A1, "", ""],
            ["far_cun", "乙", "", "村干部", VILLAGE_B1, "", ""],
            ["boss", "丙", "", "区扶贫办工作人员", "411103000000", "", ""]]
    before = counts()
    result = roster_load(roster(tmp_path / "r.xlsx", rows), actor=personas.township_a)
    assert {(p.row, p.column, p.code) for p in result.problems} == {
        (3, "区划代码", "AREA_OUTSIDE_SCOPE"), (4, "角色", "ROLE_ABOVE_OWN")}
    assert counts() == before


def test_a_gbk_csv_roster_is_read_too(personas, tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(("\n".join([",".join(HEADER), f"csv_cun,陈村,,村干部,{VILLAGE_A1},,"]) + "\n").encode("gbk"))
    result = roster_load(path, actor=personas.admin)
    assert result.written and User.objects.get(username="csv_cun").name == "陈村"


def test_a_name_with_control_characters_is_located(personas, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(",".join(HEADER) + f"\nctl_cun,陈\x01村,,村干部,{VILLAGE_A1},,\n", encoding="utf-8")
    before = counts()
    result = roster_load(path, actor=personas.admin)
    assert [(p.row, p.column, p.code) for p in result.problems] == [(2, "姓名", "NAME_INVALID")]
    assert counts() == before


def test_the_problems_workbook_marks_the_bad_cells(personas, tmp_path):
    path = roster(tmp_path / "r.xlsx", [["x", "短名", "", "村干部", VILLAGE_A1, "", ""]])
    result = roster_load(path, actor=personas.admin)
    out = tmp_path / "problems.xlsx"
    roster_problems_workbook(result, path, out)
    listed = list(load_workbook(out).worksheets[0].iter_rows(values_only=True))
    assert any(row[1] == 2 and row[2] == "用户名" and row[6] == "USERNAME_INVALID" for row in listed[1:])


def test_a_manager_uploads_a_roster_and_takes_the_passwords_once(client, personas, settings, tmp_path,
                                                                   django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    raw = BytesIO()
    roster(tmp_path / "r.xlsx", GOOD[:2])
    raw.write((tmp_path / "r.xlsx").read_bytes())
    raw.seek(0)
    raw.name = "花名册.xlsx"
    client.force_login(personas.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/users/import/", {"file": raw})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "已创建 2 个账号" in page and 'data-testid="roster-passwords"' in page
    stored = next((tmp_path / "accounts").glob("job-*-passwords.xlsx"))
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    download = client.get(response["Location"] + "passwords/")
    assert download.status_code == 200 and download["Cache-Control"] == "no-store"
    rows = list(load_workbook(BytesIO(download.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("用户名 / Username", "姓名 / Name", "临时密码 / Temporary password")
    assert {r[0] for r in rows[1:]} == {"li_cun", "wang_dui"}
    assert all(User.objects.get(username=r[0]).check_password(r[2]) for r in rows[1:])
    assert not stored.exists()
    assert client.get(response["Location"] + "passwords/").status_code == 404
    assert "已下载，不能再次下载" in client.get(response["Location"]).content.decode()
    client.force_login(personas.township_a)  # the job is its starter's
    assert client.get(response["Location"]).status_code == 404


def test_a_refused_roster_shows_its_problems_on_the_page(client, personas, settings, tmp_path,
                                                         django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    roster(tmp_path / "r.xlsx", [["cadre_a1", "重名", "", "村干部", VILLAGE_A1, "", ""]])
    raw = BytesIO((tmp_path / "r.xlsx").read_bytes())
    raw.name = "花名册.xlsx"
    client.force_login(personas.township_a)
    before = counts()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/users/import/", {"file": raw})
    page = client.get(response["Location"]).content.decode()
    assert "发现 1 个问题，未创建任何账号" in page and "已被使用" in page
    assert 'data-testid="roster-passwords"' not in page
    assert client.get(response["Location"] + "report/").status_code == 200
    assert client.get(response["Location"] + "passwords/").status_code == 404
    assert counts()[:2] == before[:2]


def test_a_file_that_is_not_a_workbook_is_refused_before_any_job(client, personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    raw = BytesIO(b"not a workbook at all")
    raw.name = "花名册.xlsx"
    client.force_login(personas.admin)
    response = client.post("/accounts/users/import/", {"file": raw})
    assert response.status_code == 400 and "不是 Excel 工作簿" in response.content.decode()


def test_the_blank_roster_has_the_columns(client, personas):
    client.force_login(personas.admin)
    response = client.get("/accounts/users/import/template/")
    header = next(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert list(header) == HEADER


@pytest.mark.parametrize("persona", ["cadre_a1", "auditor"])
def test_non_managers_may_not_import(client, personas, persona, tmp_path):
    client.force_login(getattr(personas, persona))
    assert client.get("/accounts/users/import/").status_code == 403
    with pytest.raises(PermissionDenied):
        roster_load(roster(tmp_path / "r.xlsx", GOOD), actor=getattr(personas, persona))


def test_a_roster_job_without_its_starter_never_runs_with_the_system_s_rights(personas, tmp_path):
    from fupin.accounts.job_handlers import ROSTER_KIND
    from fupin.core.jobs import job_execute

    path = roster(tmp_path / "r.xlsx", GOOD)
    job = JobRun.objects.create(kind=ROSTER_KIND, title="t", params={"paths": [str(path)], "names": ["r.xlsx"]})
    before = counts()
    job_execute(job.pk)
    job.refresh_from_db()
    assert job.status == JobRun.Status.FAILED and "no longer exists" in job.message
    assert counts() == before
