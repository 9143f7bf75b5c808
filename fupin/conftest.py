from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import override_settings
from django.utils import translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from playwright.sync_api import Browser, Page, sync_playwright

from fupin.core.testing import (
    Areas,
    CliRun,
    ModuleDB,
    Personas,
    build_areas,
    build_households,
    build_personas,
    fupin_process,
    process_env,
    seed_demo_county,
    setup_worker_databases,
    teardown_worker_databases,
)

# Hypothesis judges speed by the clock; on a loaded two-core CI machine that is noise, not a finding.
hypothesis_settings.register_profile("fupin", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("fupin")

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


# --- which engine runs what (docs/testing.md) ---------------------------------------------------------
# The suite runs on SQLite, then on PostgreSQL (scripts/test.sh). A test whose outcome does not depend on
# the engine the suite runs on -- it starts processes with a database of their own, reads settings, drives
# the browser, or checks exit codes and messages whose services are tested on both engines -- is marked
# `engine_independent` and runs in the SQLite half only. Every browser test (`e2e`) is one.
SQLITE_ONLY_MARKERS = ("engine_independent", "e2e")


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(marker and marker.kwargs.get("transaction")) or "transactional_db" in fixtures \
        or "live_server" in fixtures


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Rows built once for many tests are built once per worker that runs them: keep those tests on one worker.
    # The tests of the shared demo county run one after another, where the first of them was; the tests of a
    # module's shared rows (``module_db``) run in one group named after the module, unless it names its own.
    demo = [item for item in items if _uses_demo_county(item)]
    both = sorted({item.nodeid.split("::")[0] for item in demo} & {
        item.nodeid.split("::")[0] for item in items if "module_db" in getattr(item, "fixturenames", ())})
    if both:  # the module's transaction would end inside the demo county's
        raise pytest.UsageError("a module may not use both demo_county and module_db: " + ", ".join(both))
    if demo:
        first = items.index(demo[0])
        others = [item for item in items if not _uses_demo_county(item)]
        items[:] = others[:first] + demo + others[first:]
        for item in demo:
            item.add_marker(pytest.mark.xdist_group(DEMO_GROUP))
    for item in items:
        if "module_db" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
    # A transactional test (browser tests: live_server) empties every table when it ends, the rows the data
    # migrations wrote included. pytest-django runs them after the others; xdist keeps that order for single
    # tests but schedules the largest xdist_group first, so a group of them would leave later tests of its
    # worker without the catalogue. Refuse such a group.
    grouped = [item.nodeid for item in items if _transactional(item) and item.get_closest_marker("xdist_group")]
    if grouped:
        raise pytest.UsageError("transactional tests must not be in an xdist_group: " + ", ".join(grouped[:5]))
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
def _fast_and_immediate(settings, tmp_path_factory):
    for name, value in FAST_SETTINGS.items():
        setattr(settings, name, value)
    # Each test's signed audit checkpoints go to a folder of its own (created only if one is written): the
    # rows they name are rolled back after the test.
    settings.FUPIN_AUDIT_CHECKPOINT_DIR = tmp_path_factory.getbasetemp() / "audit-checkpoints" / uuid.uuid4().hex
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


@contextmanager
def _rolled_back(django_db_blocker, media: Path) -> Iterator[ModuleDB]:
    """One transaction, with its own media folder and the fast test settings, rolled back at the end."""
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


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[ModuleDB]:
    with _rolled_back(django_db_blocker, tmp_path_factory.mktemp("media")) as shared:
        yield shared


# --- the demo county, seeded once for all the tests that read it --------------------------------------
# The apps' ``test_demo*.py`` check what ``fupin seed-demo`` fills in their module. Seeding the demo county
# is the costly part, so they share one: a test that asks for ``demo_county`` finds the reference data and
# the demo county (``seed_demo_county`` in fupin/core/testing.py) and runs, through ``db``, in a savepoint
# rolled back after it, as under ``module_db``, but across modules. Collection puts these tests one after
# another and in one xdist group (DEMO_GROUP, one worker); the transaction around them opens before the
# first, seeded once, and is rolled back after the last (``pytest_runtest_teardown`` below). A test of
# the group may write (what it writes is gone for the next), but may not be transactional, and its module
# may not use ``module_db`` as well (collection refuses both).
DEMO_GROUP = "demo-county"
DEMO_FIXTURE = "_demo_county"


def _uses_demo_county(item: pytest.Item | None) -> bool:
    return item is not None and DEMO_FIXTURE in getattr(item, "fixturenames", ())


class _DemoCountyTransaction:
    """The transaction holding the seeded demo county while the tests of its group run."""

    def __init__(self, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.blocker = django_db_blocker
        self.tmp_path_factory = tmp_path_factory
        self.stack: ExitStack | None = None

    @property
    def is_open(self) -> bool:
        return self.stack is not None

    def open(self) -> None:
        if self.stack is not None:
            return
        with ExitStack() as stack:
            shared = stack.enter_context(_rolled_back(self.blocker, self.tmp_path_factory.mktemp("demo-media")))
            shared.build(seed_demo_county)
            self.stack = stack.pop_all()  # seeded: kept open for the next tests of the group

    def close(self) -> None:
        stack, self.stack = self.stack, None
        if stack is not None:
            stack.close()


DEMO_COUNTY_KEY = pytest.StashKey[_DemoCountyTransaction]()


@pytest.fixture(scope="session")
def _demo_county_transaction(request, django_db_setup, django_db_blocker,
                             tmp_path_factory) -> Iterator[_DemoCountyTransaction]:
    shared = _DemoCountyTransaction(django_db_blocker, tmp_path_factory)
    request.config.stash[DEMO_COUNTY_KEY] = shared
    yield shared
    shared.close()


@pytest.fixture(scope="module")
def _demo_county(_demo_county_transaction: _DemoCountyTransaction) -> _DemoCountyTransaction:
    """Opened (and seeded) before any test-scoped fixture, so each test's savepoint (``db``) is inside it."""
    _demo_county_transaction.open()
    return _demo_county_transaction


@pytest.fixture
def demo_county(_demo_county: _DemoCountyTransaction, db: None) -> None:
    """The reference data and the demo county, seeded once for all the tests that ask for it; each test runs
    in a savepoint rolled back after it."""
    if not _demo_county.is_open:
        raise pytest.UsageError("the demo county was rolled back before this test: its tests must run one after "
                                "another (fupin/conftest.py puts them so; a plugin that reorders tests breaks it)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    try:
        return (yield)
    finally:
        shared = item.config.stash.get(DEMO_COUNTY_KEY, None)
        if shared is not None and _uses_demo_county(item) and not _uses_demo_county(nextitem):
            shared.close()


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
def _reference_data(module_db: ModuleDB) -> None:
    """The reference data `fupin seed-reference` loads, built once in the module's transaction
    (``module_db``). Every later test of the module sees it, so request it (through ``reference_db``) in
    modules whose database tests all want it."""
    from fupin.site.reference import seed_reference

    module_db.build(seed_reference)


@pytest.fixture
def reference_db(_reference_data: None, db: None) -> None:
    """The test database with the reference data, seeded once per module; each test runs in a savepoint
    of the module's transaction, so what it writes is gone for the next test."""
