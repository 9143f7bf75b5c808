"""Monitoring over the API: the latest run's households at risk, one household's result and case,
starting a county run (202), monitoring cases, their steps and measures, and the monthly trend."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status

from fupin.accounts.access import ensure_can
from fupin.accounts.roles import Cap
from fupin.areas.scoping import get_visible_or_404
from fupin.assessment.services import policy_values, work_year
from fupin.core.actors import acting_user
from fupin.core.api import JobStartedOut
from fupin.core.api_types import BodyIn, Day, Id, Limit, Offset, Text, Year
from fupin.core.jobs import job_create
from fupin.core.reads import personal_data_read
from fupin.monitoring import selectors, services
from fupin.monitoring.filters import CaseFilter, ResultFilter
from fupin.monitoring.models import MonitoringCase, MonitoringResult
from fupin.registry.selectors import household_get

router = Router(tags=["monitoring"])


class MonitoringResultOut(Schema):
    household_id: int
    household_no: str
    year: int
    run_id: int
    category: str
    risks: list[str]
    per_capita_income: Decimal | None
    monitoring_line: Decimal | None


class MonitoringResultFilterIn(Schema):
    year: Year | None = None
    category: Text = ""
    risk: Text = ""
    township: Id | None = None
    village: Id | None = None
    q: Text = ""
    offset: Offset = 0
    limit: Limit = 50


class MonitoringResultPage(Schema):
    year: int
    run_id: int | None
    count: int
    items: list[MonitoringResultOut]


class CaseMeasureOut(Schema):
    id: int
    kind: str
    description: str
    starts_on: date
    ends_on: date | None
    done: bool


class CaseOut(Schema):
    id: int
    household_id: int
    household_no: str
    year: int
    step: str
    category: str
    risks: list[str]
    opened_at: str
    identified_on: date | None
    notice_id: int | None
    measures: list[CaseMeasureOut]


class MonitoringHouseholdOut(Schema):
    household_id: int
    household_no: str
    year: int
    result: MonitoringResultOut | None
    open_case: CaseOut | None


class CaseStepIn(BodyIn):
    action: Text
    note: Text = ""


class CaseMeasureIn(BodyIn):
    kind: Text
    description: Text
    starts_on: Day
    ends_on: Day | None = None
    done: bool = False


class CaseFilterIn(Schema):
    step: Text = "open"
    category: Text = ""
    township: Id | None = None
    village: Id | None = None
    q: Text = ""
    offset: Offset = 0
    limit: Limit = 50


class CasePage(Schema):
    count: int
    items: list[CaseOut]


class MonitoringTrendOut(Schema):
    township_id: int
    township: str
    month: str
    entered: int
    left: int


def _result(r: MonitoringResult) -> MonitoringResultOut:
    return MonitoringResultOut(household_id=r.household_id, household_no=r.household.household_no, year=r.year, run_id=r.run_id,
                     category=r.category, risks=r.risk_list, per_capita_income=r.per_capita_income,
                     monitoring_line=r.monitoring_line)


def _case(c: MonitoringCase) -> CaseOut:
    return CaseOut(id=c.pk, household_id=c.household_id, household_no=c.household.household_no, year=c.year,
                   step=c.step, category=c.category, risks=[r for r in c.risks.split(";") if r],
                   opened_at=c.opened_at.isoformat(), identified_on=c.identified_on, notice_id=c.notice_id,
                   measures=[CaseMeasureOut(id=m.pk, kind=m.kind, description=m.description, starts_on=m.starts_on,
                                        ends_on=m.ends_on, done=m.done) for m in c.measures.all()])


@router.get("/results", response=MonitoringResultPage)
def result_list(request: HttpRequest, filters: Query[MonitoringResultFilterIn]) -> MonitoringResultPage:
    """Households at risk in the latest run of the year (default: the work year), within your area."""
    ensure_can(request.user, Cap.SEES_INCOMES)
    year = filters.year or work_year()
    run = selectors.latest_run(year)
    if run is None:
        return MonitoringResultPage(year=year, run_id=None, count=0, items=[])
    data = filters.dict(exclude={"year", "offset", "limit"})
    qs = ResultFilter(data, queryset=selectors.result_list(request.user, run)).qs
    return MonitoringResultPage(year=year, run_id=run.pk, count=qs.count(),
                                items=[_result(r) for r in qs[filters.offset: filters.offset + filters.limit]])


@router.get("/households/{household_id}", response=MonitoringHouseholdOut)
def household_detail(request: HttpRequest, household_id: Id, year: Year | None = None) -> MonitoringHouseholdOut:
    """The household's result in the latest run of the year (null when it had no risk) and its open case."""
    ensure_can(request.user, Cap.SEES_INCOMES)
    household = household_get(request.user, household_id)
    the_year = year or work_year()
    run = selectors.latest_run(the_year)
    result = (MonitoringResult.objects.select_related("household").filter(run=run, household=household).first()
              if run else None)
    case = (MonitoringCase.objects.select_related("household").filter(household=household,
                                                                       step__in=MonitoringCase.OPEN_STEPS).first())
    return MonitoringHouseholdOut(household_id=household.pk, household_no=household.household_no, year=the_year,
                        result=_result(result) if result else None, open_case=_case(case) if case else None)


