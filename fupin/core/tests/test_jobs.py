"""Background jobs: running, failing, sweeping dead workers, retrying, and the progress page."""

from __future__ import annotations

import threading
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from fupin.core.audit import Action, audit_record
from fupin.core.errors import DomainError
from fupin.core.jobs import (
    JobReporter,
    job_create,
    job_files_purge,
    job_live,
    job_retry,
    job_sweep_stale,
    register_job,
)
from fupin.core.models import JobRun
from fupin.core.selectors import job_get


@register_job("test.explode")
def _explode(job, reporter):
    raise RuntimeError("炸了 / boom")


@register_job("test.refuse")
def _refuse(job, reporter):
    raise DomainError("数据不全 / data incomplete", code="INCOMPLETE")


def _run(kind: str, capture, actor=None) -> JobRun:
    with capture(execute=True):
        job = job_create(kind=kind, title=f"测试 {kind}", actor=actor)
    job.refresh_from_db()
    return job


def _running(heartbeat_age: float, **fields) -> JobRun:
    now = timezone.now()
    return JobRun.objects.create(kind="audit.verify", title="运行中", status=JobRun.Status.RUNNING,
                                 attempts=1, started_at=now, heartbeat_at=now - timedelta(seconds=heartbeat_age), **fields)


class TestRunning:
    def test_it_runs_the_audit_verify_job_to_success(self, db, django_capture_on_commit_callbacks):
        for i in range(3):
            audit_record(actor=None, action=Action.UPDATE, object_type="test.thing", object_id=str(i))
        job = _run("audit.verify", django_capture_on_commit_callbacks)
        assert job.status == JobRun.Status.SUCCEEDED
        assert job.result["ok"] is True and job.result["checked"] == 3
        assert (job.total, job.done, job.percent, job.attempts) == (3, 3, 100, 1)

    def test_it_does_not_run_before_the_transaction_commits(self, db, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            job = job_create(kind="audit.verify", title="排队")
        assert len(callbacks) == 1
        job.refresh_from_db()
        assert job.status == JobRun.Status.QUEUED

    def test_it_records_a_crashing_handler_as_failed_and_retryable(self, db, django_capture_on_commit_callbacks):
        job = _run("test.explode", django_capture_on_commit_callbacks)
        assert job.status == JobRun.Status.FAILED
        assert job.message == "RuntimeError: 炸了 / boom"
        assert job.retryable is True
        assert "RuntimeError" in job.result["traceback"]

    def test_it_records_a_domain_refusal_as_failed_and_final(self, db, django_capture_on_commit_callbacks):
        job = _run("test.refuse", django_capture_on_commit_callbacks)
        assert job.status == JobRun.Status.FAILED
        assert job.message == "数据不全 / data incomplete"
        assert job.retryable is False

    def test_it_refuses_an_unknown_kind(self, db):
        with pytest.raises(DomainError) as exc:
            job_create(kind="no.such.kind", title="x")
        assert exc.value.code == "UNKNOWN_JOB"
        assert not JobRun.objects.exists()


class TestSweepAndRetry:
    def test_it_sweeps_a_job_whose_heartbeat_stopped(self, db):
        stale = _running(settings.JOB_HEARTBEAT_STALE_SECONDS + 5)
        fresh = _running(1)
        assert job_sweep_stale() == 1
        stale.refresh_from_db()
        fresh.refresh_from_db()
        assert stale.status == JobRun.Status.FAILED and stale.retryable and stale.finished_at
        assert fresh.status == JobRun.Status.RUNNING and not fresh.retryable

    def test_it_sweeps_once_time_has_passed(self, db, time_machine):
        job = _running(0)
        time_machine.move_to(timezone.now() + timedelta(seconds=settings.JOB_HEARTBEAT_STALE_SECONDS - 10))
        assert job_sweep_stale() == 0
        time_machine.move_to(timezone.now() + timedelta(seconds=20))
        assert job_sweep_stale() == 1
        job.refresh_from_db()
        assert job.status == JobRun.Status.FAILED

    def test_it_retries_a_retryable_job(self, db, django_capture_on_commit_callbacks):
        job = _running(settings.JOB_HEARTBEAT_STALE_SECONDS + 5)
        job_sweep_stale()
        job.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            job_retry(job)
        job.refresh_from_db()
        assert job.status == JobRun.Status.SUCCEEDED
        assert job.attempts == 2 and not job.retryable

    def test_it_refuses_to_retry_a_final_failure(self, db, django_capture_on_commit_callbacks):
        job = _run("test.refuse", django_capture_on_commit_callbacks)
        with pytest.raises(DomainError) as exc:
            job_retry(job)
        assert exc.value.code == "JOB_NOT_RETRYABLE"
        job.refresh_from_db()
        assert job.status == JobRun.Status.FAILED

    def test_it_refuses_to_retry_a_succeeded_job(self, db, django_capture_on_commit_callbacks):
        job = _run("audit.verify", django_capture_on_commit_callbacks)
        with pytest.raises(DomainError):
            job_retry(job)


class TestJobPage:
    def test_it_shows_a_job_to_its_creator_and_audit_viewers_only(self, client, personas):
        job = _running(1, created_by=personas.cadre_a1)
        for persona, status in (("cadre_a1", 200), ("auditor", 200), ("admin", 200), ("cadre_a2", 404),
                                ("township_a", 404), ("nobody", 404)):
            client.force_login(getattr(personas, persona))
            assert client.get(f"/system/jobs/{job.pk}/").status_code == status, persona

    def test_it_lists_only_the_user_s_own_jobs(self, client, personas):
        _running(1, created_by=personas.cadre_a1)
        other = _running(1, created_by=personas.cadre_a2)
        client.force_login(personas.cadre_a1)
        jobs = list(client.get("/system/jobs/").context["page"].object_list)
        assert jobs and other not in jobs

    def test_it_polls_the_partial_while_running(self, client, personas):
        job = _running(1, created_by=personas.cadre_a1, total=10, done=4)
        client.force_login(personas.cadre_a1)
        html = client.get(f"/system/jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
        assert 'hx-trigger="every 1s"' in html
        assert "<html" not in html and 'data-status="running"' in html
        assert "40%" in html

    def test_it_stops_polling_once_finished(self, client, personas, django_capture_on_commit_callbacks):
        job = _run("audit.verify", django_capture_on_commit_callbacks, actor=personas.cadre_a1)
        client.force_login(personas.cadre_a1)
        html = client.get(f"/system/jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
        assert "hx-trigger" not in html and 'data-status="succeeded"' in html
        assert 'data-testid="job-result"' in html

    def test_it_renders_the_full_page_without_htmx(self, client, personas):
        job = _running(1, created_by=personas.cadre_a1)
        client.force_login(personas.cadre_a1)
        html = client.get(f"/system/jobs/{job.pk}/").content.decode()
        assert "<html" in html and 'hx-trigger="every 1s"' in html

    def test_it_offers_and_performs_a_retry_after_the_sweep(self, client, personas):
        job = _running(settings.JOB_HEARTBEAT_STALE_SECONDS + 5, created_by=personas.cadre_a1)
        client.force_login(personas.cadre_a1)
        page = client.get(f"/system/jobs/{job.pk}/").content.decode()
        assert 'data-status="failed"' in page and f"/system/jobs/{job.pk}/retry/" in page
        response = client.post(f"/system/jobs/{job.pk}/retry/")
        assert response.status_code == 302 and response["Location"] == f"/system/jobs/{job.pk}/"
        job.refresh_from_db()
        assert job.status == JobRun.Status.QUEUED

    def test_it_explains_a_refused_retry(self, client, personas):
        job = _running(1, created_by=personas.cadre_a1)
        client.force_login(personas.cadre_a1)
        response = client.post(f"/system/jobs/{job.pk}/retry/", follow=True)
        assert "该任务不能重试" in response.content.decode()
        job.refresh_from_db()
        assert job.status == JobRun.Status.RUNNING


class TestJobApi:
    def test_it_returns_progress_fields(self, client, personas):
        job = _running(1, created_by=personas.cadre_a1, total=10, done=4, message="第 4 条")
        client.force_login(personas.cadre_a1)
        response = client.get(f"/api/v1/audit/jobs/{job.pk}")
        assert response.status_code == 200
        assert response.json() == {"id": job.pk, "kind": "audit.verify", "title": "运行中", "status": "running",
                                   "total": 10, "done": 4, "percent": 40, "message": "第 4 条",
                                   "retryable": False}

    def test_it_hides_another_user_s_job(self, client, personas):
        job = _running(1, created_by=personas.cadre_a2)
        client.force_login(personas.cadre_a1)
        response = client.get(f"/api/v1/audit/jobs/{job.pk}")
        assert response.status_code == 404 and response.json()["code"] == "NOT_FOUND"


class TestProgressFromInsideATransaction:
    """A handler writing in one long transaction (the registry import) reports through the cache: the row's
    update would be seen by other connections only at the commit."""

    def test_progress_inside_the_handlers_transaction_reaches_the_pages_not_the_row(self, db, personas, client):
        job = _running(30, created_by=personas.admin)
        reporter = JobReporter(job, min_interval=0)
        with transaction.atomic():
            reporter.set_total(200)
            reporter.advance(50, message="写入数据库 / writing")
            row = JobRun.objects.values("total", "done", "message").get(pk=job.pk)
            assert row == {"total": 0, "done": 0, "message": ""}  # nothing written to the row itself
            seen = job_get(personas.admin, job.pk)
            assert (seen.total, seen.done, seen.percent, seen.message) == (200, 50, 25, "写入数据库 / writing")
            client.force_login(personas.admin)
            page = client.get(f"/system/jobs/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
            assert "50 / 200" in page and "写入数据库 / writing" in page

    def test_outside_a_transaction_progress_goes_to_the_row(self, db):
        job = _running(30)
        reporter = JobReporter(job, min_interval=0)
        reporter.set_total(10)
        reporter.advance(4)
        assert JobRun.objects.values_list("total", "done").get(pk=job.pk) == (10, 4)

    def test_a_job_beating_from_inside_its_transaction_is_not_swept(self, db):
        beating = _running(settings.JOB_HEARTBEAT_STALE_SECONDS + 5)
        silent = _running(settings.JOB_HEARTBEAT_STALE_SECONDS + 5)
        reporter = JobReporter(beating, min_interval=0)
        with transaction.atomic():
            reporter.beat()
        assert job_sweep_stale() == 1
        assert JobRun.objects.get(pk=beating.pk).status == JobRun.Status.RUNNING
        assert JobRun.objects.get(pk=silent.pk).status == JobRun.Status.FAILED

    @pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's one writer: elsewhere the row is written")
    def test_progress_while_another_connection_holds_sqlite_s_write_lock_goes_to_the_cache(self, transactional_db):
        """Another import writing holds the write lock for its whole transaction: the job of an import waiting
        for it (or still reading its file) must not die of "database is locked" on a progress write."""
        job = _running(30)
        reporter = JobReporter(job, min_interval=0)
        held, release = threading.Event(), threading.Event()

        def hold() -> None:
            try:
                with transaction.atomic():  # BEGIN IMMEDIATE: the write lock, as an import writing holds it
                    held.set()
                    release.wait(30)
            finally:
                connections.close_all()

        holder = threading.Thread(target=hold)
        holder.start()
        try:
            assert held.wait(10)
            reporter.progress(3, 10, "读取文件 / reading")
        finally:
            release.set()
            holder.join(30)
        assert JobRun.objects.values_list("total", "message").get(pk=job.pk) == (0, "")
        assert (job_live(JobRun.objects.get(pk=job.pk)).message, job.total) == ("读取文件 / reading", 10)

    def test_a_finished_job_shows_its_row_not_stale_live_progress(self, db, personas):
        job = _running(30, created_by=personas.admin)
        reporter = JobReporter(job, min_interval=0)
        with transaction.atomic():
            reporter.set_total(9)
            reporter.advance(3)
        JobRun.objects.filter(pk=job.pk).update(status=JobRun.Status.SUCCEEDED, total=7, done=7)
        assert job_get(personas.admin, job.pk).done == 7


class TestFilesPurge:
    def _finished(self, media, name: str, days_ago: int) -> tuple[JobRun, list[Path]]:
        upload = media / "uploads" / name / "1-户.csv"
        report = media / "imports" / f"{name}-problems.xlsx"
        for path in (upload, report):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"personal data")
        job = JobRun.objects.create(kind="registry.import", title=name, status=JobRun.Status.SUCCEEDED,
                                    finished_at=timezone.now() - timedelta(days=days_ago),
                                    params={"paths": [str(upload)]},
                                    result={"report": str(report.relative_to(media)), "problems": 1})
        return job, [upload, report]

    def test_it_deletes_the_files_of_old_jobs_only_and_keeps_the_rows(self, db, settings, tmp_path):
        media = tmp_path / "media"
        settings.MEDIA_ROOT = media
        settings.JOB_FILES_KEEP_DAYS = 14
        outside = tmp_path / "elsewhere.csv"
        outside.write_bytes(b"not ours")
        old, old_files = self._finished(media, "old", 15)
        JobRun.objects.filter(pk=old.pk).update(params={"paths": [str(old_files[0]), str(outside), "../etc"]})
        _, recent_files = self._finished(media, "recent", 13)

        assert job_files_purge() == 2
        assert not any(p.exists() for p in old_files) and not (media / "uploads" / "old").exists()
        assert all(p.exists() for p in recent_files) and outside.exists()
        old.refresh_from_db()
        assert old.result["problems"] == 1 and "files_purged" in old.result
        assert job_files_purge() == 0  # done once

    def test_the_sweep_command_reports_both_sweeps(self, db, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        self._finished(tmp_path, "old", 30)
        out = StringIO()
        call_command("sweep_jobs", stdout=out)
        assert "marked 0 stale jobs" in out.getvalue() and "deleted 2 job files older than 14 days" in out.getvalue()
