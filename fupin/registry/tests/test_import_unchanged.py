"""An import that changes nothing writes nothing: rows the file does not change are not written, keep their
``updated_at``, and are counted as unchanged; a changed cell updates exactly its row."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection

from fupin.core.models import AuditEntry
from fupin.registry.importing import registry_import
from fupin.registry.models import Change, Household, IncomeRecord, Member
from fupin.registry.tests.import_files import Registry, income, write_csv, write_csv_set, write_xlsx

pytestmark = pytest.mark.django_db

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def stored() -> dict[str, list[tuple[Any, ...]]]:
    """Every row as the tables hold it, personal numbers as their sealed text (a rewrite would change it: every
    seal has a new nonce); a household's ``version`` and ``updated_at`` left out (:func:`updated_at`)."""
    def rows(table: str) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY id')  # noqa: S608 (fixed table names)
            names = [c[0] for c in cursor.description]
            # A household's version and updated_at move with any write to it or its rows (checked apart).
            return [tuple(v for n, v in zip(names, row, strict=True) if n not in ("version", "updated_at"))
                    for row in cursor.fetchall()]

    return {model.__name__: rows(model._meta.db_table) for model in (Household, Member, IncomeRecord)}


def updated_at() -> dict[str, datetime]:
    return dict(Household.objects.values_list("household_no", "updated_at"))


def imported(tmp_path, reg: Registry) -> None:
    """``reg`` imported, then every household's ``updated_at`` set long ago (an update of the queryset leaves
    ``auto_now`` alone), so a later write shows."""
    assert registry_import(write_csv_set(tmp_path / "first", reg), actor=None).written
    Household.objects.update(updated_at=LONG_AGO)


def counts(result: Any, verb: str) -> tuple[int, int, int]:
    return result.counts[f"households_{verb}"], result.counts[f"members_{verb}"], result.counts[f"incomes_{verb}"]


class TestTheSameFileAgain:
    def test_it_writes_nothing_and_counts_every_row_as_unchanged(self, areas, tmp_path):
        reg = Registry(3)
        reg.households[0]["其他致贫原因"] = "因学、缺资金"  # stored as JSON: compared as a list on both engines
        reg.members[1]["送教上门"] = "是"
        imported(tmp_path, reg)
        before, audit = stored(), AuditEntry.objects.count()

        result = registry_import(write_csv_set(tmp_path / "again", reg), actor=None)

        assert result.problems == [] and not result.refused
        assert counts(result, "updated") == (0, 0, 0) and counts(result, "created") == (0, 0, 0)
        assert counts(result, "unchanged") == (3, 6, 3)
        assert not result.written
        assert stored() == before  # not one value rewritten: the sealed phones and ID numbers keep their text
        assert set(updated_at().values()) == {LONG_AGO}
        assert AuditEntry.objects.count() == audit  # no history: not even the import's own entry

    def test_a_workbook_of_the_same_rows_changes_nothing_either(self, areas, tmp_path):
        reg = Registry(2)
        imported(tmp_path, reg)
        before = stored()
        result = registry_import([write_xlsx(tmp_path / "名册.xlsx", reg.sheets(), numbers=True)], actor=None)
        assert result.problems == [] and counts(result, "unchanged") == (2, 4, 2)
        assert stored() == before

    def test_a_dry_run_says_the_same(self, areas, tmp_path):
        reg = Registry(2)
        imported(tmp_path, reg)
        result = registry_import(write_csv_set(tmp_path / "again", reg), actor=None, dry_run=True)
        assert counts(result, "updated") == (0, 0, 0) and counts(result, "unchanged") == (2, 4, 2)

    def test_only_the_columns_the_file_carries_are_compared(self, areas, tmp_path):
        reg = Registry(2)
        imported(tmp_path, reg)
        Member.objects.filter(relation="head").update(ethnicity="回族")  # changed since, on the platform
        before = stored()
        columns = [h for h in reg.members[0] if h != "民族"]
        result = registry_import([write_csv(tmp_path / "m.csv", reg.members, sheet="家庭成员", columns=columns)],
                                 actor=None)
        assert result.counts["members_unchanged"] == 4 and result.counts["members_updated"] == 0
        assert stored() == before

    def test_new_rows_beside_unchanged_ones_are_created(self, areas, tmp_path):
        imported(tmp_path, Registry(2))
        reg = Registry(3)  # H001 and H002 as imported, and a new household H003
        reg.incomes.append(income("H001", "2020"))
        result = registry_import(write_csv_set(tmp_path / "more", reg), actor=None)
        assert counts(result, "created") == (1, 2, 2) and counts(result, "unchanged") == (2, 4, 2)
        assert counts(result, "updated") == (0, 0, 0)
        assert (Household.objects.count(), Member.objects.count(), IncomeRecord.objects.count()) == (3, 6, 4)
        # H001 gained an income line: a write to the household (its version and updated_at move); H002 did not.
        assert {no for no, at in updated_at().items() if at != LONG_AGO} == {"H001", "H003"}

    def test_a_workflow_state_the_file_shows_as_it_is_is_no_change(self, areas, tmp_path):
        reg = Registry(2)
        imported(tmp_path, reg)
        Household.objects.filter(household_no="H001").update(status="exit_proposed")  # shown as 未脱贫
        result = registry_import(write_csv_set(tmp_path / "again", reg), actor=None)
        assert result.counts["households_unchanged"] == 2
        assert Household.objects.get(household_no="H001").status == "exit_proposed"


