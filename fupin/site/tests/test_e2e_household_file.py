"""The household file in a real browser: find a household by pinyin initials, open its file, see the
income chart drawn, download the PDF; desktop and phone screenshots."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect
from pypdf import PdfReader

from fupin.assessment.services import household_assess, policy_seed_defaults
from fupin.core.testing import make_household
from fupin.registry.helper_services import helper_assign
from fupin.registry.models import Household, IncomeRecord, Member
from fupin.registry.pinyin import pinyin_keys
from fupin.site.tests.conftest import PHONE, SCREENSHOTS, screenshot, sign_in

pytestmark = pytest.mark.e2e

WIDE = {"width": 1280, "height": 800}
MASKED = re.compile(r"4111\*{10}[0-9X]{4}")


@pytest.fixture
def file_world(e2e_personas):
    """A household with a real file: a head named 王秀英 (wxy), four members, six years of incomes, an
    exit assessment of 2020 and a helper."""
    areas = e2e_personas.areas
    household = make_household(areas.village_a1, "H-A1-0002", members=4, main_cause="illness",
                               other_causes=["no_skills"], identified_year=2014, food_secure=True,
                               clothing_secure=True, housing_grade="B", safe_water=True)
    head = household.members.get(relation="head")
    full, initials = pinyin_keys("王秀英")
    Member.objects.filter(pk=head.pk).update(name="王秀英", name_pinyin=full, name_initials=initials,
                                            education="primary", health="healthy", labour="ordinary")
    IncomeRecord.objects.filter(household=household).delete()
    IncomeRecord.objects.bulk_create([
        IncomeRecord(household=household, year=year, wage_income=Decimal(wage), business_income=Decimal(800),
                     property_income=Decimal(0), transfer_income=Decimal(600), business_expense=Decimal(200))
        for year, wage in ((2015, 4000), (2016, 6000), (2017, 9000), (2018, 11000), (2019, 15000), (2020, 16000))
    ])
    policy_seed_defaults()
    Member.objects.filter(household=household).update(medical_insurance=True)
    household_assess(household, 2020)
    helper_assign(household, name="赵帮扶", unit="区农林局", phone="13900000000", actor=None, starts_on=date(2019, 3, 1))
    return household


def watch_console(page: Page) -> list[str]:
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def horizontal_overflow(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_it_finds_a_household_by_pinyin_initials_and_opens_its_file(page, live_server, file_world):
    errors = watch_console(page)
    page.set_viewport_size(WIDE)
    sign_in(page, live_server.url, "cadre_a1")
    page.goto(f"{live_server.url}/registry/households/")

    page.get_by_role("searchbox").fill("wxy")
    page.get_by_role("button", name="查询").click()
    rows = page.get_by_test_id("household-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("H-A1-0002")
    screenshot(page, "household-search-desktop")

    rows.first.get_by_role("link", name="H-A1-0002").click()
    expect(page.locator("main h1")).to_contain_text("一户一档")
    expect(page.get_by_test_id("household-no")).to_have_text("H-A1-0002")
    expect(page.get_by_test_id("status-badge")).to_have_text("建档立卡(未脱贫)")
    members = page.get_by_test_id("member-table")
    expect(members.locator("tbody tr")).to_have_count(4)
    expect(members).to_contain_text("王秀英")
    assert len(MASKED.findall(members.inner_text())) == 4

    chart = page.get_by_test_id("income-chart")
    expect(chart).to_have_attribute("data-rendered", "true")
    expect(chart.locator("canvas")).to_have_count(1)
    box = chart.locator("canvas").bounding_box()
    assert box is not None and box["width"] > 600 and box["height"] > 200
    expect(page.get_by_test_id("dossier-monitoring-none")).to_contain_text("未纳入防返贫监测案例")
    expect(page.locator('[data-testid^="placeholder-"]')).to_have_count(0)
    expect(page.get_by_test_id("assessment-verdict")).to_contain_text("2020 年度评估结论")
    expect(page.get_by_test_id("helper-current")).to_contain_text("赵帮扶")
    screenshot(page, "household-file-desktop")

    with page.expect_download() as download_info:
        page.get_by_test_id("pdf-link").click()
    download = download_info.value
    assert download.suggested_filename == "一户一档-H-A1-0002.pdf"
    content = Path(download.path()).read_bytes()
    (SCREENSHOTS.parent / "household-file-e2e.pdf").write_bytes(content)  # kept beside the screenshots
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "H-A1-0002" in text and "王秀英" in text and "李二" in text
    assert errors == []


def test_it_reads_well_at_phone_width(page, live_server, file_world):
    errors = watch_console(page)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, "cadre_a1")
    page.goto(f"{live_server.url}/registry/households/?q=wxy")
    expect(page.get_by_test_id("household-table").locator("tbody tr")).to_have_count(1)
    assert horizontal_overflow(page) <= 1
    screenshot(page, "household-search-phone")

    page.goto(f"{live_server.url}/registry/households/{Household.objects.get(household_no='H-A1-0002').pk}/")
    chart = page.get_by_test_id("income-chart")
    expect(chart).to_have_attribute("data-rendered", "true")
    assert horizontal_overflow(page) <= 1  # the page itself never scrolls sideways
    canvas = chart.locator("canvas").bounding_box()
    assert canvas is not None and 300 < canvas["width"] <= PHONE["width"]
    # The wide member table scrolls inside its own container instead.
    wrap = page.get_by_test_id("member-table").locator("xpath=..")
    assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")
    assert wrap.evaluate("el => getComputedStyle(el).overflowX") == "auto"
    screenshot(page, "household-file-phone")

    page.set_viewport_size(WIDE)  # the chart follows its container
    # Polled from here: a string predicate evaluated in the page (wait_for_function) is eval, which the CSP forbids.
    canvas = page.locator("[data-chart=income] canvas")
    for _ in range(100):
        box = canvas.bounding_box()
        if box and box["width"] > 600:
            break
        page.wait_for_timeout(50)
    box = canvas.bounding_box()
    assert box is not None and box["width"] > 600
    assert errors == []
