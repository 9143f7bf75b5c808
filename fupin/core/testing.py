"""Test helpers: a small division tree, personas, households built through the services, and the
``fupin`` command run in this process or in a process of its own.

The personas mirror CONVENTIONS §5: two villages in one township and one in another, so every
scoping test has an "other village" and an "other township" to fail against.
"""

from __future__ import annotations

import fcntl
import io
import itertools
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper
from django.utils import translation
from django.utils.log import configure_logging

from fupin.accounts.models import Department, User
from fupin.accounts.roles import Role
from fupin.accounts.services import assignment_create, user_create
from fupin.areas.models import Area
from fupin.areas.services import DivisionRow, divisions_import
from fupin.cli import main as fupin_cli_main
from fupin.core import idnumber
from fupin.registry.models import Household, IncomeRecord, Member
from fupin.registry.pinyin import pinyin_keys

PASSWORD = "Test#Passw0rd!"  # noqa: S105 (test personas only)

TREE = [
    ("410000000000", "河南省", "province", ""),
    ("411100000000", "漯河市", "city", "410000000000"),
    ("411103000000", "郾城区", "county", "411100000000"),
    ("411103101000", "孟庙镇", "township", "411103000000"),
    ("411103102000", "商桥镇", "township", "411103000000"),
    ("411103101201", "甲村民委员会", "village", "411103101000"),
    ("411103101202", "乙村民委员会", "village", "411103101000"),
    ("411103102201", "丙村民委员会", "village", "411103102000"),
]


@dataclass
class Areas:
    county: Area
    town_a: Area
    town_b: Area
    village_a1: Area
    village_a2: Area
    village_b1: Area


def build_areas() -> Areas:
    divisions_import([DivisionRow(i, c, n, lvl, p) for i, (c, n, lvl, p) in enumerate(TREE, start=2)])
    get = {a.code: a for a in Area.objects.all()}
    return Areas(get["411103000000"], get["411103101000"], get["411103102000"], get["411103101201"],
                 get["411103101202"], get["411103102201"])


def make_user(username: str, role: str | None = None, area: Area | None = None, *,
              department: Department | None = None, superuser: bool = False) -> User:
    user = user_create(username=username, password=PASSWORD, name=username)
    if superuser:
        User.objects.filter(pk=user.pk).update(is_superuser=True, is_staff=True)
        user.refresh_from_db()
    if role is not None and area is not None:
        assignment_create(user=user, role=role, area=area, department=department)
    return User.objects.get(pk=user.pk)  # fresh, so cached scope reflects the assignment


_seq = itertools.count(1)


def make_id_number(birth: date, female: bool = False) -> str:
    n = next(_seq) % 500
    first17 = f"411103{birth:%Y%m%d}{n * 2 + (0 if female else 1):03d}"
    return first17 + idnumber.check_character(first17)


def wrong_check_character(number: str) -> str:
    """``number`` with a check character it does not have (a fixed one is right for one number in eleven)."""
    return number[:-1] + ("1" if number[-1] == "0" else "0")


def make_household(village: Area, household_no: str, *, status: str | None = "registered",
                   attribute: str = "general_poor", members: int = 2, **fields: Any) -> Household:
    household = Household.objects.create(household_no=household_no, village=village, status=status,
                                         attribute=attribute if status else "ordinary", **fields)
    for i in range(members):
        name = "张三" if i == 0 else f"李{'一二三四五六'[i % 6]}"
        full, initials = pinyin_keys(name)
        birth = date(1970 + i * 20 % 50, 1 + i, 1 + i)
        Member.objects.create(household=household, name=name, name_pinyin=full, name_initials=initials,
                              id_number=make_id_number(birth, female=bool(i % 2)), sex="F" if i % 2 else "M",
                              birth_date=birth, relation="head" if i == 0 else "son")
    IncomeRecord.objects.create(household=household, year=2018, wage_income=5000, business_income=1000,
                                property_income=0, transfer_income=500, business_expense=300)
    return household


def build_households(areas: Areas) -> dict[str, Household]:
    """One household in each village: a1, a2 (same township) and b1 (another township)."""
    return {
        "a1": make_household(areas.village_a1, "H-A1-0001"),
        "a2": make_household(areas.village_a2, "H-A2-0001"),
        "b1": make_household(areas.village_b1, "H-B1-0001"),
    }


@dataclass
class Personas:
    areas: Areas
    admin: User
    officer: User
    township_a: User
    cadre_a1: User
    cadre_a2: User
    cadre_b1: User
    team_a1: User
    auditor: User
    department: User
    nobody: User
    superuser: User


