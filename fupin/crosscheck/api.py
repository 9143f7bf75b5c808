"""The department cross-check over the API: findings (area-scoped) and their queue steps, runs,
loads and trends. The same services and selectors as the pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status

from fupin.accounts.access import can, ensure_can
from fupin.accounts.models import User
from fupin.accounts.roles import Cap
from fupin.assessment.services import work_year
from fupin.core import idnumber
from fupin.core.actors import acting_user
from fupin.core.api import JobStartedOut
from fupin.core.api_types import BodyIn, Id, Limit, Offset, Text, Year
from fupin.core.errors import BadInput
from fupin.core.jobs import job_create
from fupin.core.reads import personal_data_read
from fupin.crosscheck import selectors, services
from fupin.crosscheck.filters import FindingFilter
from fupin.crosscheck.job_handlers import RUN_KIND
from fupin.crosscheck.models import CrosscheckRun, Finding

router = Router(tags=["crosscheck"])


class FindingOut(Schema):
    id: int
    year: int
    dataset: str
    code: str
    kind: str
    id_number: str
    list_name: str
    household_id: int | None
    household_no: str
    village: str
    detail: str
    status: str
    assigned_to: str
    raised_at: str
    verified_at: str | None
    verification_note: str
    disposition: str
    closed_at: str | None
    note: str


class FindingFilterIn(Schema):
    year: Year | None = None
    status: Text = "active"
    code: Text = ""
    dataset: Text = ""
    kind: Text = ""
    township: Id | None = None
    village: Id | None = None
    run: Id | None = None
    q: Text = ""
    offset: Offset = 0
    limit: Limit = 50


class FindingPage(Schema):
    year: int
    count: int
    items: list[FindingOut]


class AssignIn(BodyIn):
    assignee: Text | None = None


class VerifyIn(BodyIn):
    note: Text


class CloseIn(BodyIn):
    disposition: Text
    note: Text


class CrosscheckRunOut(Schema):
    id: int
    year: int
    as_of: str
    found: int
    raised: int
    already_open: int
    kept_closed: int
    counts: dict[str, int]
    loads: dict[str, int]
    finished_at: str | None


class LoadOut(Schema):
    id: int
    dataset: str
    department: str
    uploaded_by: str
    loaded_at: str
    file_name: str
    row_count: int
    rows_left_out: int


class FindingTrendOut(Schema):
    township_id: int | None
    township: str
    month: str
    raised: int
    closed: int
    median_days: float | None


def _out(f: Finding, full_id: bool) -> FindingOut:
    return FindingOut(
        id=f.pk, year=f.year, dataset=f.dataset, code=f.code, kind=f.kind,
        id_number=f.id_number if full_id else idnumber.mask(f.id_number), list_name=f.list_name,
        household_id=f.household_id, household_no=f.household.household_no if f.household else "",
        village=f.area.name, detail=f.detail, status=f.status,
        assigned_to=f.assigned_to.username if f.assigned_to else "", raised_at=f.raised_at.isoformat(),
        verified_at=f.verified_at.isoformat() if f.verified_at else None, verification_note=f.verification_note,
        disposition=f.disposition, closed_at=f.closed_at.isoformat() if f.closed_at else None, note=f.note)


@router.get("/findings", response=FindingPage)
def finding_list(request: HttpRequest, filters: Query[FindingFilterIn], full_id: bool = False) -> FindingPage:
    """Findings of the year in your area (default: the work year, not closed); ``run`` = those a run found.
    ID numbers are masked unless ``full_id`` is asked for by a role that may see them (the read is audited)."""
    ensure_can(request.user, Cap.REGISTRY_VIEW)
    year = filters.year or work_year()
    data = filters.dict(exclude={"year", "offset", "limit"})
    qs = FindingFilter(data, queryset=selectors.finding_list(request.user, year=year)).qs
    full = full_id and can(request.user, Cap.REGISTRY_FULL_ID)
    rows = list(qs[filters.offset: filters.offset + filters.limit])
    personal_data_read(actor=acting_user(request), rows=rows, view="api.crosscheck.findings", full_ids=full,
                       query=filters.dict())
    return FindingPage(year=year, count=qs.count(), items=[_out(f, full) for f in rows])


@router.get("/findings/{finding_id}", response=FindingOut)
def finding_detail(request: HttpRequest, finding_id: Id, full_id: bool = False) -> FindingOut:
    ensure_can(request.user, Cap.REGISTRY_VIEW)
    finding = selectors.finding_get(request.user, finding_id)
    full = full_id and can(request.user, Cap.REGISTRY_FULL_ID)
    personal_data_read(actor=acting_user(request), rows=[finding], view="api.crosscheck.finding", full_ids=full)
    return _out(finding, full)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@router.post("/findings/{finding_id}/assign", response=FindingOut)
def finding_assign(request: HttpRequest, finding_id: Id, body: AssignIn) -> FindingOut:
    """Assign to a user of the village (by username), or back to the village (null)."""
    finding = selectors.finding_get(request.user, finding_id)
    assignee = None
    if body.assignee:
        assignee = User.objects.filter(username=body.assignee, is_active=True).first()
        if assignee is None:
            raise BadInput(f"没有用户 {body.assignee} / no user {body.assignee}", code="ASSIGNEE_UNKNOWN",
                           fields={"assignee": ["unknown"]})
    finding = services.finding_assign(finding, actor=_user(request), assignee=assignee)
    return _out(selectors.finding_get(request.user, finding.pk), False)


@router.post("/findings/{finding_id}/verify", response=FindingOut)
def finding_verify(request: HttpRequest, finding_id: Id, body: VerifyIn) -> FindingOut:
    """Record the on-site verification of an open finding."""
    finding = services.finding_verify(selectors.finding_get(request.user, finding_id), actor=_user(request),
                                      note=body.note)
    return _out(selectors.finding_get(request.user, finding.pk), False)


@router.post("/findings/{finding_id}/close", response=FindingOut)
def finding_close(request: HttpRequest, finding_id: Id, body: CloseIn) -> FindingOut:
    """Close a verified finding: disposition ``confirmed`` (属实已整改) or ``not_confirmed`` (不属实), and a note."""
    finding = services.finding_close(selectors.finding_get(request.user, finding_id), actor=_user(request),
                                     disposition=body.disposition, note=body.note)
    return _out(selectors.finding_get(request.user, finding.pk), False)


def _run_out(r: CrosscheckRun) -> CrosscheckRunOut:
    return CrosscheckRunOut(id=r.pk, year=r.year, as_of=r.as_of.isoformat(), found=r.found, raised=r.raised,
                  already_open=r.already_open, kept_closed=r.kept_closed, counts=r.counts, loads=r.loads,
                  finished_at=r.finished_at.isoformat() if r.finished_at else None)


@router.get("/runs", response=list[CrosscheckRunOut])
def run_list(request: HttpRequest, year: Year | None = None) -> list[CrosscheckRunOut]:
    """Cross-check runs, newest first (county-wide figures)."""
    ensure_can(request.user, Cap.CROSSCHECK_RUN)
    runs = CrosscheckRun.objects.all() if not year else CrosscheckRun.objects.filter(year=year)
    return [_run_out(r) for r in runs.order_by("-pk")[:100]]


@router.post("/runs/start", response={202: JobStartedOut})
def run_start(request: HttpRequest, year: Year | None = None) -> Status[JobStartedOut]:
    """Start a cross-check as a background job; poll /api/v1/audit/jobs/{job_id}."""
    ensure_can(request.user, Cap.CROSSCHECK_RUN)
    the_year = year or work_year()
    if not services.latest_loads():
        raise BadInput(services.NO_LISTS, code="NO_LISTS")
    job = job_create(kind=RUN_KIND, title=f"{the_year} 年部门数据比对", actor=acting_user(request), params={"year": the_year})
    job.refresh_from_db()
    return Status(202, JobStartedOut(job_id=job.pk, status=job.status))


@router.get("/loads", response=list[LoadOut])
def load_list(request: HttpRequest) -> list[LoadOut]:
    """Loads of department lists, latest first (the latest of each dataset counts)."""
    if not (can(request.user, Cap.CROSSCHECK_RUN) or can(request.user, Cap.DEPARTMENT_UPLOAD)):
        ensure_can(request.user, Cap.CROSSCHECK_RUN)
    return [LoadOut(id=lo.pk, dataset=lo.dataset, department=lo.department.name if lo.department else "",
                    uploaded_by=lo.uploaded_by.username if lo.uploaded_by else "", loaded_at=lo.loaded_at.isoformat(),
                    file_name=lo.file_name, row_count=lo.row_count, rows_left_out=lo.rows_left_out)
            for lo in selectors.loads_latest_first(100)]


@router.get("/trends", response=list[FindingTrendOut])
def trend_list(request: HttpRequest, year: Year | None = None) -> list[Any]:
    """Per township and month: findings raised, closed, and the median days to close (your area)."""
    ensure_can(request.user, Cap.REGISTRY_VIEW)
    return [FindingTrendOut(**row) for row in selectors.trends(request.user, year=year)]
