"""The public section in Chromium, signed out: a project notice with its display dates, every public
page crawled for unmasked ID numbers, an objection raised; and the staff pages, at desktop and phone widths."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlparse

import pytest
from playwright.sync_api import Page, expect

from fupin.notices.models import Notice, Objection
from fupin.projects.services import beneficiary_add
from fupin.projects.tests.factories import advance, allocate, proposed, unit
from fupin.registry.models import Household, Member
from fupin.site.tests.conftest import DESKTOP, PHONE, screenshot, sign_in
from fupin.site.tests.test_e2e_household_file import horizontal_overflow, watch_console

pytestmark = pytest.mark.e2e
ID_18 = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")


@pytest.fixture
def public_world(e2e_personas):
    areas = e2e_personas.areas
    dept = unit(areas.county)
    a1 = Household.objects.get(household_no="H-A1-0001")
    done = advance(proposed(areas.village_a1, dept, name="甲村光伏电站", households=[a1]), "accepted")
    beneficiary_add(done, household=Household.objects.get(household_no="H-A1-0001"), actor=None) \
        if not done.beneficiaries.exists() else None
    running = proposed(areas.village_a2, dept, name="乙村道路硬化", ago=2,
                       households=[Household.objects.get(household_no="H-A2-0001")])
    idle = advance(proposed(areas.village_b1, dept, name="丙村冷库", ago=200), "approved", shift=30)
    allocate(idle, "50000", ago=80)
    return {"done": done, "running": running, "ids": list(Member.objects.values_list("id_number", flat=True))}


def crawl(page: Page, base: str) -> dict[str, str]:
    """Every page under /public/ reachable from /public/ by links, with its text and HTML."""
    seen: dict[str, str] = {}
    queue = [f"{base}/public/"]
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        seen[url] = page.content() + "\n" + page.inner_text("body")
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            target = urljoin(url, href).split("#")[0]
            if urlparse(target).path.startswith("/public/") and target not in seen:
                queue.append(target)
    return seen


def test_the_public_section_signed_out(page: Page, live_server, public_world):
    errors = watch_console(page)
    base = live_server.url
    notice = Notice.objects.get(kind="project_village", subject_id=public_world["running"].pk)
    dates = f"{notice.starts_on:%Y-%m-%d} 至 {notice.ends_on:%Y-%m-%d}"

    page.goto(f"{base}/accounts/login/")
    page.get_by_test_id("public-link").click()  # the way in for a member of the public
    assert page.url == f"{base}/public/"
    row = page.get_by_test_id("current-notices").locator("tr", has_text="乙村道路硬化")
    expect(row).to_contain_text(dates)
    expect(page.get_by_test_id("hotline")).to_contain_text("12317")
    row.get_by_role("link").click()
    expect(page.get_by_test_id("notice-period")).to_contain_text(f"{dates}（10 天）")
    screenshot(page, "public-notice-desktop")

    pages = crawl(page, base)
    assert len(pages) >= 8, sorted(pages)
    for url, html in pages.items():
        assert not ID_18.search(html), f"an 18-digit ID number on {url}"
        assert not any(i in html for i in public_world["ids"]), f"a member's ID number on {url}"
        assert "H-A1-0001" not in html and "张三" not in html, f"household data on {url}"
    project_url = next(u for u in pages if f"/public/projects/{public_world['done'].pk}/" in u)
    page.goto(project_url)
    expect(page.get_by_test_id("public-beneficiaries")).to_contain_text("4111" + "*" * 10)

    page.goto(f"{base}/public/notices/{notice.pk}/")
    page.get_by_label("异议内容").fill("道路选址占用耕地，请核实。")
    page.get_by_role("button", name="提交异议").click()
    expect(page.locator(".messages")).to_contain_text("已提交")
    assert Objection.objects.get().channel == "web"

    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    for name, path in (("home", "/public/"), ("notice", f"/public/notices/{notice.pk}/"),
                       ("project", f"/public/projects/{public_world['done'].pk}/"), ("plan", "/public/plans/")):
        page.goto(base + path)
        assert horizontal_overflow(page) <= 0, f"{path} scrolls sideways on a phone"
        screenshot(page, f"public-{name}-phone")
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
    for name, path in (("home", "/public/"), ("project", f"/public/projects/{public_world['done'].pk}/"),
                       ("plan", "/public/plans/")):
        page.goto(base + path)
        screenshot(page, f"public-{name}-desktop")
    assert errors == []


def test_an_officer_reads_the_project_pages_on_desktop_and_phone(page: Page, live_server, public_world):
    errors = watch_console(page)
    sign_in(page, live_server.url, "officer")
    done = public_world["done"]
    pages = [("list", "/projects/", "甲村光伏电站"), ("detail", f"/projects/{done.pk}/", "竣工验收并公告"),
             ("progress", "/projects/progress/", "丙村冷库"), ("objections", "/projects/objections/", "群众异议")]
    for width_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)  # type: ignore[arg-type]
        for name, path, text in pages:
            page.goto(live_server.url + path)
            expect(page.get_by_text(text, exact=False).first).to_be_visible()
            if width_name == "phone":
                assert horizontal_overflow(page) <= 0, f"{path} scrolls sideways on a phone"
            screenshot(page, f"projects-{name}-{width_name}")
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
    page.goto(live_server.url + "/projects/progress/")
    expect(page.get_by_test_id("idle-table")).to_contain_text("50,000.00")
    assert errors == []