def build_personas(areas: Areas) -> Personas:
    dept = Department.objects.create(code="education", name="区教体局", area=areas.county)
    return Personas(
        areas=areas,
        admin=make_user("admin", Role.DISTRICT_ADMIN, areas.county),
        officer=make_user("officer", Role.DISTRICT_OFFICER, areas.county),
        township_a=make_user("township_a", Role.TOWNSHIP_OFFICER, areas.town_a),
        cadre_a1=make_user("cadre_a1", Role.VILLAGE_CADRE, areas.village_a1),
        cadre_a2=make_user("cadre_a2", Role.VILLAGE_CADRE, areas.village_a2),
        cadre_b1=make_user("cadre_b1", Role.VILLAGE_CADRE, areas.village_b1),
        team_a1=make_user("team_a1", Role.WORK_TEAM, areas.village_a1),
        auditor=make_user("auditor", Role.AUDITOR, areas.county),
        department=make_user("dept", Role.DEPARTMENT_OFFICER, areas.county, department=dept),
        nobody=make_user("nobody"),
        superuser=make_user("root", superuser=True),
    )


# --- the ``fupin`` command ----------------------------------------------------------------------------

CHECKOUT = Path(__file__).resolve().parents[2]  # the checkout under test
# The `fupin` console script installed beside the interpreter running the tests (an editable install of
# the checkout: `make install`).
FUPIN = str(Path(sys.executable).with_name("fupin"))
# Variables the settings read: a process started by a test gets what the test sets and nothing of the
# runner's (DJANGO_ALLOW_ASYNC_UNSAFE is set by the test conftest; check --deploy rightly warns about it).
SETTINGS_VARIABLES = ("DATABASE_URL", "FUPIN_PROFILE", "SECRET_KEY", "SECRET_KEY_FILE", "FUPIN_KEY_FILE", "DEBUG",
                      "ALLOWED_HOSTS", "FUPIN_UMASK",
                      "FUPIN_TEST_SQLITE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD",
                      "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE")


@dataclass(frozen=True)
class CliRun:
    returncode: int
    stdout: str
    stderr: str


def process_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a process started by a test: the runner's without the settings variables, its
    var/ directory (so its default SQLite database) in ``var_dir``, and ``extra``."""
    environ = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    environ.update({"FUPIN_VAR_DIR": str(var_dir), **extra})
    return environ


def fupin_process(env: dict[str, str], *args: str, timeout: float = 600) -> CliRun:
    """``fupin ARGS`` in a process of its own: the installed console script, run from the checkout."""
    done = subprocess.run([FUPIN, *args], cwd=CHECKOUT, env=env, capture_output=True, text=True, timeout=timeout,  # noqa: S603
                          check=False)
    return CliRun(done.returncode, done.stdout, done.stderr)


def fupin_main(*args: str) -> CliRun:
    """``fupin ARGS`` in this process, through the console script's own function (``fupin.cli.main``), on the
    test database: the exit status it returns and what it printed.

    Only on the in-memory SQLite test database, which Django keeps open when a command closes every
    connection at its end (``run_from_argv``); on PostgreSQL that close would end the test's transaction. A
    test using it is engine-independent by construction: mark it ``engine_independent`` (docs/testing.md).
    """
    connection = connections["default"]
    if not (isinstance(connection, SQLiteWrapper) and connection.is_in_memory_db()):
        raise RuntimeError("fupin_main runs on the in-memory SQLite test database only: mark the test "
                           "engine_independent (see docs/testing.md)")
    out, err = io.StringIO(), io.StringIO()
    try:
        with redirect_stdout(out), redirect_stderr(err):
            returncode = fupin_cli_main(list(args))
    finally:
        # The command set logging up again (django.setup()) with its handler on the captured stderr.
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    return CliRun(returncode, out.getvalue(), err.getvalue())


# --- data built once per test module (the ``module_db`` fixture in fupin/conftest.py) -----------------

T = TypeVar("T")


@dataclass(frozen=True)
class ModuleDB:
    """What ``module_db`` gives a test module: its media folder and a way to build its shared rows."""

    media: Path  # MEDIA_ROOT (and the default storage) for the whole module
    blocker: Any  # pytest-django's database blocker

    def build(self, make: Callable[[], T]) -> T:
        """Run ``make`` with database access, inside the module's transaction, in Chinese."""
        with self.blocker.unblock(), translation.override(settings.LANGUAGE_CODE):
            cache.clear()
            return make()


# --- the demo county shared by the tests that read it (the ``demo_county`` fixture in fupin/conftest.py) --

DEMO_HOUSEHOLDS = 300
DEMO_SEED = 7


def seed_demo_county() -> None:
    """What ``fupin seed-reference`` and then ``fupin seed-demo`` make: the district's reference data and a
    demo county of ``DEMO_HOUSEHOLDS`` households from ``DEMO_SEED``."""
    from fupin.site.demo import seed_demo
    from fupin.site.reference import seed_reference

    seed_reference()
    seed_demo(households=DEMO_HOUSEHOLDS, seed=DEMO_SEED)


