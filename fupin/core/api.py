"""Audit log and job endpoints."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from fupin.core import selectors
from fupin.core.actors import acting_user
from fupin.core.api_types import Id, Limit, Moment, Text
from fupin.core.filters import AuditFilter

router = Router(tags=["audit and jobs"])


class AuditEntryOut(Schema):
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    object_label: str
    changes: dict[str, object]


class JobStartedOut(Schema):
    """A background job just started: poll /api/v1/audit/jobs/{job_id}."""

    job_id: int
    status: str


class JobOut(Schema):
    id: int
    kind: str
    title: str
    status: str
    total: int
    done: int
    percent: int
    message: str
    retryable: bool


@router.get("/entries", response=list[AuditEntryOut])
def audit_entry_list(request: HttpRequest, user: Text = "", object_type: Text = "", object_id: Text = "",
                     since: Moment | None = None, until: Moment | None = None, limit: Limit = 100
                     ) -> list[AuditEntryOut]:
    data = {"user": user, "object_type": object_type, "object_id": object_id, "since": since, "until": until}
    entries = AuditFilter(data, queryset=selectors.audit_entry_list(request.user)).qs
    return [AuditEntryOut(seq=e.seq, at=e.at, actor=e.actor_label, action=e.action, object_type=e.object_type,
                          object_id=e.object_id, object_label=e.object_label, changes=e.changes)
            for e in entries[:limit]]


@router.get("/jobs/{job_id}", response=JobOut)
def job_detail(request: HttpRequest, job_id: Id) -> JobOut:
    job = selectors.job_get(acting_user(request), job_id)
    return JobOut(id=job.pk, kind=job.kind, title=job.title, status=job.status, total=job.total, done=job.done,
                  percent=job.percent, message=job.message, retryable=job.retryable)