class TestOneChangedCell:
    @pytest.mark.parametrize(("sheet", "row", "header", "value"), [
        ("households", 1, "联系电话", "13800000000"),
        ("households", 1, "其他致贫原因", "缺技术"),
        ("households", 1, "饮水安全", ""),
        ("members", 3, "文化程度", "高中"),
        ("members", 3, "姓名", "王大明"),
        ("incomes", 1, "工资性收入", "8000.51"),
        ("incomes", 1, "教育支出", "0"),
    ])
    def test_it_updates_exactly_that_row(self, areas, tmp_path, sheet, row, header, value):
        reg = Registry(3)
        imported(tmp_path, reg)
        before, audit = stored(), AuditEntry.objects.count()
        getattr(reg, sheet)[row][header] = value

        result = registry_import(write_csv_set(tmp_path / "changed", reg), actor=None)

        assert result.problems == [] and result.written
        expected = {key: (1 if key == sheet else 0) for key in ("households", "members", "incomes")}
        assert {key: result.counts[f"{key}_updated"] for key in expected} == expected
        assert result.counts[f"{sheet}_unchanged"] == len(getattr(reg, sheet)) - 1
        after = stored()
        model = {"households": "Household", "members": "Member", "incomes": "IncomeRecord"}[sheet]
        changed = [i for i, (old, new) in enumerate(zip(before[model], after[model], strict=True)) if old != new]
        assert changed == [row]
        assert all(after[m] == before[m] for m in before if m != model)
        # updated_at moves for the household whose row was written, and for no other.
        # The household of the changed row moves (updated_at, version), and no other; its history has the cell.
        household = getattr(reg, sheet)[row]["户编号"]
        moved = {no for no, at in updated_at().items() if at != LONG_AGO}
        assert moved == {household}
        assert dict(Household.objects.values_list("household_no", "version")) == {
            h["户编号"]: (2 if h["户编号"] == household else 1) for h in reg.households}
        change = Change.objects.exclude(field="*").get()  # the first import recorded each household created
        assert (change.household.household_no, change.source, change.event) == (household, "import", "import")
        assert AuditEntry.objects.count() == audit + 1  # the import's own entry, nothing else

    def test_the_changed_value_is_the_one_stored(self, areas, tmp_path):
        reg = Registry(2)
        imported(tmp_path, reg)
        reg.households[1]["联系电话"] = "0395-1234567"
        reg.incomes[0]["工资性收入"] = "9999.99"
        result = registry_import(write_csv_set(tmp_path / "changed", reg), actor=None)
        assert (result.counts["households_updated"], result.counts["incomes_updated"]) == (1, 1)
        assert Household.objects.get(household_no="H002").phone == "0395-1234567"
        assert str(IncomeRecord.objects.get(household__household_no="H001").wage_income) == "9999.99"
