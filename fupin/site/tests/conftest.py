"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

Nothing is skipped: if /usr/bin/chromium is missing, launching fails and so do the tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, sync_playwright

from fupin.assessment.services import policy_seed_defaults
from fupin.core.testing import PASSWORD, Personas, build_areas, build_personas, make_household

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"


def pytest_configure(config: pytest.Config) -> None:
    # xdist registers this marker itself, but not under `-p no:xdist` with --strict-markers.
    config.addinivalue_line("markers", "xdist_group(name): run these tests on one xdist worker")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def e2e_personas(transactional_db) -> Personas:
    """Areas, personas and one household per village, committed so the live server sees them, with
    the shipped policy parameters (as seed-reference loads them)."""
    areas = build_areas()
    policy_seed_defaults()
    make_household(areas.village_a1, "H-A1-0001")
    make_household(areas.village_a2, "H-A2-0001")
    make_household(areas.village_b1, "H-B1-0001")
    return build_personas(areas)


def sign_in(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form, as a person would."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
