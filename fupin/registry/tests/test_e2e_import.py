"""The import pages in a real browser: upload a generated workbook, watch the job's progress, read the result.

The job queue is the dummy backend here, so the page really waits: it shows the queued job's progress
and polls; the test then runs the job, and the result replaces the progress indicator in place (no reload).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Download, Page, expect

from fupin.core import idnumber
from fupin.core.jobs import job_execute
from fupin.core.models import JobRun
from fupin.registry.exporting import registry_export
from fupin.registry.models import Household, IncomeRecord, Member
from fupin.site.tests.conftest import PHONE, screenshot, sign_in

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def queued_jobs(settings):
    """Jobs wait in the queue until the test runs them, so the page has something to poll."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def registry_state() -> tuple[list[object], ...]:
    return (list(Household.objects.order_by("pk").values()), list(Member.objects.order_by("pk").values()),
            list(IncomeRecord.objects.order_by("pk").values()))


def exported(tmp_path: Path, name: str = "名册.xlsx") -> Path:
    """The registry as exported; the helper's registered households get the fields the template requires."""
    Household.objects.update(identified_year=2016, main_cause="illness")
    out = tmp_path / name
    registry_export(Household.objects.all(), out)
    return out


def with_bad_id_number(path: Path) -> str:
    """Breaks the check character of the first member's ID number; returns the broken number."""
    book = load_workbook(path)
    cell = book["家庭成员"]["C2"]
    good = str(cell.value)
    wrong = next(c for c in "0123456789X" if c != idnumber.check_character(good[:17]))
    cell.value = good[:17] + wrong
    book.save(path)
    return str(cell.value)


def saved(download: Download, folder: Path) -> Path:
    """The downloaded file under its suggested name (openpyxl goes by the extension)."""
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    path = folder / download.suggested_filename
    download.save_as(path)
    return path


def upload(page: Page, base_url: str, path: Path, *, dry_run: bool = False) -> int:
    page.goto(f"{base_url}/registry/import/")
    page.get_by_label("选择文件").set_input_files(str(path))
    if dry_run:
        page.get_by_label("仅校验不写入").check()
    page.get_by_role("button", name="开始导入").click()
    page.wait_for_url("**/registry/import/*/")
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def watch_progress_then_run(page: Page, job_pk: int) -> None:
    status = page.get_by_test_id("import-status")
    expect(status).to_have_attribute("data-status", "queued")
    expect(page.get_by_test_id("import-progress")).to_be_visible()
    page.evaluate("window.__sameDocument = true")
    job_execute(job_pk)
    expect(status).to_have_attribute("data-status", "succeeded", timeout=10_000)
    assert page.evaluate("window.__sameDocument === true"), "the result must arrive by polling, not a reload"


def test_it_uploads_a_bad_workbook_and_shows_the_located_problem(page, live_server, e2e_personas, queued_jobs,
                                                                  tmp_path):
    path = exported(tmp_path)
    broken = with_bad_id_number(path)
    before = registry_state()
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/registry/households/")
    page.get_by_role("link", name="导入").click()
    expect(page.locator("main h1")).to_have_text("导入建档立卡数据")
    screenshot(page, "import-upload-desktop")

    job_pk = upload(page, live_server.url, path)
    screenshot(page, "import-progress-desktop")
    watch_progress_then_run(page, job_pk)

    expect(page.get_by_test_id("import-outcome")).to_contain_text("未写入任何数据")
    # The page shows the ID number masked (the problems workbook below keeps it whole).
    row = page.get_by_test_id("problem-table").locator("tbody tr").filter(has_text=idnumber.mask(broken))
    expect(row).to_have_count(1)
    expect(page.get_by_test_id("problem-table")).not_to_contain_text(broken)
    expect(row).to_contain_text("家庭成员")
    expect(row).to_contain_text("身份证号")
    expect(row.locator("td").nth(1)).to_have_text("2")
    expect(page.get_by_test_id("report-link")).to_be_visible()
    screenshot(page, "import-problems-desktop")
    assert registry_state() == before

    with page.expect_download() as download:
        page.get_by_test_id("report-link").click()
    report = load_workbook(saved(download.value, tmp_path))
    assert "家庭成员" in report.sheetnames

    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.get_by_test_id("problem-table")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    screenshot(page, "import-problems-phone")
    page.goto(f"{live_server.url}/registry/import/")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    screenshot(page, "import-upload-phone")


def test_it_checks_a_good_workbook_without_writing(page, live_server, e2e_personas, queued_jobs, tmp_path):
    path = exported(tmp_path)
    before = registry_state()
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server.url, "admin")

    job_pk = upload(page, live_server.url, path, dry_run=True)
    watch_progress_then_run(page, job_pk)

    expect(page.get_by_test_id("import-outcome")).to_contain_text("校验通过")
    expect(page.get_by_test_id("import-counts")).to_be_visible()
    screenshot(page, "import-dry-run-desktop")
    assert JobRun.objects.get(pk=job_pk).params["dry_run"] is True
    assert registry_state() == before


def test_it_exports_from_the_household_list(page, live_server, e2e_personas, tmp_path):
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/registry/households/")
    screenshot(page, "household-list-toolbar-desktop")
    with page.expect_download() as download:
        page.get_by_test_id("export-button").click()
    book = load_workbook(saved(download.value, tmp_path))
    numbers = [r[0] for r in book["户信息"].iter_rows(min_row=2, values_only=True)]
    assert numbers == ["H-A1-0001", "H-A2-0001", "H-B1-0001"]
    with page.expect_download() as blank:
        page.get_by_test_id("template-link").click()
    assert load_workbook(saved(blank.value, tmp_path)).sheetnames[:3] == ["户信息", "家庭成员", "收支情况"]
    page.set_viewport_size(PHONE)
    page.reload()
    screenshot(page, "household-list-toolbar-phone")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
