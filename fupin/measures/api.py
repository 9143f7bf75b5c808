"""Measures over JSON: the ledger, a household's measures, suggestions and coverage (area-scoped); recording
a measure for a household and deciding on a suggestion, through the same services as the pages (the
same capability checks and the same refusals, each with its code; a refused write changes nothing); loans,
credit ratings and awards come from ``credit_api``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fupin.accounts.access import ensure_can
from fupin.accounts.roles import Cap
from fupin.assessment.services import work_year
from fupin.core.actors import acting_user
from fupin.core.api_types import BodyIn, Day, Id, Limit, Offset, Text, Year, limit_default
from fupin.core.reads import personal_data_read
from fupin.measures import selectors, services
from fupin.measures.coverage import coverage
from fupin.measures.credit_api import router as credit_router
from fupin.measures.filters import HouseholdPlaceFilter, MeasureFilter
from fupin.measures.models import Measure, SuggestionDecision
from fupin.measures.suggestions import evaluate

router = Router(tags=["measures"])
SUGGESTIONS_PAGE = limit_default(500)
router.add_router("", credit_router)


class MeasureOut(Schema):
    id: int
    household_id: int
    household_no: str
    member_id: int | None
    member_name: str
    programme: str
    programme_name: str
    category: str
    department: str
    starts_on: date
    ends_on: date | None
    amount: Decimal | None
    quantity: int | None
    status: str
    source: str
    evidence: str


class MeasurePage(Schema):
    count: int
    items: list[MeasureOut]


class MeasureFilterIn(Schema):
    village: Id | None = None
    programme: Text = ""
    category: Text = ""
    q: Text = ""
    limit: Limit = limit_default(100)
    offset: Offset = 0


class SuggestionOut(Schema):
    household_id: int
    household_no: str
    village: str
    programme: str
    programme_name: str
    category: str
    members: list[int]
    reasons: list[str]


class SuggestionPage(Schema):
    year: int
    count: int
    items: list[SuggestionOut]


class VillageCoverageOut(Schema):
    village: str
    township: str
    households: int
    with_measure: int
    with_helper: int
    poor_village: bool
    industry: bool
    high_school: int
    high_school_granted: int
    gaps: list[SuggestionOut]


class CoverageOut(Schema):
    year: int
    households: int
    with_measure: int
    with_helper: int
    high_school: int
    high_school_granted: int
    high_school_share: Decimal | None
    high_school_share_required: Decimal
    high_school_ok: bool
    poor_villages_without_industry: list[str]
    gaps: int
    villages: list[VillageCoverageOut]


class MeasureIn(BodyIn):
    programme: Text = Field(max_length=40, description="帮扶项目代码 / the programme's code")
    member: Id | None = Field(None, description="受益成员 id（按人发放的项目必填）/ the member who benefits")
    starts_on: Day
    ends_on: Day | None = Field(None, description="按期项目不填则为本期末 / a per-period programme: the period's end")
    amount: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    quantity: int | None = Field(None, ge=0, le=2**31 - 1)
    evidence: Text = Field("", max_length=300)
    status: Literal["planned", "delivering", "done"] = "done"


class DecisionIn(BodyIn):
    programme: Text = Field(max_length=40, description="帮扶项目代码 / the programme's code")
    decision: Literal["accept", "dismiss"]
    reason: Text = Field("", max_length=300, description="不采纳的理由（必填）/ why it is dismissed (required)")
    starts_on: Day | None = Field(None, description="采纳：措施开始日期；不填则为所看年度内的日期（当年为今天，"
                                  "往年为年末）/ accept: the measure's start; by default a day of ``year``")
    year: Year | None = Field(None, description="所看年度，默认工作年度 / the year viewed")
    member: Id | None = Field(None, description="采纳按人项目：受益成员，不填则为首个符合条件者 / accept: the member")
    amount: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    evidence: Text = Field("", max_length=300)


class DecisionOut(Schema):
    id: int
    household_id: int
    programme: str
    decision: str
    reason: str
    measure: MeasureOut | None


class HouseholdMeasuresOut(Schema):
    household_id: int
    household_no: str
    measures: list[MeasureOut]
    suggestions: list[SuggestionOut]


def _out(m: Measure) -> MeasureOut:
    return MeasureOut(id=m.pk, household_id=m.household_id, household_no=m.household.household_no,
                      member_id=m.member_id, member_name=m.member.name if m.member else "", programme=m.programme.code,
                      programme_name=m.programme.name, category=m.programme.category,
                      department=m.department.name if m.department else "", starts_on=m.starts_on, ends_on=m.ends_on,
                      amount=m.amount, quantity=m.quantity, status=m.status, source=m.source, evidence=m.evidence)


def _suggestion(s: Any) -> SuggestionOut:
    return SuggestionOut(household_id=s.household_id, household_no=s.household_no, village=s.village_name,
                         programme=s.programme.code, programme_name=s.programme.name, category=s.programme.category,
                         members=s.member_ids, reasons=s.reasons)


@router.get("/", response=MeasurePage, summary="帮扶措施台账 / the measures ledger in your area")
def measure_list(request: HttpRequest, filters: Query[MeasureFilterIn]) -> MeasurePage:
    ensure_can(request.user, Cap.MEASURES_VIEW)
    data = filters.dict(exclude={"offset", "limit"})
    qs = MeasureFilter(data, queryset=selectors.measure_list(request.user)).qs
    rows = list(qs[filters.offset: filters.offset + filters.limit])
    personal_data_read(actor=acting_user(request), rows=rows, view="api.measures.list", query=filters.dict())
    return MeasurePage(count=qs.count(), items=[_out(m) for m in rows])


@router.get("/suggestions", response=SuggestionPage, summary="建议措施 / suggested measures in your area")
def suggestion_list(request: HttpRequest, year: Year | None = None, village: Id | None = None,
                    township: Id | None = None, offset: Offset = 0, limit: Limit = SUGGESTIONS_PAGE
                    ) -> SuggestionPage:
    ensure_can(request.user, Cap.MEASURES_VIEW)
    y = year or work_year()
    households = HouseholdPlaceFilter({"village": village, "township": township},
                                      queryset=selectors.visible_households(request.user)).qs
    items = evaluate(households, y).suggestions
    return SuggestionPage(year=y, count=len(items), items=[_suggestion(s) for s in items[offset: offset + limit]])


@router.get("/coverage", response=CoverageOut, summary="覆盖情况与应享未享 / coverage and entitlements not received")
def coverage_view(request: HttpRequest, year: Year | None = None, village: Id | None = None,
                  township: Id | None = None) -> CoverageOut:
    ensure_can(request.user, Cap.MEASURES_VIEW)
    households = HouseholdPlaceFilter({"village": village, "township": township},
                                      queryset=selectors.visible_households(request.user)).qs
    cov = coverage(households, year or work_year())
    return CoverageOut(**cov.as_dict(), villages=[VillageCoverageOut(
        village=v.village, township=v.township, households=v.households, with_measure=v.with_measure,
        with_helper=v.with_helper, poor_village=v.poor_village, industry=v.industry, high_school=v.high_school,
        high_school_granted=v.high_school_granted, gaps=[_suggestion(g) for g in v.gaps]) for v in cov.villages])


@router.get("/households/{household_id}", response=HouseholdMeasuresOut,
            summary="一户的帮扶措施与建议 / a household's measures and suggestions")
def household_measures(request: HttpRequest, household_id: Id, year: Year | None = None) -> HouseholdMeasuresOut:
    ensure_can(request.user, Cap.MEASURES_VIEW)
    household = selectors.household_get(request.user, household_id)
    measures = Measure.objects.filter(household=household).select_related("household", "member", "programme",
                                                                          "department")
    items = evaluate(selectors.visible_households(request.user).filter(pk=household.pk), year or work_year())
    return HouseholdMeasuresOut(household_id=household.pk, household_no=household.household_no,
                                measures=[_out(m) for m in measures],
                                suggestions=[_suggestion(s) for s in items.suggestions])


@router.post("/households/{household_id}/measures", response={201: MeasureOut},
             summary="为一户记录帮扶措施 / record a measure for a household")
def measure_record(request: HttpRequest, household_id: Id, payload: MeasureIn) -> Status[MeasureOut]:
    """The record form's checks: the programme in use, the member in the household, the programme's rule,
    the amount within its policy limit, one record per period. A refusal answers 422 with its code
    (PROGRAMME_UNKNOWN, MEMBER_REQUIRED, MEMBER_NOT_IN_HOUSEHOLD, NOT_ELIGIBLE, AMOUNT_OVER_LIMIT,
    PERIOD_SPANS, PERIOD_OVERLAP, DATES_ORDER …) and records nothing."""
    ensure_can(request.user, Cap.MEASURES_VIEW)
    household = selectors.household_get(request.user, household_id)
    measure = services.measure_create(household, services.MeasureInput(
        selectors.programme_active(payload.programme), payload.starts_on, payload.ends_on,
        selectors.household_member(household, payload.member), payload.amount, payload.quantity, payload.evidence,
        payload.status), actor=acting_user(request))
    return Status(201, _out(_measure(measure.pk)))


@router.post("/households/{household_id}/suggestions", response={201: DecisionOut},
             summary="采纳或不采纳一条建议措施 / accept or dismiss a suggested measure")
def suggestion_decide(request: HttpRequest, household_id: Id, payload: DecisionIn) -> Status[DecisionOut]:
    """Accept (the measure is recorded, planned, with the record form's checks) or dismiss (with a reason).
    A household decides on a programme once: a second decision is refused (SUGGESTION_DECIDED); any
    refusal answers 422 with its code and changes nothing."""
    ensure_can(request.user, Cap.MEASURES_VIEW)
    household = selectors.household_get(request.user, household_id)
    programme = selectors.programme_active(payload.programme)
    if payload.decision == "accept":
        starts_on = payload.starts_on or selectors.record_day(payload.year or work_year())
        services.suggestion_accept(household, programme, starts_on=starts_on, actor=acting_user(request),
                                   member=selectors.household_member(household, payload.member),
                                   amount=payload.amount, evidence=payload.evidence)
    else:
        services.suggestion_dismiss(household, programme, reason=payload.reason, actor=acting_user(request))
    row = SuggestionDecision.objects.get(household=household, programme=programme)
    return Status(201, DecisionOut(id=row.pk, household_id=household.pk, programme=programme.code,
                                   decision=row.decision, reason=row.reason,
                                   measure=_out(_measure(row.measure_id)) if row.measure_id else None))


def _measure(pk: int) -> Measure:
    return Measure.objects.select_related("household", "member", "programme", "department").get(pk=pk)
