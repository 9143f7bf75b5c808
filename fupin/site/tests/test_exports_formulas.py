"""Exports are safe in Excel (ADR 0020): text that a spreadsheet would run as a formula is written as text.

Hostile household numbers, names and department-list entries are stored through the real services (the
registry import, the department-list load, a project proposal), then every export writes them: the
registry export (command, page, background job, API; workbook and CSV folder), the ``--output`` files of
``assess``, ``monitor`` and ``crosscheck``, the monthly project report (page and command) and the problems
workbook of an import. Each file is opened as Excel would read it: in a workbook the cell is a text cell
(openpyxl ``data_type == "s"``) holding the value unchanged; in a CSV file the cell starts with a single
quote. Numbers stay numbers, negative ones included.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.core.management import call_command
from django.test import Client, TestCase, override_settings
from django.utils import timezone
from openpyxl import load_workbook

from fupin.accounts.models import Department, User
from fupin.accounts.services import api_token_create
from fupin.areas.models import Area
from fupin.core.output import csv_cell, csv_row, csv_safe_frame, is_formula_like, write_table, xlsx_row, xlsx_workbook
from fupin.core.testing import ModuleDB, make_user
from fupin.crosscheck.loading import list_load
from fupin.projects.services import ProjectInput, project_propose
from fupin.registry.importing import problems_workbook, registry_import
from fupin.registry.models import Household
from fupin.registry.tests.import_files import Registry, member, write_csv, write_csv_set
from fupin.site.reference import seed_reference

HOSTILE = ('=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1", "@SUM(A1)", "-2")
"""What a malicious or careless clerk types; each starts with a character Excel reads as a formula."""
UNSTRIPPED = ("\tX", "\rX")
"""Leading tab and CR: every service strips them on the way in, so only the writers' own tests meet them."""
YEAR = 2019
A1 = "411103101201"


# --- the county: hostile values stored through the services -----------------------------------------


def _registry() -> Registry:
    """Five exited households (numbers and heads' names hostile) with unsafe water: assessed, monitored
    (the WATER risk) and matched, so every output lists them."""
    registry = Registry(len(HOSTILE), prefix="F")
    for i, value in enumerate(HOSTILE):
        old = registry.households[i]["户编号"]
        for row in (registry.households[i], *[m for m in registry.members if m["户编号"] == old],
                    *[r for r in registry.incomes if r["户编号"] == old]):
            row["户编号"] = value
        registry.households[i].update({"脱贫状态": "已脱贫", "脱贫年度": "2018", "饮水安全": "否"})
        next(m for m in registry.members if m["户编号"] == value)["姓名"] = value
    for row in registry.incomes:
        row["年度"] = str(YEAR)
    return registry


def build_county(folder: Path) -> dict[str, Any]:
    seed_reference()
    registry = _registry()
    result = registry_import(write_csv_set(folder / "registry", registry), actor=None)
    assert result.problems == [], result.problems[:3]
    heads = [m for m in registry.members if m["与户主关系"] == "户主"]
    businesses = write_csv(folder / "businesses.csv", [
        {"身份证号": m["身份证号"], "姓名": m["姓名"], "企业名称": value, "经营状态": "存续"}
        for m, value in zip(heads, HOSTILE, strict=True)], sheet="家庭成员",
        columns=["身份证号", "姓名", "企业名称", "经营状态"])
    loaded = list_load("BUSINESSES", businesses, actor=None)
    assert loaded.load_id is not None, loaded.problems[:3]
    village = Area.objects.get(code=A1)
    department = Department.objects.get_or_create(code="agri", defaults={"name": "区农业农村局", "area": village})[0]
    today = timezone.localdate()
    for value in HOSTILE:
        project_propose(ProjectInput(
            year=today.year, name=value, category="industry", nature="new", area=village, department=department,
            planned_start=today, planned_end=today, tasks="建设任务", benefit_mechanism="带贫机制",
            performance_targets="绩效目标", budget={"central": "1000"}), actor=None, households=[])
    admin = make_user("exports_admin", "district_admin", Area.objects.get(level="county"))
    return {"admin_pk": admin.pk, "token": api_token_create(user=admin, name="exports", days=30)[1]}


