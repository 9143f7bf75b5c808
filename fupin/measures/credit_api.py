"""扶贫小额信贷, credit ratings and awards over JSON (GET only, area-scoped); mounted on the measures router."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema

from fupin.accounts.access import ensure_can
from fupin.accounts.roles import Cap
from fupin.core.api_types import Id, Limit, Offset, Text, Year, limit_default
from fupin.measures import credit_selectors as cs
from fupin.measures.filters import AwardFilter, CreditVillageFilter, LoanFilter
from fupin.measures.models import Award, Loan

router = Router(tags=["measures"])
AWARDS_PAGE = limit_default(500)


class LoanOut(Schema):
    id: int
    household_id: int
    household_no: str
    village: str
    borrower: str
    bank: str
    contract_no: str
    amount: Decimal
    term_months: int
    interest_rate: Decimal
    use: str
    method: str
    disbursed_on: date
    due_on: date
    original_due_on: date | None
    extended_on: date | None
    settled_on: date | None
    principal_repaid: Decimal
    interest_repaid: Decimal
    outstanding: Decimal
    state: str
    days_overdue: int
    overdue_principal: Decimal
    credit_grade: str
    subsidy_year: int
    subsidy: Decimal


class LoanPage(Schema):
    count: int
    items: list[LoanOut]


class LoanFilterIn(Schema):
    village: Id | None = None
    township: Id | None = None
    state: Text = ""
    q: Text = ""
    year: Year | None = None
    limit: Limit = limit_default(100)
    offset: Offset = 0


class InstalmentOut(Schema):
    number: int
    due_on: date
    principal: Decimal
    cumulative: Decimal


class RepaymentOut(Schema):
    paid_on: date
    principal: Decimal
    interest: Decimal
    note: str


class SubsidyOut(Schema):
    year: int
    rate: Decimal
    amount: Decimal


class LoanDetailOut(LoanOut):
    instalments: list[InstalmentOut]
    repayments: list[RepaymentOut]
    subsidies: list[SubsidyOut]


class VillageCreditOut(Schema):
    village: str
    township: str
    households: int
    credit_households: int
    outstanding: Decimal
    overdue: Decimal
    credit_village: bool


class TownshipCreditOut(Schema):
    township: str
    villages: int
    credit_villages: int
    credit_township: bool


class CreditOut(Schema):
    day: date
    villages: list[VillageCreditOut]
    townships: list[TownshipCreditOut]


class AwardOut(Schema):
    id: int
    household_id: int
    household_no: str
    village: str
    category: str
    year: int
    stars: int | None
    title: str
    reason: str
    awarded_on: date
    approving_unit: str
    points: int


def _loan(loan: Loan, subsidy: cs.Subsidy) -> dict[str, Any]:
    return {
        "id": loan.pk, "household_id": loan.household_id, "household_no": loan.household.household_no,
        "village": loan.household.village.name, "borrower": loan.borrower.name, "bank": loan.bank,
        "contract_no": loan.contract_no, "amount": loan.amount, "term_months": loan.term_months,
        "interest_rate": loan.interest_rate, "use": loan.use, "method": loan.method, "disbursed_on": loan.disbursed_on,
        "due_on": loan.due_on, "original_due_on": loan.original_due_on, "extended_on": loan.extended_on,
        "settled_on": loan.settled_on, "principal_repaid": loan.principal_repaid,
        "interest_repaid": loan.interest_repaid, "outstanding": loan.outstanding, "state": loan.state,  # type: ignore[attr-defined]
        "days_overdue": loan.days_overdue, "overdue_principal": loan.overdue_principal,  # type: ignore[attr-defined]
        "credit_grade": loan.credit_grade, "subsidy_year": subsidy.year, "subsidy": subsidy.amount}


def _row(loan: Loan) -> tuple[int, int, Decimal, Decimal, date, date]:
    return (loan.pk, loan.household.village_id, loan.amount, loan.interest_rate, loan.disbursed_on, loan.due_on)


@router.get("/loans", response=LoanPage, summary="扶贫小额信贷 / micro-credit loans in your area (state, subsidy)")
def loan_list(request: HttpRequest, filters: Query[LoanFilterIn]) -> LoanPage:
    ensure_can(request.user, Cap.MEASURES_VIEW)
    today = timezone.localdate()
    data = filters.dict(exclude={"year", "offset", "limit"})
    qs = LoanFilter(data, queryset=cs.loan_list(request.user, today=today)).qs
    loans = cs.decorate(list(qs[filters.offset: filters.offset + filters.limit]), today)
    year = filters.year if filters.year and 2014 <= filters.year <= 2100 else today.year
    subsidy = cs.subsidies([_row(loan) for loan in loans], year)
    return LoanPage(count=qs.count(), items=[LoanOut(**_loan(loan, subsidy[loan.pk])) for loan in loans])


@router.get("/loans/{loan_id}", response=LoanDetailOut, summary="一笔贷款：还款计划、还款与贴息 / one loan")
def loan_detail(request: HttpRequest, loan_id: Id) -> LoanDetailOut:
    ensure_can(request.user, Cap.MEASURES_VIEW)
    today = timezone.localdate()
    loan = cs.loan_get(request.user, loan_id, today)
    years = cs.loan_subsidies(loan)
    current = next((s for s in years if s.year == today.year), cs.subsidies([_row(loan)], today.year)[loan.pk])
    return LoanDetailOut(
        **_loan(loan, current),
        instalments=[InstalmentOut(number=i.number, due_on=i.due_on, principal=i.principal, cumulative=i.cumulative)
                     for i in loan.instalments.order_by("number")],
        repayments=[RepaymentOut(paid_on=r.paid_on, principal=r.principal, interest=r.interest, note=r.note)
                    for r in loan.repayments.order_by("paid_on", "pk")],
        subsidies=[SubsidyOut(year=s.year, rate=s.rate, amount=s.amount) for s in years])


@router.get("/credit", response=CreditOut, summary="信用村与信用乡镇 / credit villages and townships in your area")
def credit_view(request: HttpRequest, township: Id | None = None) -> CreditOut:
    ensure_can(request.user, Cap.MEASURES_VIEW)
    villages = CreditVillageFilter({"township": township}, queryset=cs.credit_villages(request.user)).qs
    s = cs.credit_standing(request.user, timezone.localdate(), of=villages)
    return CreditOut(day=s.day, villages=[VillageCreditOut(
        village=v.village, township=v.township, households=v.households, credit_households=v.rated,
        outstanding=v.outstanding, overdue=v.overdue, credit_village=v.is_credit_village) for v in s.villages],
        townships=[TownshipCreditOut(township=t.township, villages=t.counted, credit_villages=t.credit_villages,
                                     credit_township=t.is_credit_township) for t in s.townships])


@router.get("/awards", response=list[AwardOut], summary="自强之星与星级评定 / awards in your area")
def award_list(request: HttpRequest, village: Id | None = None, township: Id | None = None, year: Year | None = None,
               category: Text = "", offset: Offset = 0, limit: Limit = AWARDS_PAGE) -> list[AwardOut]:
    ensure_can(request.user, Cap.MEASURES_VIEW)
    data = {"village": village, "township": township, "year": year, "category": category}
    qs: list[Award] = list(AwardFilter(data, queryset=cs.award_list(request.user)).qs[offset: offset + limit])
    return [AwardOut(id=a.pk, household_id=a.household_id, household_no=a.household.household_no,
                     village=a.household.village.name, category=a.category.code, year=a.year, stars=a.stars,
                     title=a.title, reason=a.reason, awarded_on=a.awarded_on, approving_unit=a.approving_unit,
                     points=a.point_entry.points if a.point_entry else 0) for a in qs]
