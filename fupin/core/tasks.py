"""Thin task wrappers (CONVENTIONS section 7)."""

from __future__ import annotations

from django_tasks import task

from fupin.core.jobs import job_execute


@task()
def run_job(job_id: int) -> None:
    job_execute(job_id)
