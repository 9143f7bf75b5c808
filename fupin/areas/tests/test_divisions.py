"""Loading the division tree from the statistics bureau's codes (CSV), idempotently and all-or-nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from fupin.accounts.roles import Role
from fupin.areas.models import Area
from fupin.areas.services import DivisionRow, divisions_import, read_division_csv
from fupin.core.audit import audit_verify
from fupin.core.errors import BadInput
from fupin.core.models import AuditEntry
from fupin.core.testing import make_user
from fupin.site.reference import seed_reference

HEADER = "code,name,level,parent_code,valid_from,valid_to\n"
TOP = ("410000000000,河南省,province,,,\n411100000000,漯河市,city,410000000000,,\n"
       "411103000000,郾城区,county,411100000000,,\n")


def _write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "divisions.csv"
    path.write_bytes(text.encode(encoding))
    return path


def _rows() -> list[dict[str, Any]]:
    return [dict(row) for row in Area.objects.order_by("pk").values()]


@pytest.fixture
def seeded(db) -> Area:
    seed_reference()
    return Area.objects.get(code="411103000000", valid_to__isnull=True)


class TestSeed:
    def test_it_loads_the_district(self, seeded):
        assert seeded.name == "郾城区" and seeded.level == "county"
        under = Area.objects.filter(path__startswith=seeded.path)
        assert under.filter(level="township", valid_to__isnull=True).count() == 10
        assert under.filter(level="village", valid_to__isnull=True).count() == 198

    def test_it_keeps_chengguan_as_an_ended_township(self, seeded):
        chengguan = Area.objects.get(code="411103100000")
        assert chengguan.name == "城关镇"
        assert chengguan.valid_to == date(2019, 12, 31)
        assert chengguan.parent == seeded
        assert Area.objects.get(code="411103002000").valid_from == date(2020, 1, 1)

    def test_it_changes_nothing_on_a_second_run(self, seeded):
        before, entries = _rows(), AuditEntry.objects.count()
        report = seed_reference()
        assert _rows() == before
        assert AuditEntry.objects.count() == entries
        assert any("行政区划：新增 0，更新 0" in line for line in report), report

    def test_it_audits_every_created_division(self, seeded):
        assert AuditEntry.objects.filter(object_type="areas.area", action="create").count() == Area.objects.count()
        assert audit_verify().ok

    def test_it_finds_a_subtree_by_path(self, seeded):
        mengmiao = Area.objects.get(name="孟庙镇")
        villages = Area.objects.filter(path__startswith=mengmiao.path, level="village")
        assert villages.count() == 26
        assert set(villages.values_list("parent_id", flat=True)) == {mengmiao.pk}
        assert all(v.path == f"{mengmiao.path}{v.pk}/" for v in villages)

    def test_it_scopes_a_township_officer_to_the_subtree(self, seeded):
        officer = make_user("mengmiao", Role.TOWNSHIP_OFFICER, Area.objects.get(name="孟庙镇"))
        assert Area.objects.visible_to(officer).filter(level="village").count() == 26

    def test_it_loads_through_the_command(self, db, capsys):
        call_command("import_divisions", str(Path(__file__).parents[1] / "seed" / "divisions-411103.csv"))
        assert Area.objects.count() == 1 + 1 + 1 + 11 + 198
        assert "created 212" in capsys.readouterr().out


class TestBadFiles:
    def test_it_reports_every_bad_row_in_both_languages(self, db, tmp_path):
        path = _write(tmp_path, HEADER + TOP + "411103101000,孟庙镇,town,411103000000,,\n"
                      "41110310100,甲村,village,411103101000,,\n"
                      "411103101201,,village,411103101000,,\n"
                      "411103101202,乙村,village,411103101000,2020-13-01,\n")
        with pytest.raises(BadInput) as exc:
            read_division_csv(path)
        message = exc.value.message
        for line, column in ((5, "level"), (6, "code"), (7, "name"), (8, "valid_from")):
            assert f"第 {line} 行「{column}」" in message
            assert f"row {line}, column {column}" in message
        assert len(message.splitlines()) == 4
        assert not Area.objects.exists()

    def test_it_writes_nothing_when_the_command_refuses_a_file(self, db, tmp_path):
        path = _write(tmp_path, HEADER + TOP + "411103101000,孟庙镇,town,411103000000,,\n")
        with pytest.raises(CommandError, match="row 5, column level"):
            call_command("import_divisions", str(path))
        assert not Area.objects.exists()

    def test_it_names_missing_columns(self, db, tmp_path):
        with pytest.raises(BadInput, match="parent_code"):
            read_division_csv(_write(tmp_path, "code,name,level\n410000000000,河南省,province\n"))

    def test_it_reads_a_gbk_file(self, db, tmp_path):
        rows = read_division_csv(_write(tmp_path, HEADER + TOP + "411103101000,孟庙镇,township,411103000000,,\n",
                                        encoding="gbk"))
        assert [r.name for r in rows] == ["河南省", "漯河市", "郾城区", "孟庙镇"]
        divisions_import(rows)
        assert Area.objects.get(code="411103101000").name == "孟庙镇"

    def test_it_refuses_an_unknown_parent_and_writes_nothing(self, db, tmp_path):
        rows = read_division_csv(_write(tmp_path, HEADER + TOP + "411103101000,孟庙镇,township,411103000000,,\n"
                                        "411103101201,甲村,village,411103999000,,\n"))
        with pytest.raises(BadInput) as exc:
            divisions_import(rows)
        assert "第 6 行「parent_code」411103999000" in exc.value.message
        assert "row 6, column parent_code" in exc.value.message
        assert not Area.objects.exists()
        assert not AuditEntry.objects.exists()

    def test_it_refuses_a_parent_at_the_wrong_level(self, db):
        rows = [DivisionRow(2, "410000000000", "河南省", "province", ""),
                DivisionRow(3, "411103101201", "甲村", "village", "410000000000")]
        with pytest.raises(BadInput, match="parent_code"):
            divisions_import(rows)
        assert not Area.objects.exists()
