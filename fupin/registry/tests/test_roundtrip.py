"""Export → import is a no-op: the export, imported again, finds every row and changes nothing.

The registry is a demo county (every code, status and yes/no/unknown value) plus one household
exercising the corners (several causes, unknown booleans, a head entered after a son, missing amounts).
Both forms are checked: the workbook and the folder of CSV files. A filled-in blank template imports too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from fupin.core.testing import ModuleDB, Personas, build_areas, build_personas, make_household
from fupin.registry.blank_template import registry_template_bytes
from fupin.registry.exporting import registry_export
from fupin.registry.importing import registry_import
from fupin.registry.models import Household, IncomeRecord, Member
from fupin.registry.tests.conftest import detailed_household
from fupin.site.demo import seed_demo

HOUSEHOLD_FIELDS = [f.attname for f in Household._meta.concrete_fields if f.attname != "updated_at"]


def registry_rows() -> tuple[list[tuple[Any, ...]], ...]:
    """Every stored value of every row (but the household's updated-at stamp), in primary-key order."""
    return (
        list(Household.objects.order_by("pk").values_list(*HOUSEHOLD_FIELDS)),
        list(Member.objects.order_by("pk").values_list()),
        list(IncomeRecord.objects.order_by("pk").values_list()),
    )


def build_county() -> Personas:
    personas = build_personas(build_areas())
    detailed_household(personas.areas)
    seed_demo(households=60, seed=11)
    return personas


@pytest.fixture(scope="module")
def _county(module_db: ModuleDB) -> Personas:
    """Seeded once per module (per test worker), inside the module's transaction (fupin/conftest.py)."""
    return module_db.build(build_county)


@pytest.fixture
def county(_county: Personas, db: None) -> Personas:
    """The shared county; ``db`` runs the test in a savepoint, rolled back after it."""
    assert Household.objects.count() == 61
    return _county


@pytest.fixture
def unregistered_states(county):
    """Workflow states the template shows as 非贫困户, as it shows a candidate (一般农户): a household under
    identification (申请) and one removed from the register (已剔除), both with a poor attribute."""
    make_household(county.areas.village_a2, "H-A2-0008", status="applied", identified_year=2016, main_cause="no_land")
    make_household(county.areas.village_b1, "H-B1-0009", status="removed", identified_year=2015, main_cause="illness")


def export_paths(tmp_path: Path, form: str) -> list[Path]:
    out = tmp_path / ("registry.xlsx" if form == "xlsx" else "registry-csv")
    registry_export(Household.objects.all(), out)
    return [out] if form == "xlsx" else sorted(out.iterdir())


@pytest.mark.parametrize("form", ["xlsx", "csv"])
def test_importing_the_export_changes_nothing(county, tmp_path, form):
    before = registry_rows()
    paths = export_paths(tmp_path, form)

    result = registry_import(paths, actor=county.admin)

    assert result.problems == []
    assert not result.skipped_rows and not result.ignored_columns
    assert registry_rows() == before
    households, members, incomes = (len(rows) for rows in before)
    assert result.counts["households_created"] == result.counts["members_created"] == 0
    assert result.counts["incomes_created"] == 0
    # Not a row rewritten: the export's values are the registry's, so every row is unchanged.
    assert not result.written
    assert (result.counts["households_updated"], result.counts["members_updated"],
            result.counts["incomes_updated"]) == (0, 0, 0)
    assert (result.counts["households_unchanged"], result.counts["members_unchanged"],
            result.counts["incomes_unchanged"]) == (households, members, incomes)


@pytest.mark.parametrize("form", ["xlsx", "csv"])
def test_households_under_identification_or_removed_survive_the_round_trip(county, unregistered_states, tmp_path,
                                                                         form):
    before = registry_rows()
    result = registry_import(export_paths(tmp_path, form), actor=county.admin)
    assert result.problems == []
    assert registry_rows() == before


@pytest.mark.parametrize("form", ["xlsx", "csv"])
def test_a_dry_run_of_the_export_finds_no_problem(county, tmp_path, form):
    before = registry_rows()
    result = registry_import(export_paths(tmp_path, form), actor=county.admin, dry_run=True)
    assert result.problems == [] and not result.written
    assert registry_rows() == before


def household_values(number: str) -> tuple[Any, ...]:
    """One household's stored values, without primary keys: its fields, its members', its incomes'."""
    household = Household.objects.filter(household_no=number)
    members = Member.objects.filter(household__household_no=number).order_by()
    incomes = IncomeRecord.objects.filter(household__household_no=number).order_by("year")
    return (
        list(household.values(*[f for f in HOUSEHOLD_FIELDS if f != "id"])),
        sorted(members.values(*[f.attname for f in Member._meta.concrete_fields if f.attname not in ("id", "household_id")]),
               key=lambda m: m["id_number"]),  # sealed: ordered once opened
        list(incomes.values(*[f.attname for f in IncomeRecord._meta.concrete_fields
                              if f.attname not in ("id", "household_id")])),
    )


def test_a_filled_in_blank_template_recreates_a_household(county, tmp_path):
    """The blank template's extra sheets (the guide, the hidden code list) do not disturb the import."""
    original = household_values("H-A1-0007")
    exported = tmp_path / "one.xlsx"
    registry_export(Household.objects.filter(household_no="H-A1-0007"), exported)
    template = tmp_path / "blank.xlsx"
    template.write_bytes(registry_template_bytes())
    source, book = load_workbook(exported), load_workbook(template)
    for name in ("户信息", "家庭成员", "收支情况"):
        for row in source[name].iter_rows(min_row=2, values_only=True):
            book[name].append(list(row))
    book.save(template)
    Household.objects.filter(household_no="H-A1-0007").delete()

    result = registry_import([template], actor=county.admin)

    assert result.problems == [], result.problems[:3]
    assert result.counts["households_created"] == 1 and result.counts["members_created"] == 2
    assert household_values("H-A1-0007") == original


def test_the_round_trip_county_covers_the_values_that_could_go_wrong(county, unregistered_states):
    """Guards the tests above: the data they round-trip holds every workflow state the template folds into
    one 脱贫状态, unknown yes/no answers, several causes, and blank optional amounts."""
    statuses = set(Household.objects.values_list("status", flat=True))
    assert {None, "registered", "exit_proposed", "exited", "returned", "applied", "removed"} <= statuses
    assert Household.objects.filter(housing_renovated__isnull=True).exists()
    assert Household.objects.get(household_no="H-A1-0007").other_causes == ["schooling", "no_capital"]
    assert Member.objects.filter(health="disabled").exclude(disability_level="").exists()
    assert IncomeRecord.objects.filter(medical_out_of_pocket__isnull=True).exists()


def _mark_not_poor(tmp_path: Path, numbers: set[str]) -> list[Path]:
    """The CSV export with 脱贫状态 set to 非贫困户 on the rows of ``numbers`` (户属性 left as it is)."""
    paths = export_paths(tmp_path, "csv")
    households = next(p for p in paths if "户信息" in p.name)
    lines = households.read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    number, status = header.index("户编号"), header.index("脱贫状态")
    for i, line in enumerate(lines[1:], start=1):
        cells = line.split(",")
        if cells[number] in numbers:
            cells[status] = "非贫困户"
            lines[i] = ",".join(cells)
    households.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return paths


def test_a_poor_attribute_shown_as_not_poor_is_refused_for_a_registered_or_new_household(
        county, unregistered_states, tmp_path):
    """The exemption above covers only households in the registry under identification or removed: the same
    row for a household in the register, or for a household the registry does not hold, is refused."""
    registered = Household.objects.filter(status="registered").exclude(attribute="ordinary").first()
    assert registered is not None
    paths = _mark_not_poor(tmp_path, {registered.household_no, "H-A2-0008"})
    Household.objects.filter(household_no="H-A2-0008").delete()
    before = registry_rows()

    result = registry_import(paths, actor=county.admin)

    assert [(p.code, p.column, p.rule_en.endswith("非贫困户)")) for p in result.problems] == \
        [("ATTRIBUTE_STATUS_MISMATCH", "户属性", True)] * 2
    assert {p.value for p in result.problems} == {registered.get_attribute_display(), "一般贫困户"}
    assert not result.written and registry_rows() == before