@pytest.fixture(scope="module")
def _county(module_db: ModuleDB, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("hostile")
    return module_db.build(lambda: build_county(folder))


@pytest.fixture
def county(_county: dict[str, Any], db: None) -> dict[str, Any]:
    assert Household.objects.filter(household_no__in=HOSTILE).count() == len(HOSTILE)
    return _county


@pytest.fixture
def admin_client(county: dict[str, Any]) -> Client:
    client = Client()
    client.force_login(User.objects.get(pk=county["admin_pk"]))
    return client


# --- reading the files back as a spreadsheet would ----------------------------------------------------


def workbook_text_cells(content: bytes | Path) -> Iterator[tuple[str, Any]]:
    """(where, cell) of every cell holding one of the hostile values, in every sheet."""
    book = load_workbook(io.BytesIO(content) if isinstance(content, bytes) else content)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and any(v in cell.value for v in HOSTILE):
                    yield f"{ws.title}!{cell.coordinate}", cell


def assert_workbook_safe(content: bytes | Path, *, expected: int) -> None:
    cells = list(workbook_text_cells(content))
    assert len(cells) >= expected, [c.value for _, c in cells]  # the hostile values are there to be checked
    for where, cell in cells:
        assert cell.data_type == "s", (where, cell.value, cell.data_type)
    written = {c.value for _, c in cells}
    assert set(HOSTILE) <= written | {v.split("（")[0] for v in written}  # each value unchanged


def csv_cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


def assert_csv_safe(paths: list[Path], *, expected: int) -> None:
    cells = [c for p in paths for c in csv_cells(p) if any(v in c for v in HOSTILE)]
    assert len(cells) >= expected, cells
    for cell in cells:
        if any(cell.startswith(v) or cell.startswith("'" + v) for v in HOSTILE):
            assert cell.startswith("'") and not is_formula_like(cell), cell
    assert {c[1:] for c in cells if c.startswith("'")} >= set(HOSTILE)


# --- every export ---------------------------------------------------------------------------------------

Export = Callable[[dict[str, Any], Client, Path], bytes | Path]


def _registry_command_xlsx(county: dict[str, Any], client: Client, tmp: Path) -> Path:
    call_command("export_registry", str(tmp / "registry.xlsx"))
    return tmp / "registry.xlsx"


def _registry_page(county: dict[str, Any], client: Client, tmp: Path) -> bytes:
    response = client.post("/registry/households/export/")
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def _registry_job(county: dict[str, Any], client: Client, tmp: Path) -> bytes:
    with override_settings(REGISTRY_EXPORT_DIRECT_MAX=0), TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post("/registry/households/export/")  # every export a background job
    assert response.status_code == 302, response.status_code
    file = client.get(response["Location"] + "file/")
    assert file.status_code == 200
    return b"".join(file.streaming_content)  # type: ignore[attr-defined]


def _registry_api(county: dict[str, Any], client: Client, tmp: Path) -> bytes:
    response = Client().get("/api/v1/registry/export", headers={"Authorization": f"Bearer {county['token']}"})
    assert response.status_code == 200, response.content[:200]
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def _assess_xlsx(county: dict[str, Any], client: Client, tmp: Path) -> Path:
    call_command("assess", "--year", str(YEAR), "--output", str(tmp / "assess.xlsx"))
    return tmp / "assess.xlsx"


def _monitor_xlsx(county: dict[str, Any], client: Client, tmp: Path) -> Path:
    call_command("monitor", "--year", str(YEAR), "--output", str(tmp / "monitor.xlsx"))
    return tmp / "monitor.xlsx"


def _crosscheck_xlsx(county: dict[str, Any], client: Client, tmp: Path) -> Path:
    call_command("crosscheck", "--year", str(YEAR), "--output", str(tmp / "crosscheck.xlsx"))
    return tmp / "crosscheck.xlsx"


def _project_report_page(county: dict[str, Any], client: Client, tmp: Path) -> bytes:
    today = timezone.localdate()
    response = client.get("/projects/progress/report/", {"year": today.year, "month": today.month})
    assert response.status_code == 200, response.status_code
    return response.content


def _project_report_command(county: dict[str, Any], client: Client, tmp: Path) -> Path:
    today = timezone.localdate()
    call_command("project_report", "--year", str(today.year), "--month", str(today.month),
                 "--output", str(tmp / "report.xlsx"))
    return tmp / "report.xlsx"


def _problems_workbook(county: dict[str, Any], client: Client, tmp: Path) -> Path:
    """An import whose bad cells hold the hostile values: the problem list and the marked copy."""
    rows = [member("F001", value, "", relation=value) for value in HOSTILE]
    path = write_csv(tmp / "members.csv", rows, sheet="家庭成员")
    result = registry_import([path], actor=None, dry_run=True)
    assert result.problems
    problems_workbook(result, [path], tmp / "problems.xlsx")
    return tmp / "problems.xlsx"


WORKBOOKS: dict[str, tuple[Export, int]] = {
    # export → the least number of hostile cells it must hold
    "export-registry .xlsx": (_registry_command_xlsx, 2 * len(HOSTILE)),
    "registry export page": (_registry_page, 2 * len(HOSTILE)),
    "registry export job": (_registry_job, 2 * len(HOSTILE)),
    "registry export API": (_registry_api, 2 * len(HOSTILE)),
    "assess --output .xlsx": (_assess_xlsx, len(HOSTILE)),
    "monitor --output .xlsx": (_monitor_xlsx, len(HOSTILE)),
    "crosscheck --output .xlsx": (_crosscheck_xlsx, 2 * len(HOSTILE)),
    "monthly project report page": (_project_report_page, len(HOSTILE)),
    "project-report command": (_project_report_command, len(HOSTILE)),
    "import problems workbook": (_problems_workbook, 2 * len(HOSTILE)),
}


@pytest.mark.parametrize("name", list(WORKBOOKS))
def test_a_workbook_export_writes_formula_like_text_as_text(county, admin_client, tmp_path, name):
    export, expected = WORKBOOKS[name]
    assert_workbook_safe(export(county, admin_client, tmp_path), expected=expected)


def _registry_command_csv(tmp: Path) -> list[Path]:
    call_command("export_registry", str(tmp / "registry"))
    return sorted((tmp / "registry").iterdir())


def _output_csv(command: str) -> Callable[[Path], list[Path]]:
    def run(tmp: Path) -> list[Path]:
        call_command(command, "--year", str(YEAR), "--output", str(tmp / f"{command}.csv"))
        return [tmp / f"{command}.csv"]
    return run


CSV_EXPORTS: dict[str, tuple[Callable[[Path], list[Path]], int]] = {
    "export-registry DIR": (_registry_command_csv, 2 * len(HOSTILE)),
    "assess --output .csv": (_output_csv("assess"), len(HOSTILE)),
    "monitor --output .csv": (_output_csv("monitor"), len(HOSTILE)),
    "crosscheck --output .csv": (_output_csv("crosscheck"), 2 * len(HOSTILE)),
}


@pytest.mark.parametrize("name", list(CSV_EXPORTS))
def test_a_csv_export_prefixes_formula_like_text_with_a_quote(county, tmp_path, name):
    export, expected = CSV_EXPORTS[name]
    assert_csv_safe(export(tmp_path), expected=expected)


# --- the helpers themselves -------------------------------------------------------------------------------

EVERY = (*HOSTILE, *UNSTRIPPED, "=1+1", "-", "@")
HARMLESS = ("张三", "H-001", "1+1", "a=b", " =x", "", "'=already quoted")


def excel_text(value: Any) -> Any:
    """A cell's text as Excel shows it: the file format escapes a carriage return as _x000D_, which
    openpyxl leaves as it is."""
    return value.replace("_x000D_", "\r") if isinstance(value, str) else value


@pytest.mark.parametrize("value", EVERY)
def test_csv_cell_quotes_text_a_spreadsheet_would_run(value):
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", HARMLESS)
def test_csv_cell_leaves_other_text_alone(value):
    assert csv_cell(value) == value


def test_numbers_stay_numbers_negative_ones_too():
    from decimal import Decimal

    assert csv_row([-2, -1.5, Decimal("-3.20"), None, "-2"]) == [-2, -1.5, Decimal("-3.20"), "", "'-2"]


def test_the_frame_helper_is_the_cell_helper_over_columns():
    values = [*EVERY, *HARMLESS, None]
    frame = pl.DataFrame({"text": values, "amount": [-1.0] * len(values)})
    safe = csv_safe_frame(frame)
    assert safe["text"].to_list() == [None if v is None else csv_cell(v) for v in values]
    assert safe["amount"].to_list() == [-1.0] * len(values)  # numbers untouched


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_write_table_with_tab_and_carriage_return_cells(tmp_path, suffix):
    path = tmp_path / f"t{suffix}"
    write_table(path, ["name", "amount"], [[v, -5] for v in EVERY])
    if suffix == ".csv":
        rows = list(csv.reader(path.open(encoding="utf-8-sig", newline="")))[1:]
        assert [r[0] for r in rows] == ["'" + v for v in EVERY]
        assert {r[1] for r in rows} == {"-5"}
        return
    ws = load_workbook(path).active
    cells = [(row[0], row[1]) for row in ws.iter_rows(min_row=2)]
    assert [(excel_text(c.value), c.data_type) for c, _ in cells] == [(v, "s") for v in EVERY]
    assert {(n.value, n.data_type) for _, n in cells} == {(-5, "n")}


def test_xlsx_row_never_writes_a_formula(tmp_path):
    path = tmp_path / "x.xlsx"
    book = xlsx_workbook(str(path))
    ws = book.add_worksheet()
    xlsx_row(ws, 0, [*EVERY, -7, date(2020, 1, 2)])
    book.close()
    cells = next(iter(load_workbook(path).active.iter_rows()))
    assert [c.data_type for c in cells] == ["s"] * len(EVERY) + ["n", "s"]
    assert [excel_text(c.value) for c in cells] == [*EVERY, -7, "2020-01-02"]


# --- no writer goes around the helpers --------------------------------------------------------------------

PACKAGE = Path(__file__).resolve().parents[2]
BYPASS = re.compile(r"\.write_row\(|\.write_column\(|\.write_formula\(|\b(ws|sheet|worksheet)\.write\(|"
                    r"xlsxwriter\.Workbook\(|csv\.(writer|DictWriter)\(|\.write_csv\(|\.write_excel\(|sink_csv\(|"
                    r"\bWorkbook\(\)")
ALLOWED = {
    "core/output.py": "the helpers themselves",
    "registry/exporting.py": "csv.writer of rows whose text cells went through csv_cell (_converter)",
    "registry/blank_template.py": "the blank template (openpyxl): headers, rules and code labels, all constants",
    "core/bulk.py": "COPY to PostgreSQL, not a file anyone opens",
    "registry/import_write.py": "COPY to PostgreSQL, not a file anyone opens",
}


def test_every_csv_and_xlsx_writer_goes_through_the_helpers():
    offending = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if "/tests/" in f"/{relative}" or relative in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if BYPASS.search(line):
                offending.append(f"{relative}:{number}: {line.strip()}")
    assert offending == [], "write cells with fupin.core.output (ADR 0020):\n" + "\n".join(offending)


def test_a_frame_written_to_csv_is_quoted_where_needed(tmp_path):
    from fupin.core.output import csv_write_frame

    frame = pl.DataFrame({"姓名": [*EVERY, *HARMLESS], "年度": [2020] * (len(EVERY) + len(HARMLESS))})
    csv_write_frame(frame, tmp_path / "f.csv", include_bom=True)
    rows = list(csv.reader((tmp_path / "f.csv").open(encoding="utf-8-sig", newline="")))[1:]
    assert [r[0] for r in rows] == ["'" + v for v in EVERY] + list(HARMLESS)
    assert {r[1] for r in rows} == {"2020"}