@router.post("/runs/start", response={202: JobStartedOut})
def run_start(request: HttpRequest, year: Year | None = None) -> Status[JobStartedOut]:
    """Start a whole-county monitoring run as a background job; poll /api/v1/audit/jobs/{job_id}."""
    ensure_can(request.user, Cap.MONITORING_RUN)
    the_year = year or work_year()
    policy_values(the_year)  # refuse a year without parameters now, not in the job
    job = job_create(kind="monitoring.run", title=f"{the_year} 年防返贫监测", actor=acting_user(request),
                     params={"year": the_year})
    job.refresh_from_db()
    return Status(202, JobStartedOut(job_id=job.pk, status=job.status))


@router.get("/cases", response=CasePage)
def case_list(request: HttpRequest, filters: Query[CaseFilterIn]) -> CasePage:
    """Monitoring cases within your area (default: the open ones), newest first."""
    ensure_can(request.user, Cap.REGISTRY_VIEW)
    data = filters.dict(exclude={"offset", "limit"})
    qs = CaseFilter(data, queryset=selectors.case_list(request.user)).qs.prefetch_related("measures")
    rows = list(qs[filters.offset: filters.offset + filters.limit])
    personal_data_read(actor=acting_user(request), rows=rows, view="api.monitoring.cases", query=filters.dict())
    return CasePage(count=qs.count(), items=[_case(c) for c in rows])


def _get_case(request: HttpRequest, case_id: int) -> MonitoringCase:
    return get_visible_or_404(MonitoringCase.objects.select_related("household"), request.user, pk=case_id)


@router.get("/cases/{case_id}", response=CaseOut)
def case_detail(request: HttpRequest, case_id: Id) -> CaseOut:
    ensure_can(request.user, Cap.REGISTRY_VIEW)
    case = _get_case(request, case_id)
    personal_data_read(actor=acting_user(request), rows=[case], view="api.monitoring.case")
    return _case(case)


@router.post("/cases/{case_id}/steps", response=CaseOut)
def case_step(request: HttpRequest, case_id: Id, payload: CaseStepIn) -> CaseOut:
    """One step of the case: verify, dismiss, identify (publishes the notice), assist, eliminate.
    A refused step answers 409 with the reason and changes nothing."""
    ensure_can(request.user, Cap.REGISTRY_VIEW)
    case = _get_case(request, case_id)
    services.case_step(case, payload.action, actor=acting_user(request), note=payload.note)
    return _case(_get_case(request, case_id))


@router.post("/cases/{case_id}/measures", response={201: CaseMeasureOut})
def measure_create(request: HttpRequest, case_id: Id, payload: CaseMeasureIn) -> Status[CaseMeasureOut]:
    """Record a help measure on an identified or assisted case."""
    ensure_can(request.user, Cap.MONITORING_WORK)
    case = _get_case(request, case_id)
    m = services.measure_add(case, actor=acting_user(request), kind=payload.kind, description=payload.description,
                             starts_on=payload.starts_on, ends_on=payload.ends_on, done=payload.done)
    return Status(201, CaseMeasureOut(id=m.pk, kind=m.kind, description=m.description, starts_on=m.starts_on,
                                  ends_on=m.ends_on, done=m.done))


@router.get("/trends", response=list[MonitoringTrendOut])
def trends(request: HttpRequest) -> list[MonitoringTrendOut]:
    """Per township and month: households entering monitoring (cases opened) and leaving (risk eliminated)."""
    ensure_can(request.user, Cap.REGISTRY_VIEW)
    return [MonitoringTrendOut(**r) for r in selectors.trends(request.user)]