# --- test databases for parallel workers: migrated once, copied per worker -----------------------------
# Under pytest-xdist each worker needs its own test database. Migrating each one costs as much as the
# first, so the first worker to get there migrates a template once per test run (under a file lock in
# the run's shared temporary folder) and every worker copies it: PostgreSQL with CREATE DATABASE ...
# TEMPLATE, SQLite with SQLite's backup API (into the worker's in-memory database).


@contextmanager
def _file_lock(path: Path, *, wait: bool = True) -> Iterator[bool]:
    """Hold an exclusive lock on ``path``; with ``wait=False``, yield False at once if another holds it."""
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _template_exists(connection: Any, template: str) -> bool:
    if connection.vendor == "sqlite":
        return Path(template).exists()
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
        return cursor.fetchone() is not None


def _migrate_template(connection: Any, template: str, verbosity: int) -> None:
    """Create and migrate ``template`` with Django's own test-database creation, then let it go."""
    original_name, test_settings = connection.settings_dict["NAME"], connection.settings_dict["TEST"]
    test_name = test_settings.get("NAME")
    test_settings["NAME"] = template
    try:
        connection.creation.create_test_db(verbosity=verbosity, autoclobber=True, serialize=False)
    finally:
        connection.close()
        test_settings["NAME"] = test_name
        connection.settings_dict["NAME"] = original_name
        settings.DATABASES[connection.alias]["NAME"] = original_name


def _copy_template(connection: Any, template: str, worker: str, verbosity: int) -> None:
    """Give ``connection`` its worker's test database, a copy of ``template``."""
    if connection.vendor == "sqlite":
        test_name = connection.creation._get_test_db_name()
        if not connection.creation.is_in_memory_db(test_name):
            Path(test_name).unlink(missing_ok=True)
        connection.close()
    else:
        connection.settings_dict["NAME"] = template
        connection.creation._clone_test_db(worker, verbosity)  # creates f"{template}_{worker}"
        test_name = connection.creation.get_test_db_clone_settings(worker)["NAME"]
    connection.settings_dict["NAME"] = test_name
    settings.DATABASES[connection.alias]["NAME"] = test_name
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        source = sqlite3.connect(f"file:{template}?mode=ro", uri=True)
        try:
            source.backup(connection.connection)
        finally:
            source.close()


@dataclass
class WorkerDatabase:
    connection: Any
    old_name: str  # the configured NAME, restored at the end
    template: str  # PostgreSQL: a database; SQLite: a file
    lock: Path


def setup_worker_databases(worker: str, shared: Path, verbosity: int) -> list[WorkerDatabase]:
    """The test databases of xdist worker ``worker``, copied from templates migrated once per run in the
    folder ``shared`` (the run's temporary folder, common to its workers)."""
    from django.db import connections

    made = []
    connection: Any
    for connection in connections.all():
        if connection.vendor == "sqlite":
            template = str(shared / f"test-template-{connection.alias}.sqlite3")
        elif connection.vendor == "postgresql":
            template = connection.creation._get_test_db_name().removesuffix(f"_{worker}")
        else:
            raise ImproperlyConfigured(f"测试只支持 SQLite 与 PostgreSQL / the tests run on SQLite and PostgreSQL, not {connection.vendor}")
        made.append(WorkerDatabase(connection, connection.settings_dict["NAME"], template,
                                   shared / f"test-template-{connection.alias}.lock"))
        built = shared / f"test-template-{connection.alias}.built"  # migrated during this run
        with _file_lock(made[-1].lock):
            if not (built.exists() and _template_exists(connection, template)):
                _migrate_template(connection, template, verbosity)
                built.touch()
            _copy_template(connection, template, worker, verbosity)
    return made


def teardown_worker_databases(made: list[WorkerDatabase], verbosity: int) -> None:
    """Drop the worker's databases and the PostgreSQL template: the first worker to end drops it, and one
    that finds the lock held leaves it to the holder (a worker copying later migrated it again and drops
    it when it ends). A SQLite template is a file in the run's temporary folder."""
    for db in made:
        db.connection.creation.destroy_test_db(db.old_name, verbosity)
        if db.connection.vendor != "postgresql":
            continue
        with _file_lock(db.lock, wait=False) as held:
            if held:
                with db.connection.creation._nodb_cursor() as cursor:
                    cursor.execute(f"DROP DATABASE IF EXISTS {db.connection.ops.quote_name(db.template)}")


# --- the public forms' CAPTCHA ------------------------------------------------------------------------------

_CAPTCHA_KEY = re.compile(r'name="captcha_0" value="([0-9a-f]{40})"')


def captcha_answer(page: str) -> dict[str, str]:
    """The CAPTCHA ``page`` shows, answered as a person reading its image would: the form fields of the answer.

    The image's text is read from the store behind it (a test cannot read the picture)."""
    from captcha.models import CaptchaStore

    found = _CAPTCHA_KEY.search(page)
    if found is None:
        raise AssertionError("the page shows no CAPTCHA")
    key = found.group(1)
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).challenge}
