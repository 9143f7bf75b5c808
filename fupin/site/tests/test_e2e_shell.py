"""The page shell in a real browser: sign-in, lockout, navigation, phone layout, no outside hosts."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from fupin.core.testing import PASSWORD
from fupin.registry.models import Household
from fupin.site.tests.conftest import DESKTOP, PHONE, screenshot, sign_in

pytestmark = pytest.mark.e2e

APP_RED = "rgb(179, 38, 30)"  # --red in app.css


def nav_links(page: Page) -> list[str]:
    return list(page.locator("#sidenav a").evaluate_all("links => links.map(a => a.href)"))


def household_url(base_url: str, household_no: str = "H-A1-0001") -> str:
    return f"{base_url}/registry/households/{Household.objects.get(household_no=household_no).pk}/"


def test_it_signs_a_cadre_in_through_the_chinese_login_form(page, live_server, e2e_personas):
    page.goto(f"{live_server.url}/accounts/login/")
    assert "精准扶贫管理平台" in page.title()
    expect(page.get_by_role("heading", level=1)).to_contain_text("精准扶贫管理平台")
    expect(page.locator("label[for=id_username]")).to_contain_text("用户名")
    expect(page.locator("label[for=id_password]")).to_contain_text("密码")

    sign_in(page, live_server.url, "cadre_a1")

    assert page.url == f"{live_server.url}/"
    scope = page.get_by_test_id("user-scope")
    expect(scope).to_contain_text("甲村民委员会")
    expect(scope).to_contain_text("村干部")
    # app.css really loaded: the top bar has the platform red.
    assert page.locator(".topbar").evaluate("el => getComputedStyle(el).backgroundColor") == APP_RED


def test_it_locks_a_username_after_five_failures_but_not_the_browser(page, live_server, e2e_personas):
    for _ in range(5):
        sign_in(page, live_server.url, "cadre_a1", "wrong-password")
    assert "/accounts/login/" in page.url

    sign_in(page, live_server.url, "cadre_a1", PASSWORD)

    expect(page.get_by_test_id("locked")).to_contain_text("锁定")
    assert "/accounts/login/" in page.url
    sign_in(page, live_server.url, "cadre_a2", PASSWORD)  # same browser, same IP, other username
    assert page.url == f"{live_server.url}/"
    expect(page.get_by_test_id("user-scope")).to_contain_text("乙村民委员会")


def test_it_opens_every_side_nav_link_with_a_heading(page, live_server, e2e_personas):
    sign_in(page, live_server.url, "admin")
    links = nav_links(page)
    assert len(links) >= 5  # home, registry, areas, jobs, audit log

    for url in links:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        expect(page.locator("main h1")).to_have_count(1)


def test_it_shows_the_main_pages_on_desktop_and_phone(page, live_server, e2e_personas):
    sign_in(page, live_server.url, "admin")
    pages = {
        "home": f"{live_server.url}/",
        "household-list": f"{live_server.url}/registry/households/",
        "household-detail": household_url(live_server.url),
        "audit-log": f"{live_server.url}/system/audit/",
    }
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        for name, url in pages.items():
            page.goto(url)
            expect(page.locator("main h1")).to_be_visible()
            assert screenshot(page, f"{name}-{label}").stat().st_size > 0


def test_it_hides_the_nav_behind_a_toggle_at_phone_width(page, live_server, e2e_personas):
    sign_in(page, live_server.url, "admin")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/")

    nav = page.locator("#sidenav")
    expect(nav).to_be_hidden()
    page.locator("[data-nav-toggle]").click()
    expect(nav).to_be_visible()
    expect(page.locator("[data-nav-toggle]")).to_have_attribute("aria-expanded", "true")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1


class AssetCollector(HTMLParser):
    """Collects every script src, link href and img src of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href", "img": "src"}.get(tag)
        self.urls += [value for name, value in attrs if name == wanted and value]


def external_assets(html: str, base_url: str) -> list[str]:
    collector = AssetCollector()
    collector.feed(html)
    host = urlsplit(base_url).netloc
    return [u for u in collector.urls if urlsplit(urljoin(base_url + "/", u)).netloc not in (host, "")]


def admin_pages(page: Page, base_url: str) -> list[str]:
    """Every page the admin reaches: the nav, a household, the profile, a job, the API docs."""
    urls = [*nav_links(page), household_url(base_url), f"{base_url}/accounts/me/"]
    page.goto(f"{base_url}/system/audit/")
    page.get_by_role("button", name="校验审计链完整性").click()
    page.wait_for_url("**/system/jobs/*/")
    return [*urls, page.url, f"{base_url}/api/v1/docs"]


def test_it_loads_nothing_from_other_hosts(page, live_server, e2e_personas):
    host = urlsplit(live_server.url).netloc
    requests: list[str] = []
    csp_errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            csp_errors.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    sign_in(page, live_server.url, "admin")
    urls = admin_pages(page, live_server.url)

    for url in urls:
        response = page.goto(url)
        page.wait_for_load_state("networkidle")
        assert response is not None and response.status == 200, url
        assert external_assets(page.content(), live_server.url) == [], url

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Fupin")  # docs drawn from our own files
    assert len(requests) > len(urls)
    assert [u for u in requests if urlsplit(u).netloc != host] == []
    assert csp_errors == []


def test_it_verifies_the_audit_chain_as_a_job_with_progress(page, live_server, e2e_personas):
    sign_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/system/audit/")

    page.get_by_role("button", name="校验审计链完整性").click()

    page.wait_for_url("**/system/jobs/*/")
    expect(page.locator("progress")).to_have_count(1)
    expect(page.get_by_test_id("job-result")).to_contain_text("审计链完整")
