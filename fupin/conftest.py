from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django.utils import translation
from playwright.sync_api import Browser, Page, sync_playwright

from fupin.core.testing import (
    Areas,
    ModuleDB,
    Personas,
    build_areas,
    build_households,
    build_personas,
    setup_worker_databases,
    teardown_worker_databases,
)

# Playwright's sync API runs an event loop in the test thread; the Django ORM calls made by the
# test itself are still synchronous and safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Fast password hashing, tasks run at once, and a per-process cache (jobs run in the test's own
# process: a per-process cache keeps parallel test workers apart).
FAST_SETTINGS: dict[str, Any] = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "TASKS": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
    "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
}


@pytest.fixture(autouse=True)
def _fast_and_immediate(settings):
    for name, value in FAST_SETTINGS.items():
        setattr(settings, name, value)
    cache.clear()  # job ids repeat from test to test
    # A request in English (LocaleMiddleware) leaves English active in the thread: start every test in Chinese.
    translation.activate(django_settings.LANGUAGE_CODE)


# --- test databases ---------------------------------------------------------------------------------
# pytest-django's own setup, except that xdist workers copy one migrated template per run instead of
# each running every migration (fupin/core/testing.py).


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, django_db_use_migrations, django_db_keepdb,
                    django_db_createdb, django_db_modify_db_settings, tmp_path_factory):
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _get_databases_for_setup

    verbosity = request.config.option.verbose
    worker = getattr(request.config, "workerinput", {}).get("workerid")
    keepdb = django_db_keepdb and not django_db_createdb
    aliases, serialized = _get_databases_for_setup(request.session.items)
    if any("module_db" in getattr(item, "fixturenames", ()) for item in request.session.items):
        aliases.add("default")  # a module's shared rows need the test database even if no test asks for ``db``
    if worker is None or keepdb or serialized or not django_db_use_migrations:
        with django_db_blocker.unblock():
            old = setup_databases(verbosity=verbosity, interactive=False, keepdb=keepdb,
                                  aliases=aliases,  # type: ignore[arg-type]  # a set, as pytest-django passes
                                  serialized_aliases=serialized)
        yield
        if not django_db_keepdb:
            with django_db_blocker.unblock():
                teardown_databases(old, verbosity=verbosity)
        return
    shared = tmp_path_factory.getbasetemp().parent  # the run's folder, common to all workers
    with django_db_blocker.unblock():
        made = setup_worker_databases(worker, shared, verbosity)
    yield
    with django_db_blocker.unblock():
        teardown_worker_databases(made, verbosity)


# --- data built once per test module ----------------------------------------------------------------
# A module whose tests all read one costly set of rows (the access walk's world, a seeded demo) builds
# it once: ``module_db`` opens a transaction around the whole module, the module's own module-scoped
# fixture builds the rows inside it with ``module_db.build``, and each test, through pytest-django's
# ``db`` fixture, runs in a savepoint that is rolled back after it. A write in one test is never seen
# by the next, and the module's rows are gone at its end. The pattern, in a test module:
#
#     @pytest.fixture(scope="module")
#     def _demo(module_db):
#         return module_db.build(lambda: seed_demo(households=300, seed=7))
#
#     @pytest.fixture
#     def demo(_demo, db):  # ``db``: this test's savepoint
#         return _demo
#
# Such a module may not mix in ``transactional_db`` or ``live_server`` tests (they empty the tables).


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[ModuleDB]:
    media = tmp_path_factory.mktemp("media")
    storages = {**django_settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}}}
    outer = transaction.atomic()
    outer._from_testcase = True  # type: ignore[attr-defined]  # as TestCase marks its own: durable blocks may open inside
    with override_settings(**FAST_SETTINGS, MEDIA_ROOT=media, STORAGES=storages):
        with django_db_blocker.unblock():
            outer.__enter__()
        try:
            yield ModuleDB(media, django_db_blocker)
        finally:
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)


@pytest.fixture
def areas(db) -> Areas:
    return build_areas()


@pytest.fixture
def personas(areas) -> Personas:
    return build_personas(areas)


@pytest.fixture
def households(areas):
    """One household in each village: a1, a2 (same township) and b1 (another township)."""
    return build_households(areas)


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
    build_households(areas)
    return build_personas(areas)


