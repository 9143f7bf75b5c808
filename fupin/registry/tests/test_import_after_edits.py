"""Re-import after edits on the platform (issue 16 item 8, ADR 0026): the export writes each household's 数据版本;
a file older than a change made on the platform since is refused for that household, naming its row, and writes
nothing; a file that changes nothing of such a household passes; a file without 数据版本 is the newer change."""

from __future__ import annotations

import pytest

from fupin.core.testing import make_household
from fupin.registry.editing import Edit, household_update
from fupin.registry.exporting import registry_export
from fupin.registry.importing import registry_import
from fupin.registry.models import Change, Household

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(areas, tmp_path):
    """Two complete households, exported to a folder of CSV files (version 1 each)."""
    for no in ("H-A1-0201", "H-A1-0202"):
        make_household(areas.village_a1, no, main_cause="illness", identified_year=2016)
    registry_export(Household.objects.all(), tmp_path / "out")
    return tmp_path / "out"


def _households_csv(folder):
    return folder / "户信息.csv"


def _set(path, household_no, header, value):
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    headers = lines[0].split(",")
    i = headers.index(header)
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        if cells[0] == household_no:
            cells[i] = value
        out.append(",".join(cells))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def _files(folder):
    return sorted(folder.glob("*.csv"))


def test_the_export_writes_each_households_version(exported):
    text = _households_csv(exported).read_text(encoding="utf-8-sig")
    assert "数据版本" in text.splitlines()[0]


def test_a_file_older_than_a_platform_edit_is_refused_for_that_household(exported, personas):
    home = Household.objects.get(household_no="H-A1-0201")
    household_update(home, {"safe_water": True}, Edit(actor=personas.cadre_a1, version=home.version))
    _set(_households_csv(exported), "H-A1-0201", "饮水安全", "否")  # the file would undo the cadre's edit
    changes = Change.objects.count()

    result = registry_import(_files(exported), actor=None)

    assert [(p.code, p.row, p.column) for p in result.problems] == [("CHANGED_SINCE_EXPORT", 2, "数据版本")]
    assert "version 1 in the file, 2 on the platform" in result.problems[0].rule_en
    assert not result.written and Change.objects.count() == changes
    assert Household.objects.get(household_no="H-A1-0201").safe_water is True


def test_an_older_file_that_changes_nothing_of_the_edited_household_passes(exported, personas):
    home = Household.objects.get(household_no="H-A1-0201")
    household_update(home, {"safe_water": True}, Edit(actor=personas.cadre_a1, version=home.version))
    _set(_households_csv(exported), "H-A1-0201", "饮水安全", "是")  # as the platform has it now
    _set(_households_csv(exported), "H-A1-0202", "饮水安全", "是")  # a change to the other household

    result = registry_import(_files(exported), actor=None)

    assert result.problems == [] and result.written
    assert Household.objects.get(household_no="H-A1-0202").safe_water is True


def test_a_file_without_the_version_column_is_the_newer_change(exported, personas):
    home = Household.objects.get(household_no="H-A1-0201")
    household_update(home, {"safe_water": True}, Edit(actor=personas.cadre_a1, version=home.version))
    path = _households_csv(exported)
    rows = [line.split(",") for line in path.read_text(encoding="utf-8-sig").splitlines()]
    i = rows[0].index("数据版本")
    path.write_text("\n".join(",".join(r[:i] + r[i + 1:]) for r in rows) + "\n", encoding="utf-8")
    _set(path, "H-A1-0201", "饮水安全", "否")

    result = registry_import(_files(exported), actor=None)

    assert result.problems == [] and result.written
    home.refresh_from_db()
    assert home.safe_water is False
    # Not silent: the history shows the import overwriting the platform's value.
    change = Change.objects.filter(household=home, field="safe_water").latest("pk")
    assert (change.old, change.new, change.source) == (True, False, "import")
