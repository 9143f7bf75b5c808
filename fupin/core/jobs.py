"""Background jobs with progress and a heartbeat.

A job is a ``JobRun`` row plus a Django task (``fupin.core.tasks.run_job``) that calls the
handler registered for the job's kind. Handlers report progress through a :class:`JobReporter`,
which also beats the heartbeat; pages poll the row, so they show progress without a live
connection to the worker. A worker killed mid-job leaves its row "running" with an old heartbeat:
:func:`job_sweep_stale` marks such rows failed and retryable.

A handler that works inside one long transaction (the registry import writes everything in one) cannot
make its progress visible through the row: other connections see the row only at the commit, and on
SQLite a second connection could not write it at all. Inside a transaction the reporter therefore
publishes progress and heartbeat to the cache (a file cache under ``var/``, or Redis when configured),
and :func:`job_live` lays that over the row for the pages and the sweeper. So does the job of a second
connection on SQLite while another one holds the write lock (another import writing: the job waits for
it, fupin.core.imports.lock): its progress goes to the cache until the row can be written again, rather
than the job failing with "database is locked".
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from fupin.core.errors import DomainError
from fupin.core.models import JobRun

if TYPE_CHECKING:
    from fupin.accounts.models import User  # a type only: accounts is on a floor above

JobHandler = Callable[[JobRun, "JobReporter"], dict[str, Any]]
_HANDLERS: dict[str, JobHandler] = {}

JOB_NOT_RETRYABLE = "该任务不能重试 / this job cannot be retried"


def register_job(kind: str) -> Callable[[JobHandler], JobHandler]:
    def decorator(fn: JobHandler) -> JobHandler:
        _HANDLERS[kind] = fn
        return fn
    return decorator


class JobReporter:
    """Writes progress to the job row, at most once a second, always with a heartbeat."""

    def __init__(self, job: JobRun, *, min_interval: float = 1.0) -> None:
        self.job = job
        self.min_interval = min_interval
        self._last = timezone.now() - timedelta(seconds=min_interval)
        # Transactions already open when the job started (a test's) are not the handler's own.
        self._depth = len(connection.atomic_blocks)
        self._row_busy_until = self._last

    def set_total(self, total: int) -> None:
        self.job.total = total
        self._write(force=True)

    def advance(self, n: int = 1, message: str | None = None) -> None:
        self.job.done = min(self.job.done + n, self.job.total or self.job.done + n)
        if message is not None:
            self.job.message = message
        self._write()

    def beat(self) -> None:
        self._write()

    def progress(self, done: int, total: int, stage: str) -> None:
        """A ``(done, total, stage)`` progress callback (an import's, a county run's): a new stage or total is
        written at once, so it shows even between heartbeats; the count in between at the usual pace."""
        changed = stage != self.job.message or total != self.job.total
        self.job.message = stage
        self.job.done = min(done, total)
        if changed:
            self.set_total(total)
        else:
            self.beat()

    def _write(self, *, force: bool = False) -> None:
        now = timezone.now()
        if not force and (now - self._last).total_seconds() < self.min_interval:
            return
        self._last = now
        if len(connection.atomic_blocks) > self._depth or now < self._row_busy_until:
            self._publish(now)
            return
        try:
            JobRun.objects.filter(pk=self.job.pk).update(
                total=self.job.total, done=self.job.done, message=self.job.message, heartbeat_at=now
            )
        except OperationalError as exc:
            # SQLite, outside any transaction: another connection holds the write lock for longer than the busy
            # timeout (an import writing). The progress is published instead, and the row left alone for a while.
            if connection.vendor != "sqlite" or connection.in_atomic_block or "locked" not in str(exc):
                raise
            self._row_busy_until = timezone.now() + timedelta(seconds=ROW_BUSY_BACKOFF_SECONDS)
            self._publish(now)

    def _publish(self, now: datetime) -> None:
        cache.set(_live_key(self.job.pk), {"total": self.job.total, "done": self.job.done,
                                           "message": self.job.message, "at": now.timestamp()},
                  timeout=LIVE_PROGRESS_TTL)


# How long published progress is kept: well past the heartbeat limit, so the sweeper can read it.
LIVE_PROGRESS_TTL = 24 * 3600
# After a progress write found the SQLite database locked, how long progress goes to the cache only (each
# try waits for the busy timeout).
ROW_BUSY_BACKOFF_SECONDS = 30


def _live_key(job_id: int) -> str:
    # The database's name is part of the key: installations (and test databases) may share one cache.
    return f"fupin:job:{connection.settings_dict['NAME']}:{job_id}:progress"


def job_live(job: JobRun) -> JobRun:
    """``job`` with the progress its handler published from inside a transaction, when that is newer than
    the row's (in memory only)."""
    if job.status != JobRun.Status.RUNNING:
        return job
    live = cache.get(_live_key(job.pk))
    if live and (job.heartbeat_at is None or live["at"] > job.heartbeat_at.timestamp()):
        job.total, job.message = live["total"], live["message"]
        job.done = min(live["done"], live["total"]) if live["total"] else live["done"]
        job.heartbeat_at = datetime.fromtimestamp(live["at"], tz=UTC)
    return job


