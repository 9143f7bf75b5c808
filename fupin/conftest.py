from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from playwright.sync_api import Browser, Page, sync_playwright
from pytest_django import DjangoDbBlocker

from fupin.core.testing import (
    Areas,
    CliRun,
    Personas,
    build_areas,
    build_personas,
    fupin_process,
    make_household,
    process_env,
)

# Hypothesis judges speed by the clock; on a loaded two-core CI machine that is noise, not a finding.
hypothesis_settings.register_profile("fupin", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("fupin")

# Playwright's sync API runs an event loop in the test thread; the Django ORM calls made by the
# test itself are still synchronous and safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# --- which engine runs what (docs/testing.md) ---------------------------------------------------------
# The suite runs on SQLite, then on PostgreSQL (scripts/test.sh). A test whose outcome does not depend on
# the engine the suite runs on -- it starts processes with a database of their own, reads settings, drives
# the browser, or checks exit codes and messages whose services are tested on both engines -- is marked
# `engine_independent` and runs in the SQLite half only. Every browser test (`e2e`) is one.
SQLITE_ONLY_MARKERS = ("engine_independent", "e2e")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if connection.vendor == "sqlite":
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        engine_independent = any(item.get_closest_marker(name) for name in SQLITE_ONLY_MARKERS)
        (dropped if engine_independent else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(autouse=True)
def _fast_and_immediate(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Jobs run in the test's own process: a per-process cache keeps parallel test workers apart.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()  # job ids repeat from test to test
    # A request in English (LocaleMiddleware) leaves English active in the thread: start every test in Chinese.
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture
def areas(db) -> Areas:
    return build_areas()


@pytest.fixture
def personas(areas) -> Personas:
    return build_personas(areas)


@pytest.fixture
def households(areas):
    """One household in each village: a1, a2 (same township) and b1 (another township)."""
    return {
        "a1": make_household(areas.village_a1, "H-A1-0001"),
        "a2": make_household(areas.village_a2, "H-A2-0001"),
        "b1": make_household(areas.village_b1, "H-B1-0001"),
    }


# --- browser tests: Debian's Chromium driven by Playwright against pytest-django's live server ------
# One session-wide browser for every app's browser tests (Playwright's sync API allows one per thread).
# Nothing is skipped: if Debian's chromium is not on PATH (or FUPIN_CHROMIUM names no browser),
# launching fails and so do the tests.

CHROMIUM = os.environ.get("FUPIN_CHROMIUM") or shutil.which("chromium") or "chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    from fupin.site.tests.conftest import DESKTOP

    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def e2e_personas(transactional_db) -> Personas:
    """Areas, personas and one household per village, committed so the live server sees them, with
    the shipped policy parameters (as seed-reference loads them)."""
    from fupin.assessment.services import policy_seed_defaults

    areas = build_areas()
    policy_seed_defaults()
    make_household(areas.village_a1, "H-A1-0001")
    make_household(areas.village_a2, "H-A2-0001")
    make_household(areas.village_b1, "H-B1-0001")
    return build_personas(areas)




# --- the `fupin` command ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CliTemplate:
    var_dir: Path  # holds the migrated, seeded fupin.sqlite3
    migrated: CliRun
    seeded: CliRun


SQLITE_FILE = "fupin.sqlite3"


@pytest.fixture(scope="session")
def cli_template(tmp_path_factory: pytest.TempPathFactory) -> CliTemplate:
    """A SQLite file migrated and seeded by the installed `fupin` command in processes of its own, once per
    run: fupin/site/tests/test_cli.py checks what it printed; tests that need a process boundary copy it."""
    var_dir = tmp_path_factory.mktemp("fupin-template")
    env = process_env(var_dir)
    migrated = fupin_process(env, "migrate", "--noinput")
    seeded = fupin_process(env, "seed-reference")
    return CliTemplate(var_dir, migrated, seeded)


@pytest.fixture
def cli_var_dir(cli_template: CliTemplate, tmp_path: Path) -> Path:
    """A var/ directory of the test's own holding a copy of the template database (``process_env`` points a
    process at it)."""
    assert cli_template.migrated.returncode == 0, cli_template.migrated.stderr
    assert cli_template.seeded.returncode == 0, cli_template.seeded.stderr
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    for path in cli_template.var_dir.glob(SQLITE_FILE + "*"):
        shutil.copy(path, var_dir / path.name)
    return var_dir


@pytest.fixture(scope="module")
def _reference_data(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """The reference data `fupin seed-reference` loads, in an outer transaction that lasts for the module
    and is rolled back after its last test. Every later test of the module sees it, so request it (through
    ``reference_db``) in modules whose database tests all want it."""
    from fupin.site.reference import seed_reference

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        seed_reference()
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def reference_db(_reference_data: None, db: None) -> None:
    """The test database with the reference data, seeded once per module; each test runs in a savepoint
    of the module's transaction, so what it writes is gone for the next test."""
