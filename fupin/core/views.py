"""The audit log for auditors, and the job pages with their progress indicator."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from fupin.core import selectors
from fupin.core.actors import acting_user
from fupin.core.errors import DomainError
from fupin.core.filters import AuditFilter
from fupin.core.jobs import job_create, job_retry, job_sweep_stale

AUDIT_VIEW = selectors.AUDIT_VIEW


def audit_log(request: HttpRequest) -> HttpResponse:
    p = request.GET
    entries = AuditFilter(p, queryset=selectors.audit_entry_list(request.user)).qs
    page = Paginator(entries, 50).get_page(p.get("page"))
    return render(request, "core/audit_log.html", {"page": page, "params": p})


@require_POST
def audit_verify_start(request: HttpRequest) -> HttpResponse:
    selectors.audit_entry_list(request.user)  # the same permission as reading the log
    job = job_create(kind="audit.verify", title="校验审计链 / verify the audit chain", actor=acting_user(request))
    return redirect("core:job-detail", pk=job.pk)


def job_list(request: HttpRequest) -> HttpResponse:
    job_sweep_stale()
    page = Paginator(selectors.job_list(acting_user(request)), 25).get_page(request.GET.get("page"))
    return render(request, "core/job_list.html", {"page": page})


def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job_sweep_stale()
    job = selectors.job_get(acting_user(request), pk)
    template = "core/_job_progress.html" if request.headers.get("HX-Request") else "core/job_detail.html"
    return render(request, template, {"job": job})


@require_POST
def job_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    job_sweep_stale()
    job = selectors.job_get(acting_user(request), pk)
    try:
        job_retry(job)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("core:job-detail", pk=job.pk)
