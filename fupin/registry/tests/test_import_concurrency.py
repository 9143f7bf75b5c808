"""Two imports at once never crash: the second waits for the first (then checks its file against what the first
wrote), or, past ``FUPIN_IMPORT_WAIT_SECONDS``, is refused with "another import is running", nothing written.

In this process on PostgreSQL (threads, each with its own connection; the lock is an advisory lock). SQLite's
lock is its database's write lock, which the in-memory test database does not share between connections as a
file does: there, test_import_cli.py runs `fupin import-registry` processes on a SQLite file (and on a
PostgreSQL database of their own), with the exit status 3 of a refused run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection, connections, transaction

from fupin.core.imports.lock import IMPORT_LOCK, STAGE_WAIT, ImportBusy
from fupin.core.jobs import job_create
from fupin.core.models import AuditEntry, JobRun
from fupin.core.testing import build_areas
from fupin.registry.importing import registry_import
from fupin.registry.models import Household, IncomeRecord, Member
from fupin.registry.tests.import_files import Registry, write_csv_set

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="threads share no SQLite write lock in the in-memory test database")


def counts() -> tuple[int, int, int, int]:
    """Households, members, incomes, and the imports' audit entries."""
    return (Household.objects.count(), Member.objects.count(), IncomeRecord.objects.count(),
            AuditEntry.objects.filter(action="import").count())


@contextmanager
def lock_held_by_another_import(seconds: float | None = None) -> Iterator[None]:
    """Another connection holds the import lock, as an import writing does, until the block ends (or, with
    ``seconds``, until that long after it started, while the block goes on)."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
                held.set()
                release.wait(seconds if seconds is not None else 60)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(30)
    try:
        yield
    finally:
        release.set()
        holder.join(30)


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return build_areas()


def test_an_import_waits_for_the_one_writing_then_imports(world, settings, tmp_path):
    settings.FUPIN_IMPORT_WAIT_SECONDS = 60
    paths = write_csv_set(tmp_path, Registry(3))
    stages: list[str] = []
    started = time.monotonic()
    with lock_held_by_another_import(seconds=3):
        result = registry_import(paths, actor=None, progress=lambda done, total, stage: stages.append(stage))
    assert time.monotonic() - started >= 3
    assert result.written and result.counts["households_created"] == 3
    assert STAGE_WAIT in stages and stages[-1] == "完成 / done"
    assert counts() == (3, 6, 3, 1)


def test_an_import_that_waited_too_long_is_refused_and_writes_nothing(world, settings, tmp_path):
    settings.FUPIN_IMPORT_WAIT_SECONDS = 1
    paths = write_csv_set(tmp_path, Registry(3))
    with lock_held_by_another_import(), pytest.raises(ImportBusy) as refused:
        registry_import(paths, actor=None)
    assert refused.value.code == "IMPORT_BUSY" and refused.value.status == 409
    assert refused.value.message.startswith("另一个导入正在进行")
    assert "another import is running" in refused.value.message and "nothing was written" in refused.value.message
    assert counts() == (0, 0, 0, 0)


def test_two_imports_of_the_same_file_at_once_create_its_rows_once(world, settings, tmp_path):
    settings.FUPIN_IMPORT_WAIT_SECONDS = 60
    paths = write_csv_set(tmp_path, Registry(20))
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []

    def run() -> None:
        try:
            barrier.wait()
            outcomes.append(registry_import(paths, actor=None).counts)
        except Exception as exc:  # whatever it was, the assertion shows it
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    created = sorted((c["households_created"], c["households_unchanged"], c["members_unchanged"])
                     for c in outcomes if isinstance(c, dict))
    # The second waited for the first and found its rows: nothing duplicated, nothing written twice.
    assert created == [(0, 20, 40), (20, 0, 0)], outcomes
    assert counts() == (20, 40, 20, 1)


def test_the_upload_job_of_a_refused_import_fails_with_the_message_and_can_be_retried(world, settings, tmp_path,
                                                                                    django_capture_on_commit_callbacks):
    settings.FUPIN_IMPORT_WAIT_SECONDS = 1
    paths = write_csv_set(tmp_path, Registry(2))
    params = {"paths": [str(p) for p in paths], "names": [p.name for p in paths], "dry_run": False,
              "valid_only": False}
    with lock_held_by_another_import(), django_capture_on_commit_callbacks(execute=True):
        job = job_create(kind="registry.import", title="导入", params=params)
    job.refresh_from_db()
    assert job.status == JobRun.Status.FAILED and job.retryable
    assert "another import is running" in job.message and "database is locked" not in job.message
    assert counts()[:3] == (0, 0, 0)
