"""Pages of 扶贫小额信贷 (loans per area with the overdue list, a loan with its repayments), credit ratings
(信用户, 信用村, 信用乡镇) and the yearly awards (自强之星), and the household's credit page with its forms.
Thin: forms check shapes, services decide, selectors read through the user's area scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts.access import can, require_capability
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.areas.scoping import get_visible_or_404
from fupin.core.actors import Viewer, acting_user
from fupin.core.errors import BadInput
from fupin.core.forms import submit
from fupin.measures import credit_selectors as cs
from fupin.measures import selectors
from fupin.measures.credit import LoanInput, loan_create, loan_extend, repayment_record
from fupin.measures.credit_forms import AwardForm, ExtendForm, LoanForm, RatingForm, RepaymentForm
from fupin.measures.filters import AwardFilter, CreditVillageFilter, LoanFilter
from fupin.measures.models import AwardCategory, CreditRating, Loan
from fupin.measures.ratings import award_grant, rating_record
from fupin.measures.services import params_for


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _year(value: str | None, default: int) -> int:
    year = _int(value)
    return year if year and 2014 <= year <= 2100 else default


def _areas(user: Viewer, level: str) -> Any:
    return Area.objects.visible_to(user).filter(level=level, valid_to__isnull=True).order_by("code")


@dataclass
class TownshipOverdue:
    township: str
    loans: int
    outstanding: Decimal
    days: int


def _townships(rows: list[cs.OverdueVillage]) -> list[TownshipOverdue]:
    result: dict[str, TownshipOverdue] = {}
    for r in rows:
        t = result.setdefault(r.township, TownshipOverdue(r.township, 0, Decimal(0), 0))
        t.loans, t.outstanding, t.days = t.loans + r.loans, t.outstanding + r.outstanding, max(t.days, r.days)
    return list(result.values())


def _subsidy_row(loan: Loan) -> tuple[int, int, Decimal, Decimal, date, date]:
    return (loan.pk, loan.household.village_id, loan.amount, loan.interest_rate, loan.disbursed_on, loan.due_on)


@require_capability(Cap.MEASURES_VIEW)
def loan_list(request: HttpRequest) -> HttpResponse:
    p = request.GET
    today = timezone.localdate()
    year = _year(p.get("year"), today.year)
    qs = LoanFilter(p, queryset=cs.loan_list(request.user, today=today)).qs
    page = Paginator(qs, 25).get_page(p.get("page"))
    loans = cs.decorate(list(page), today)
    subsidy = cs.subsidies([_subsidy_row(loan) for loan in loans], year)
    for loan in loans:
        loan.subsidy = subsidy[loan.pk]  # type: ignore[attr-defined]
    overdue = cs.overdue_by_village(qs, today)
    return render(request, "measures/loan_list.html", {
        "page": page, "loans": loans, "overdue": overdue, "overdue_townships": _townships(overdue), "year": year,
        "params": p, "states": Loan.State.choices, "villages": _areas(request.user, "village"),
        "townships": _areas(request.user, "township"), "today": today, "tab": "loans"})


def _instalments(loan: Loan, today: date) -> list[dict[str, Any]]:
    rows = []
    for i in loan.instalments.order_by("number"):
        paid = i.cumulative <= loan.principal_repaid
        rows.append({"i": i, "state": _("已还清") if paid else (_("逾期") if i.due_on < today else _("未到期")),
                     "overdue": not paid and i.due_on < today})
    return rows


@require_capability(Cap.MEASURES_VIEW)
def loan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    today = timezone.localdate()
    loan = cs.loan_get(request.user, pk, today)
    return render(request, "measures/loan_detail.html", {
        "loan": loan, "instalments": _instalments(loan, today), "repayments": loan.repayments.order_by("paid_on", "pk"),
        "subsidies": cs.loan_subsidies(loan), "interest_unpaid": cs.interest_unpaid(loan, today), "today": today,
        "can_edit": can(request.user, Cap.MEASURES_EDIT) and loan.settled_on is None, "tab": "loans"})


@require_POST
@require_capability(Cap.MEASURES_VIEW)
def repayment_create(request: HttpRequest, pk: int) -> HttpResponse:
    loan = get_visible_or_404(Loan.objects.all(), request.user, pk=pk)

    def action(d: dict[str, Any]) -> str:
        r = repayment_record(loan, paid_on=d["paid_on"], principal=d["principal"] or Decimal(0),
                             interest=d["interest"] or Decimal(0), note=d["note"] or "", actor=acting_user(request))
        return _("已登记还款：本金 %(p)s 元，利息 %(i)s 元") % {"p": r.principal, "i": r.interest}

    submit(request, RepaymentForm(request.POST), action)
    return redirect("measures:loan-detail", pk=loan.pk)


@require_POST
@require_capability(Cap.MEASURES_VIEW)
def loan_extension(request: HttpRequest, pk: int) -> HttpResponse:
    loan = get_visible_or_404(Loan.objects.all(), request.user, pk=pk)

    def action(d: dict[str, Any]) -> str:
        done = loan_extend(loan, due_on=d["due_on"], reason=d["reason"], actor=acting_user(request))
        return _("已展期至 %(day)s") % {"day": done.due_on.isoformat()}

    submit(request, ExtendForm(request.POST), action)
    return redirect("measures:loan-detail", pk=loan.pk)


@require_capability(Cap.MEASURES_VIEW)
def household_credit(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(request.user, pk)
    today = timezone.localdate()
    params = params_for(today.year, [household.village_id])[household.village_id]
    return render(request, "measures/household_credit.html", {
        "household": household, "credit": cs.household_credit(household.pk, today), "today": today,
        "members": list(household.members.order_by("pk")), "uses": Loan.Use.choices, "methods": Loan.Method.choices,
        "grades": CreditRating.Grade.choices, "categories": AwardCategory.objects.filter(active=True),
        "limit": params.money("measure_micro_credit_max"), "term_max": params.integer("credit_term_max_months"),
        "benchmark_percent": (params.money("credit_benchmark_rate") or Decimal(0)) * 100,
        "can_edit": can(request.user, Cap.MEASURES_EDIT),
        "tab": "loans"})


@require_POST
@require_capability(Cap.MEASURES_VIEW)
def loan_record(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(request.user, pk)
    made: list[Loan] = []

    def action(d: dict[str, Any]) -> str:
        borrower = household.members.filter(pk=d["borrower"]).first() if d["borrower"] else None
        if d["borrower"] and borrower is None:
            raise BadInput("借款人不是该户成员 / the borrower is not a member of this household",
                           code="MEMBER_NOT_IN_HOUSEHOLD")
        made.append(loan_create(household, LoanInput(
            bank=d["bank"], amount=d["amount"], term_months=d["term_months"], interest_rate=d["interest_rate"],
            use=d["use"], disbursed_on=d["disbursed_on"], method=d["method"] or Loan.Method.BULLET, borrower=borrower,
            contract_no=d["contract_no"] or ""), actor=acting_user(request)))
        return _("已登记扶贫小额信贷 %(amount)s 元，到期日 %(due)s") % {
            "amount": made[0].amount, "due": made[0].due_on.isoformat()}

    if submit(request, LoanForm(request.POST), action):
        return redirect("measures:loan-detail", pk=made[0].pk)
    return redirect("measures:household-credit", pk=household.pk)


@require_POST
@require_capability(Cap.MEASURES_VIEW)
def rating_create(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(request.user, pk)

    def action(d: dict[str, Any]) -> str:
        r = rating_record(household, grade=d["grade"], rated_on=d["rated_on"], evaluator=d["evaluator"],
                          note=d["note"] or "", actor=acting_user(request))
        return _("已登记信用评级：%(grade)s，有效期至 %(day)s") % {"grade": r.get_grade_display(),
                                                          "day": r.valid_until.isoformat()}

    submit(request, RatingForm(request.POST), action)
    return redirect("measures:household-credit", pk=household.pk)


@require_POST
@require_capability(Cap.MEASURES_VIEW)
def award_create(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(request.user, pk)

    def action(d: dict[str, Any]) -> str:
        category = AwardCategory.objects.filter(code=d["category"], active=True).first()
        if category is None:
            raise BadInput(f"未知的评定类别「{d['category']}」/ unknown category", code="CATEGORY_UNKNOWN")
        award = award_grant(household, category, year=d["year"], awarded_on=d["awarded_on"], reason=d["reason"],
                            approving_unit=d["approving_unit"], stars=d["stars"], title=d["title"] or "",
                            actor=acting_user(request))
        points = award.point_entry.points if award.point_entry else 0
        return _("已登记：%(title)s（爱心超市积分 +%(n)s）") % {"title": award.title, "n": points}

    submit(request, AwardForm(request.POST), action)
    return redirect("measures:household-credit", pk=household.pk)


@require_capability(Cap.MEASURES_VIEW)
def credit_page(request: HttpRequest) -> HttpResponse:
    villages = CreditVillageFilter(request.GET, queryset=cs.credit_villages(request.user)).qs
    standing = cs.credit_standing(request.user, timezone.localdate(), of=villages)
    return render(request, "measures/credit.html", {
        "standing": standing, "params": request.GET, "township_choices": _areas(request.user, "township"),
        "tab": "credit"})


@require_capability(Cap.MEASURES_VIEW)
def award_list(request: HttpRequest) -> HttpResponse:
    p = request.GET
    qs = AwardFilter(p, queryset=cs.award_list(request.user)).qs
    page = Paginator(qs, 50).get_page(p.get("page"))
    return render(request, "measures/award_list.html", {
        "page": page, "params": p, "villages": _areas(request.user, "village"),
        "categories": AwardCategory.objects.all(), "tab": "awards"})