def job_create(*, kind: str, title: str, actor: User | None = None, params: dict[str, Any] | None = None) -> JobRun:
    if kind not in _HANDLERS:
        raise DomainError(f"未知的任务类型 {kind} / unknown job kind {kind}", code="UNKNOWN_JOB")
    user = actor if getattr(actor, "is_authenticated", False) else None
    job = JobRun.objects.create(kind=kind, title=title, created_by=user, params=params or {})
    _enqueue_on_commit(job)
    return job


def _enqueue_on_commit(job: JobRun) -> None:
    from fupin.core.tasks import run_job

    job_id = job.pk
    transaction.on_commit(lambda: run_job.enqueue(job_id))


def job_execute(job_id: int) -> None:
    """Run a queued job in this process: claim it, call its handler, record the outcome."""
    now = timezone.now()
    claimed = JobRun.objects.filter(pk=job_id, status=JobRun.Status.QUEUED).update(
        status=JobRun.Status.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1
    )
    if claimed != 1:
        return
    job = JobRun.objects.get(pk=job_id)
    reporter = JobReporter(job)
    try:
        result = _HANDLERS[job.kind](job, reporter)
    except Exception as exc:  # the job row must say what went wrong, whatever it was
        retryable = exc.retryable if isinstance(exc, DomainError) else True
        message = exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
        JobRun.objects.filter(pk=job_id).update(
            status=JobRun.Status.FAILED, finished_at=timezone.now(), message=message,
            retryable=retryable, result={"traceback": traceback.format_exc()[-4000:]},
        )
        return
    JobRun.objects.filter(pk=job_id).update(
        status=JobRun.Status.SUCCEEDED, finished_at=timezone.now(), heartbeat_at=timezone.now(),
        done=F("total"), result=result,
    )


def job_sweep_stale(*, now: Any = None) -> int:
    """Mark running jobs whose worker stopped beating as failed and retryable."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.JOB_HEARTBEAT_STALE_SECONDS)
    quiet = JobRun.objects.filter(status=JobRun.Status.RUNNING, heartbeat_at__lt=cutoff)
    # A job beating from inside a long transaction beats through the cache (few rows: jobs, not data).
    stale = [job.pk for job in quiet if job_live(job).heartbeat_at is None or job.heartbeat_at < cutoff]
    return JobRun.objects.filter(pk__in=stale, status=JobRun.Status.RUNNING, heartbeat_at__lt=cutoff).update(
        status=JobRun.Status.FAILED, finished_at=now, retryable=True,
        message="任务进程已停止响应，可重试 / the worker stopped responding; the job can be retried",
    )


@transaction.atomic
def job_retry(job: JobRun) -> JobRun:
    updated = JobRun.objects.filter(pk=job.pk, status=JobRun.Status.FAILED, retryable=True).update(
        status=JobRun.Status.QUEUED, done=0, message="", finished_at=None, retryable=False
    )
    if updated != 1:
        raise DomainError(JOB_NOT_RETRYABLE, code="JOB_NOT_RETRYABLE")
    job.refresh_from_db()
    _enqueue_on_commit(job)
    return job


def _media_file(name: Any) -> Path | None:
    """``name`` (absolute, or relative to MEDIA_ROOT) as a path inside MEDIA_ROOT; None for anything else."""
    if not isinstance(name, str) or not name:
        return None
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / name).resolve()
    return path if path.is_relative_to(root) and path != root else None


def job_files_purge(*, now: Any = None, keep_days: int | None = None) -> int:
    """Delete the files of jobs finished more than ``keep_days`` (JOB_FILES_KEEP_DAYS) ago: the uploads the job
    read (``params.paths``) and the files it wrote (``result.report``, ``result.file``), all under MEDIA_ROOT;
    folders left empty go too. The job rows stay, marked ``files_purged``. Returns the number of files deleted."""
    now = now or timezone.now()
    keep = settings.JOB_FILES_KEEP_DAYS if keep_days is None else keep_days
    finished = JobRun.objects.filter(status__in=(JobRun.Status.SUCCEEDED, JobRun.Status.FAILED),
                                     finished_at__lt=now - timedelta(days=keep))
    deleted = 0
    for job in finished.exclude(result__has_key="files_purged"):
        names = [*(job.params or {}).get("paths", []), (job.result or {}).get("report"), (job.result or {}).get("file")]
        for path in filter(None, map(_media_file, names)):
            if path.is_file():
                path.unlink()
                deleted += 1
            folder = path.parent
            root = Path(settings.MEDIA_ROOT).resolve()
            while folder != root and folder.is_relative_to(root) and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
                folder = folder.parent
        result = dict(job.result) if isinstance(job.result, dict) else {"value": job.result}
        result["files_purged"] = now.isoformat()
        JobRun.objects.filter(pk=job.pk).update(result=result)
    return deleted
