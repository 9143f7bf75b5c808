"""Reads of the audit log and the job table, with their access rules.

Auditors and district administrators read the audit log (capability ``audit.view``), at the county all
of it, below it the entries of objects in their areas; a user sees the jobs they started, and holders of
``audit.view`` see every job.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from fupin.core.actors import Viewer
from fupin.core.jobs import job_live
from fupin.core.models import AuditEntry, JobRun

if TYPE_CHECKING:
    from fupin.accounts.models import User  # a type only: accounts is on a floor above

AUDIT_VIEW = "audit.view"


def _can(user: Viewer, capability: str) -> bool:
    checker = getattr(user, "can", None)
    return bool(getattr(user, "is_authenticated", False) and checker and checker(capability))


def audit_entry_list(user: Viewer) -> QuerySet[AuditEntry]:
    """The entries ``user`` may read, newest first (filtered by :class:`fupin.core.filters.AuditFilter`)."""
    if not _can(user, AUDIT_VIEW):
        raise PermissionDenied(AUDIT_VIEW)
    qs = AuditEntry.objects.order_by("-seq")
    scope = getattr(user, "area_scope", None)
    paths = tuple(getattr(scope, "paths", ()))
    if not getattr(scope, "everything", False):
        # Below the county an auditor reads the entries of objects in their areas; county-wide entries (policy,
        # imports, sign-ins: no area) are read at the county.
        mine = [Q(area_path__startswith=p) for p in paths]
        if getattr(user, "sees_county_wide", False):
            mine.append(Q(area_path=""))
        qs = qs.filter(reduce(operator.or_, mine)) if mine else qs.none()
    return qs


def job_list(user: User) -> QuerySet[JobRun]:
    qs = JobRun.objects.order_by("-created_at")
    return qs if _can(user, AUDIT_VIEW) else qs.filter(created_by=user)


def job_get(user: User, job_id: int) -> JobRun:
    job = job_list(user).filter(pk=job_id).first()
    if job is None:
        raise Http404("not found")
    return job_live(job)
