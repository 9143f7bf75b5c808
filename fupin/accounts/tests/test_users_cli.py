"""The ``fupin user-*`` commands, run in this process: exit status, bilingual messages, nothing changed on a refusal.

The services behind them are tested on both engines (test_user_services.py, test_roster.py); these check what the
commands add, so they run once (docs/testing.md)."""

from __future__ import annotations

import io
import re
import stat

import pytest
from openpyxl import Workbook, load_workbook

from fupin.accounts.models import Assignment, User
from fupin.accounts.roles import Role
from fupin.core.models import AuditEntry
from fupin.core.testing import fupin_main

pytestmark = pytest.mark.engine_independent
VILLAGE_A1, COUNTY = "411103101201", "411103000000"


def found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match is not None, text
    return match.group(1)


def state() -> tuple[int, int, int]:
    return User.objects.count(), Assignment.objects.count(), AuditEntry.objects.count()


def assert_refused(run, *fragments: str) -> None:
    assert run.returncode == 1, (run.stdout, run.stderr)
    for fragment in fragments:
        assert fragment in run.stderr, run.stderr


def test_user_create_prints_a_temporary_password(personas):
    run = fupin_main("user-create", "town_new", "--name", "孙七", "--role", "乡镇干部", "--area", "411103101000")
    assert run.returncode == 0, run.stderr
    password = found(r"temporary password \(change at first sign-in\): (\S+)", run.stdout)
    user = User.objects.get(username="town_new")
    assert user.check_password(password) and user.must_change_password
    assert user.assignments.get().role == Role.TOWNSHIP_OFFICER
    entry = AuditEntry.objects.filter(object_type="accounts.user", object_id=str(user.pk)).get()
    assert entry.actor_label == "system"


def test_user_create_reads_a_chosen_password_from_stdin(personas, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("Chosen#Passw0rd\n"))
    run = fupin_main("user-create", "town_new", "--name", "孙七", "--role", "village_cadre", "--area", VILLAGE_A1,
                     "--password-stdin")
    assert run.returncode == 0 and "temporary password" not in run.stdout
    assert User.objects.get(username="town_new").check_password("Chosen#Passw0rd")


def test_the_operator_may_create_a_discipline_inspector(personas):
    run = fupin_main("user-create", "jijian", "--name", "纪检", "--role", "discipline_inspector", "--area", COUNTY)
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize(("args", "fragments"), [
    (["--role", "village_cadre", "--area", "411103101000"], ["须分配在村级区划", "village level"]),
    (["--role", "village_chief", "--area", VILLAGE_A1], ["没有角色 village_chief", "no role village_chief"]),
    (["--role", "village_cadre", "--area", "411103109999"], ["没有代码为 411103109999", "no division in use"]),
    (["--role", "department_officer", "--area", COUNTY], ["须指定部门", "needs a department"]),
])
def test_user_create_refuses_and_changes_nothing(personas, args, fragments):
    before = state()
    assert_refused(fupin_main("user-create", "town_new", "--name", "孙七", *args), *fragments)
    assert state() == before


def test_user_create_needs_its_arguments(personas):
    assert fupin_main("user-create", "town_new").returncode == 2


def test_user_assign_gives_and_ends_a_role(personas):
    run = fupin_main("user-assign", "cadre_a1", "--role", "work_team", "--area", "411103101202")
    assert run.returncode == 0, run.stderr
    assert personas.cadre_a1.assignments.filter(role=Role.WORK_TEAM, valid_to__isnull=True).exists()
    assert_refused(fupin_main("user-assign", "cadre_a1", "--role", "work_team", "--area", "411103101202"),
                   "已有此角色", "already holds")
    run = fupin_main("user-assign", "cadre_a1", "--role", "work_team", "--area", "411103101202", "--end")
    assert run.returncode == 0, run.stderr
    assert not personas.cadre_a1.assignments.filter(role=Role.WORK_TEAM, valid_to__isnull=True).exists()
    assert_refused(fupin_main("user-assign", "cadre_a1", "--role", "work_team", "--area", "411103101202", "--end"),
                   "没有这一角色", "does not hold")


def test_the_last_district_admin_keeps_the_role_and_the_account(personas):
    before = state()
    assert_refused(fupin_main("user-assign", "admin", "--role", "district_admin", "--area", COUNTY, "--end"),
                   "最后一名", "last active district administrator")
    assert_refused(fupin_main("user-deactivate", "admin"), "最后一名", "last active district administrator")
    assert state() == before


def test_user_deactivate_and_reactivate(personas):
    assert fupin_main("user-deactivate", "cadre_a1").returncode == 0
    assert not User.objects.get(username="cadre_a1").is_active
    assert_refused(fupin_main("user-deactivate", "cadre_a1"), "已停用", "already deactivated")
    assert fupin_main("user-deactivate", "cadre_a1", "--reactivate").returncode == 0
    assert User.objects.get(username="cadre_a1").is_active
    assert_refused(fupin_main("user-deactivate", "no_such_user"), "没有用户名为 no_such_user", "no account")


def test_user_reset_password(personas, monkeypatch):
    run = fupin_main("user-reset-password", "cadre_a1")
    password = found(r"temporary password \(change at next sign-in\): (\S+)", run.stdout)
    user = User.objects.get(username="cadre_a1")
    assert user.check_password(password) and user.must_change_password
    monkeypatch.setattr("sys.stdin", io.StringIO("weak\n"))
    before = user.password
    assert_refused(fupin_main("user-reset-password", "cadre_a1", "--password-stdin"), "密码不符合要求",
                   "not strong enough")
    assert User.objects.get(username="cadre_a1").password == before


def test_user_list_filters(personas):
    User.objects.filter(username="cadre_a2").update(is_active=False)
    run = fupin_main("user-list", "--role", "村干部", "--area", "411103101000")
    assert run.returncode == 0
    names = [line.split("\t")[0] for line in run.stdout.splitlines() if "\t" in line]
    assert names == ["cadre_a1", "cadre_a2"] and "共 2 个账号 / 2 accounts" in run.stdout
    inactive = fupin_main("user-list", "--inactive").stdout
    assert "cadre_a2\t" in inactive and "cadre_a1\t" not in inactive


def roster(path, rows):
    book = Workbook()
    book.active.append(["用户名", "姓名", "联系电话", "角色", "区划代码", "部门代码", "起始日期"])
    for row in rows:
        book.active.append(row)
    book.save(path)
    return str(path)


def test_user_import_writes_the_passwords_to_a_private_file(personas, tmp_path):
    path = roster(tmp_path / "r.xlsx", [["li_cun", "李村", "", "村干部", VILLAGE_A1, "", ""]])
    out = tmp_path / "passwords.xlsx"
    run = fupin_main("user-import", path, "--passwords", str(out))
    assert run.returncode == 0, run.stderr
    assert "created 1 accounts" in run.stdout and stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[1][0] == "li_cun" and User.objects.get(username="li_cun").check_password(rows[1][2])


def test_user_import_refuses_a_bad_roster_with_its_problems(personas, tmp_path):
    path = roster(tmp_path / "r.xlsx", [["cadre_a1", "重名", "", "村干部", VILLAGE_A1, "", ""]])
    report = tmp_path / "problems.xlsx"
    before = state()
    run = fupin_main("user-import", path, "--report", str(report))
    assert_refused(run, "第 2 行「用户名」", "row 2, column 用户名", "nothing was written")
    assert report.is_file() and state() == before
    assert fupin_main("user-import", str(tmp_path / "missing.xlsx")).returncode == 2
