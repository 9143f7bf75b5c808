"""The assessment's pages in Chromium: what an officer sees, at desktop and phone widths."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from fupin.assessment.models import PoorVillage, VillageFacts
from fupin.assessment.services import assess_county, work_year
from fupin.assessment.villages import targets_seed
from fupin.core.testing import make_household
from fupin.registry.models import IncomeRecord, Member
from fupin.site.tests.conftest import DESKTOP, PHONE, screenshot, sign_in
from fupin.site.tests.test_e2e_household_file import horizontal_overflow, watch_console

pytestmark = pytest.mark.e2e

PAGES = [
    ("overview", "/assessment/", "各项指标未达标户数"),
    ("results", "/assessment/results/", "人均纯收入 2,000.00 元"),
    ("measures", "/assessment/measures/?by=village", "FGT0"),
    ("villages", "/assessment/villages/?all=1", "贫困发生率"),
    ("targets", "/assessment/targets/?year=2020", "剩余全部"),
    ("policy", "/assessment/policy/", "RULES.md"),
]


@pytest.fixture
def assessed(e2e_personas):
    areas, year = e2e_personas.areas, work_year()
    for no, net in (("H-A1-0101", "9000.00"), ("H-A1-0102", "4000.00")):
        household = make_household(areas.village_a1, no, food_secure=True, clothing_secure=True, safe_water=True,
                                   housing_grade="B")
        Member.objects.filter(household=household).update(medical_insurance=True, schooling="not_in_school")
        IncomeRecord.objects.create(household=household, year=year, wage_income=Decimal(net), business_income=0,
                                    property_income=0, transfer_income=0, business_expense=0)
    PoorVillage.objects.create(village=areas.village_a1, designated_year=2014)
    VillageFacts.objects.create(village=areas.village_a1, year=year, population=900, hardened_road=True)
    targets_seed(areas.county)
    assess_county(year)
    return e2e_personas


def test_an_officer_reads_every_assessment_page_on_desktop_and_phone(page: Page, live_server, assessed):
    errors = watch_console(page)
    sign_in(page, live_server.url, "officer")
    for width_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)  # type: ignore[arg-type]
        for name, path, text in PAGES:
            page.goto(live_server.url + path)
            expect(page.get_by_text(text, exact=False).first).to_be_visible()
            if width_name == "phone":
                assert horizontal_overflow(page) <= 0, f"{path} scrolls sideways on a phone"
            screenshot(page, f"assessment-{name}-{width_name}")
    assert errors == []
