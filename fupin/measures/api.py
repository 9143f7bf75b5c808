"""Measures over JSON: the ledger, a household's measures, suggestions and coverage (area-scoped); loans,
credit ratings and awards come from ``credit_api``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from fupin.accounts.access import ensure_can
from fupin.accounts.roles import Cap
from fupin.assessment.services import work_year
from fupin.measures import selectors
from fupin.measures.coverage import coverage
from fupin.measures.credit_api import router as credit_router
from fupin.measures.models import Measure
from fupin.measures.suggestions import evaluate

router = Router(tags=["measures"])
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


class MeasureFilter(Schema):
    village: int | None = None
    programme: str = ""
    category: str = ""
    q: str = ""
    limit: int = 100
    offset: int = 0


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
def measure_list(request: HttpRequest, filters: Query[MeasureFilter]) -> MeasurePage:
    ensure_can(request.user, Cap.MEASURES_VIEW)
    qs = selectors.measure_list(request.user, village=filters.village, programme=filters.programme,
                                category=filters.category, q=filters.q.strip())
    limit = max(1, min(filters.limit, 500))
    return MeasurePage(count=qs.count(), items=[_out(m) for m in qs[filters.offset: filters.offset + limit]])


@router.get("/suggestions", response=SuggestionPage, summary="建议措施 / suggested measures in your area")
def suggestion_list(request: HttpRequest, year: int | None = None, village: int | None = None,
                    township: int | None = None, limit: int = 500) -> SuggestionPage:
    ensure_can(request.user, Cap.MEASURES_VIEW)
    y = year or work_year()
    items = evaluate(selectors.visible_households(request.user, village=village, township=township), y).suggestions
    return SuggestionPage(year=y, count=len(items), items=[_suggestion(s) for s in items[: max(1, min(limit, 5000))]])


@router.get("/coverage", response=CoverageOut, summary="覆盖情况与应享未享 / coverage and entitlements not received")
def coverage_view(request: HttpRequest, year: int | None = None, village: int | None = None,
                  township: int | None = None) -> CoverageOut:
    ensure_can(request.user, Cap.MEASURES_VIEW)
    cov = coverage(selectors.visible_households(request.user, village=village, township=township), year or work_year())
    return CoverageOut(**cov.as_dict(), villages=[VillageCoverageOut(
        village=v.village, township=v.township, households=v.households, with_measure=v.with_measure,
        with_helper=v.with_helper, poor_village=v.poor_village, industry=v.industry, high_school=v.high_school,
        high_school_granted=v.high_school_granted, gaps=[_suggestion(g) for g in v.gaps]) for v in cov.villages])


@router.get("/households/{household_id}", response=HouseholdMeasuresOut,
            summary="一户的帮扶措施与建议 / a household's measures and suggestions")
def household_measures(request: HttpRequest, household_id: int, year: int | None = None) -> HouseholdMeasuresOut:
    ensure_can(request.user, Cap.MEASURES_VIEW)
    household = selectors.household_get(request.user, household_id)
    measures = Measure.objects.filter(household=household).select_related("household", "member", "programme",
                                                                          "department")
    items = evaluate(selectors.visible_households(request.user).filter(pk=household.pk), year or work_year())
    return HouseholdMeasuresOut(household_id=household.pk, household_no=household.household_no,
                                measures=[_out(m) for m in measures],
                                suggestions=[_suggestion(s) for s in items.suggestions])
