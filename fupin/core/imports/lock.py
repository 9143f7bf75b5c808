"""One import at a time per installation: the transaction an import writes in.

Two imports writing at once would race on the same rows (PostgreSQL) or block each other for as long as the
first one writes (SQLite has one writer at a time, and a second writer's statements fail with "database is
locked" once the busy timeout is over: a crash, for a county's import). So every import writes inside
:func:`import_transaction`, which first takes the installation's import lock:

- on PostgreSQL a transaction-level advisory lock (:data:`IMPORT_LOCK`), released by the commit or the rollback,
  also when the process dies;
- on SQLite the database's write lock itself: the transaction begins ``IMMEDIATE`` (the settings' transaction
  mode), so once it has begun nothing can stop the import's writes.

An import that finds the lock taken reports it (``on_wait``: the progress bar and the job's stage say "waiting for
another import") and waits for it up to ``FUPIN_IMPORT_WAIT_SECONDS``; then it is refused with
:class:`ImportBusy`, having written nothing (the command line exits with status 3, :mod:`.cli`). The lock is
taken at the start of the transaction, before the import reads the registry's state, so the second import
checks its file against what the first one wrote.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

from django.conf import settings
from django.db import OperationalError, connection, transaction

from fupin.core.errors import ConcurrentChange

IMPORT_LOCK = 0x46555049  # "FUPI"
IMPORT_BUSY = ("另一个导入正在进行，请等它结束后再导入；未写入任何数据 / another import is running: import again when it "
               "has finished; nothing was written")
STAGE_WAIT = "等待另一个导入结束 / waiting for another import to finish"
POLL_SECONDS = 0.25
FIRST_TRY_MS = 500
"""SQLite: how long the first try waits before the import says it is waiting (a page's write takes far less)."""


class ImportBusy(ConcurrentChange):
    """Another import held the installation's import lock for longer than the import may wait."""

    code = "IMPORT_BUSY"
    retryable = True  # the same job, run again once the other import has finished, goes through


@contextmanager
def import_transaction(*, on_wait: Callable[[], None] | None = None, wait: float | None = None) -> Iterator[None]:
    """A transaction holding the installation's import lock, waiting for it up to ``wait`` seconds
    (``FUPIN_IMPORT_WAIT_SECONDS``); raises :class:`ImportBusy` when it is not had by then."""
    seconds = float(settings.FUPIN_IMPORT_WAIT_SECONDS if wait is None else wait)
    if connection.vendor == "postgresql":
        with transaction.atomic():
            _advisory_lock(seconds, on_wait)
            yield
        return
    with _sqlite_transaction(seconds, on_wait):
        yield


def _advisory_lock(seconds: float, on_wait: Callable[[], None] | None) -> None:
    """Try the advisory lock until the deadline: a try never fails, so the transaction stays usable (a wait
    bounded by ``lock_timeout`` would end in an error that aborts it)."""
    deadline = time.monotonic() + seconds
    waited = False
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [IMPORT_LOCK])
            row = cursor.fetchone()
            if row is not None and row[0]:
                return
            if time.monotonic() >= deadline:
                raise ImportBusy(IMPORT_BUSY)
            if not waited and on_wait is not None:
                on_wait()
            waited = True
            time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))


@contextmanager
def _sqlite_transaction(seconds: float, on_wait: Callable[[], None] | None) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` waits for the write lock as long as the connection's busy timeout: a short one for the
    first try, then the import's wait; the usual timeout is restored once the transaction has begun."""
    if connection.in_atomic_block:
        # The caller's transaction (a test's) began IMMEDIATE and holds the write lock already.
        with transaction.atomic():
            yield
        return
    connection.ensure_connection()
    usual = _busy_timeout()
    with ExitStack() as stack:
        try:
            _busy_timeout(FIRST_TRY_MS)
            if not _begin(stack):
                if on_wait is not None:
                    on_wait()
                _busy_timeout(int(seconds * 1000))
                if not _begin(stack):
                    raise ImportBusy(IMPORT_BUSY)
        finally:
            _busy_timeout(usual)
        yield


def _begin(stack: ExitStack) -> bool:
    """Enter a transaction (``BEGIN IMMEDIATE``); False when another connection holds the write lock."""
    try:
        stack.enter_context(transaction.atomic())
    except OperationalError as exc:
        if "locked" not in str(exc):
            raise
        return False
    return True


def _busy_timeout(ms: int | None = None) -> int:
    """The connection's busy timeout in milliseconds, set to ``ms`` first when given."""
    with connection.cursor() as cursor:
        if ms is not None:
            cursor.execute(f"PRAGMA busy_timeout = {int(ms)}")
        cursor.execute("PRAGMA busy_timeout")
        row = cursor.fetchone()
    return int(row[0]) if row else 0
