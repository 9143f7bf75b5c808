"""The exit assessment over the API: results of the latest county run, one household's verdict
with its reasons, re-assessing one household, starting a county run, the policy parameters."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status

from fupin.accounts.access import ensure_can
from fupin.accounts.roles import Cap
from fupin.assessment import selectors, services
from fupin.assessment.filters import ResultFilter
from fupin.assessment.models import AssessmentRun, HouseholdAssessment, PolicyVersion
from fupin.core.actors import acting_user
from fupin.core.api import JobStartedOut
from fupin.core.api_types import Id, Limit, Offset, Text, Year
from fupin.core.errors import BadInput
from fupin.core.jobs import job_create
from fupin.registry.selectors import household_get

router = Router(tags=["assessment"])


class IndicatorOut(Schema):
    code: str
    label: str
    """In the request's language (Accept-Language / the session's choice)."""
    outcome: str
    reason: str
    """The reason sentence in the request's language."""
    reason_code: str
    """A stable code of the reason (INCOME_NOT_ABOVE_LINE, ...); empty for results stored before
    reasons were rendered (ADR 0011), whose sentence is given as stored."""
    figures: dict[str, Any]
    """The figures the sentence names (amounts in cents, answers true / false / null)."""


class AssessmentOut(Schema):
    household_id: int
    household_no: str
    year: int
    run_id: int
    verdict: str
    failed: list[str]
    unknown: list[str]
    members: int
    per_capita_income: Decimal | None
    poverty_line: Decimal | None
    indicators: list[IndicatorOut]
    household_version: int | None = None
    """The household version the facts were read at (empty on results stored before versions were kept)."""
    reassessing: bool | None = None
    """One household's result: true while the household, changed since, is being reassessed (ADR 0026 §5), when
    the verdict is not that of its current facts; not given in lists."""


class ResultFilterIn(Schema):
    year: Year | None = None
    verdict: Text = ""
    township: Id | None = None
    village: Id | None = None
    failed: Text = ""
    q: Text = ""
    offset: Offset = 0
    limit: Limit = 50


class AssessmentPage(Schema):
    year: int
    run_id: int | None
    count: int
    items: list[AssessmentOut]


class AssessmentRunOut(Schema):
    id: int
    year: int
    scope: str
    ruleset_version: str
    started_at: str
    finished_at: str | None


class PolicyOut(Schema):
    year: int
    region: str | None
    number: int
    status: str
    reason: str
    values: dict[str, Any]


def _out(a: HouseholdAssessment, reassessing: bool | None = None) -> AssessmentOut:
    return AssessmentOut(household_id=a.household_id, household_no=a.household.household_no, year=a.year,
                         run_id=a.run_id, verdict=a.verdict, failed=a.failed, unknown=a.unknown, members=a.members,
                         per_capita_income=a.per_capita_income, poverty_line=a.poverty_line,
                         indicators=[IndicatorOut(**i) for i in a.indicators], household_version=a.household_version,
                         reassessing=reassessing)


@router.get("/results", response=AssessmentPage)
def result_list(request: HttpRequest, filters: Query[ResultFilterIn]) -> AssessmentPage:
    """Households of the latest county run of the year (default: the work year), within your area."""
    ensure_can(request.user, Cap.SEES_INCOMES)
    year = filters.year or services.work_year()
    run = selectors.runs_for_year(year).order_by("-pk").first()
    if run is None:
        return AssessmentPage(year=year, run_id=None, count=0, items=[])
    data = filters.dict(exclude={"year", "offset", "limit"})
    qs = ResultFilter(data, queryset=selectors.result_list(request.user, run)).qs  # type: ignore[arg-type]
    return AssessmentPage(year=year, run_id=run.pk, count=qs.count(),
                          items=[_out(a) for a in qs[filters.offset: filters.offset + filters.limit]])


@router.get("/households/{household_id}", response=AssessmentOut)
def household_latest(request: HttpRequest, household_id: Id, year: Year | None = None) -> AssessmentOut:
    """The household's current assessment of the year, with every indicator's reason."""
    ensure_can(request.user, Cap.SEES_INCOMES)
    household = household_get(request.user, household_id)
    result = services.household_latest_assessment(household.pk, year or services.work_year())
    if result is None:
        raise BadInput("该户本年度尚未评估 / not assessed for that year", code="NOT_ASSESSED")
    return _out(result, selectors.assessment_pending(result, household))


@router.post("/households/{household_id}/assess", response=AssessmentOut)
def household_assess(request: HttpRequest, household_id: Id, year: Year | None = None) -> AssessmentOut:
    """Assess the household now (the same rules as the county run) and store the result."""
    ensure_can(request.user, Cap.REGISTRY_EDIT)
    household = household_get(request.user, household_id)
    return _out(services.household_assess(household, year or services.work_year(), actor=acting_user(request)))  # type: ignore[arg-type]


@router.get("/runs", response=list[AssessmentRunOut])
def run_list(request: HttpRequest, year: Year | None = None) -> list[AssessmentRunOut]:
    """County runs (newest first): when and under which rule-set version."""
    ensure_can(request.user, Cap.REGISTRY_VIEW)
    runs = selectors.runs_for_year(year) if year else AssessmentRun.objects.filter(scope=AssessmentRun.Scope.COUNTY)
    return [AssessmentRunOut(id=r.pk, year=r.year, scope=r.scope, ruleset_version=r.ruleset_version,
                   started_at=r.started_at.isoformat(),
                   finished_at=r.finished_at.isoformat() if r.finished_at else None)
            for r in runs.order_by("-pk")[:100]]


@router.post("/runs/start", response={202: JobStartedOut})
def run_start(request: HttpRequest, year: Year | None = None) -> Status[JobStartedOut]:
    """Start a whole-county run as a background job; poll /api/v1/audit/jobs/{job_id}."""
    ensure_can(request.user, Cap.ASSESSMENT_RUN)
    the_year = year or services.work_year()
    services.policy_values(the_year)  # refuse a year without parameters now, not in the job
    job = job_create(kind="assessment.run", title=f"{the_year} 年全区退出评估", actor=acting_user(request),
                     params={"year": the_year})
    job.refresh_from_db()
    return Status(202, JobStartedOut(job_id=job.pk, status=job.status))


@router.get("/policy", response=list[PolicyOut])
def policy_list(request: HttpRequest, year: Year | None = None) -> list[PolicyOut]:
    """Every version of the policy parameters (newest first)."""
    ensure_can(request.user, Cap.REGISTRY_VIEW)
    versions = PolicyVersion.objects.select_related("region").order_by("-year", "region__code", "-number")
    if year:
        versions = versions.filter(year=year)
    return [PolicyOut(year=v.year, region=v.region.code if v.region else None, number=v.number, status=v.status,
                      reason=v.reason, values=v.values) for v in versions]
