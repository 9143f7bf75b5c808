"""Reads of micro-credit loans, credit ratings and awards, always through the user's area scope.

A loan's state is derived when it is read, for any number of loans in the same query: 已结清 when the
principal is repaid; 逾期 when its first instalment not covered by the principal repaid fell due before
the day (the final instalment is the due date, so a loan past its due date with principal outstanding is
overdue too); 展期 when extended and not overdue; 正常 otherwise. Population-wide figures (the overdue
list per village and township, the interest subsidies, 信用村 and 信用乡镇) are a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DecimalField,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)

from fupin.areas.models import Area
from fupin.areas.scoping import ScopedQuerySet, get_visible_or_404, scope_of
from fupin.core.actors import Viewer
from fupin.measures.credit import IN_REGISTER, balance_cent_days, interest_accrued, interest_on, ratio
from fupin.measures.models import CREDIT_GRADES, Award, CreditRating, Loan, LoanInstalment, LoanRepayment
from fupin.measures.services import params_for
from fupin.registry.models import Household

BALANCE = ExpressionWrapper(F("amount") - F("principal_repaid"), output_field=DecimalField(max_digits=14, decimal_places=2))
State = Loan.State


def annotate_state(qs: QuerySet[Loan], today: date) -> ScopedQuerySet[Loan]:
    """``unpaid_since`` (due date of the first instalment not covered by the principal repaid), ``due_principal``
    (principal fallen due before ``today``) and ``state``."""
    first_unpaid = (LoanInstalment.objects.filter(loan=OuterRef("pk"), cumulative__gt=OuterRef("principal_repaid"))
                    .order_by("cumulative").values("due_on")[:1])
    fallen_due = (LoanInstalment.objects.filter(loan=OuterRef("pk"), due_on__lt=today).order_by().values("loan")
                  .annotate(s=Sum("principal")).values("s"))
    qs = qs.annotate(unpaid_since=Subquery(first_unpaid, output_field=DateField()),
                     due_principal=Subquery(fallen_due, output_field=DecimalField(max_digits=12, decimal_places=2)))
    return cast(ScopedQuerySet[Loan], qs.annotate(state=Case(
        When(settled_on__isnull=False, then=Value(State.SETTLED)),
        When(unpaid_since__lt=today, then=Value(State.OVERDUE)),
        When(extended_on__isnull=False, then=Value(State.EXTENDED)),
        default=Value(State.NORMAL), output_field=CharField())))


def decorate(loans: list[Loan], today: date) -> list[Loan]:
    """Days overdue, principal overdue and the state's label on loans read through :func:`annotate_state`."""
    labels = dict(State.choices)
    for loan in loans:
        state: str = loan.state  # type: ignore[attr-defined]
        overdue = state == State.OVERDUE
        loan.days_overdue = (today - loan.unpaid_since).days if overdue else 0  # type: ignore[attr-defined]
        due = loan.due_principal or Decimal(0)  # type: ignore[attr-defined]
        loan.overdue_principal = max(due - loan.principal_repaid, Decimal(0))  # type: ignore[attr-defined]
        loan.state_label = labels[state]  # type: ignore[attr-defined]
    return loans


def loan_list(user: Viewer, *, today: date) -> QuerySet[Loan]:
    """The loans ``user`` sees with their state on ``today`` (filtered by :class:`fupin.measures.filters.LoanFilter`),
    by village and household."""
    qs = Loan.objects.visible_to(user).select_related("household", "household__village", "household__village__parent",
                                                      "borrower")
    return loan_order(annotate_state(qs, today), overdue=False)


def loan_order(loans: QuerySet[Loan], *, overdue: bool) -> QuerySet[Loan]:
    """By township and village; then by household (newest loan first), or for an overdue list the longest
    overdue first."""
    first = ("unpaid_since",) if overdue else ("household__household_no", "-disbursed_on")
    return loans.order_by("household__village__parent__code", "household__village__code", *first, "pk")


def loan_get(user: Viewer, pk: int, today: date) -> Loan:
    qs = annotate_state(Loan.objects.select_related("household", "household__village", "borrower", "measure"), today)
    return decorate([get_visible_or_404(qs, user, pk=pk)], today)[0]


@dataclass
class OverdueVillage:
    township: str
    village: str
    loans: int
    outstanding: Decimal
    days: int


def overdue_by_village(loans: QuerySet[Loan], today: date) -> list[OverdueVillage]:
    """Overdue loans per village (of ``loans``, read through :func:`annotate_state`): how many, their balance,
    and the longest overdue in days. One query."""
    rows = (loans.filter(Q(state=State.OVERDUE)).order_by()
            .values("household__village__parent__code", "household__village__parent__name", "household__village__code",
                    "household__village__name")
            .annotate(n=Count("pk"), balance=Sum(BALANCE), since=Min("unpaid_since"))
            .order_by("household__village__parent__code", "household__village__code"))
    return [OverdueVillage(r["household__village__parent__name"] or "", r["household__village__name"], r["n"],
                           r["balance"] or Decimal(0), (today - r["since"]).days) for r in rows]


# --- interest subsidy (贴息) -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subsidy:
    year: int
    cent_days: int
    rate: Decimal
    amount: Decimal

    @property
    def rate_percent(self) -> Decimal:
        return self.rate * 100


SUBSIDY_FIELDS = ("pk", "household__village_id", "amount", "interest_rate", "disbursed_on", "due_on")


def subsidies(rows: list[tuple[int, int, Decimal, Decimal, date, date]], year: int) -> dict[int, Subsidy]:
    """The interest subsidy of ``year`` for each loan ``(pk, village_id, amount, rate, disbursed_on, due_on)``:
    interest on the outstanding principal from the disbursement (or 1 January) to the due date (or 31
    December), at the benchmark rate of the year (``credit_benchmark_rate``) or the loan's own rate if lower.
    Days past the due date are not subsidised. Three queries for any number of loans."""
    if not rows:
        return {}
    by_year = _subsidies([(pk, year, village, amount, rate, disbursed, due)
                          for pk, village, amount, rate, disbursed, due in rows])
    return {pk: s for (pk, _), s in by_year.items()}


def _subsidies(rows: list[tuple[int, int, int, Decimal, Decimal, date, date]]) -> dict[tuple[int, int], Subsidy]:
    """The subsidy of each ``(loan pk, year, village_id, amount, rate, disbursed_on, due_on)``, keyed by (pk, year):
    one query for the repayments, the parameters of each year, one Polars run."""
    params = {year: params_for(year, {r[2] for r in rows if r[1] == year}) for year in sorted({r[1] for r in rows})}
    windows = [(n, pk, amount, max(disbursed, date(year, 1, 1)), min(due, date(year + 1, 1, 1)))
               for n, (pk, year, _, amount, _, disbursed, due) in enumerate(rows)]
    paid = LoanRepayment.objects.filter(loan_id__in={r[0] for r in rows}, principal__gt=0).values_list(
        "loan_id", "paid_on", "principal")
    days = balance_cent_days(windows, paid)
    result = {}
    for n, (pk, year, village, _, rate, _, _) in enumerate(rows):
        p = params[year][village]
        used = min(rate, ratio(p, "credit_benchmark_rate"))
        result[pk, year] = Subsidy(year, days[n], used, interest_on(days[n], used, p.integer("credit_day_basis")))
    return result


def loan_subsidies(loan: Loan) -> list[Subsidy]:
    """Each year of the loan's term, its subsidy (on the repayments recorded so far)."""
    years = range(loan.disbursed_on.year, loan.due_on.year + 1)
    by_year = _subsidies([(loan.pk, year, loan.household.village_id, loan.amount, loan.interest_rate,
                           loan.disbursed_on, loan.due_on) for year in years])
    return [by_year[loan.pk, year] for year in years]


def interest_unpaid(loan: Loan, today: date) -> Decimal:
    params = params_for(today.year, [loan.household.village_id])[loan.household.village_id]
    return max(interest_accrued(loan, today, params) - loan.interest_repaid, Decimal(0))


# --- credit ratings: 信用户, 信用村, 信用乡镇 ---------------------------------------------------------------


def _grade_on(day: date) -> Subquery:
    """The grade of a household's rating in force on ``day`` (the latest one whose period covers it)."""
    return Subquery(CreditRating.objects.filter(household=OuterRef("pk"), rated_on__lte=day, valid_until__gte=day)
                    .order_by("-rated_on", "-pk").values("grade")[:1], output_field=CharField())


@dataclass
class VillageCredit:
    village_id: int
    village: str
    township_id: int | None
    township: str
    households: int
    rated: int
    outstanding: Decimal
    overdue: Decimal
    share_required: Decimal
    overdue_max: Decimal

    @property
    def share(self) -> Decimal | None:
        return Decimal(self.rated) / self.households if self.households else None

    @property
    def overdue_share(self) -> Decimal:
        return self.overdue / self.outstanding if self.outstanding else Decimal(0)

    @property
    def share_ok(self) -> bool:
        return self.households > 0 and self.rated >= self.share_required * self.households

    @property
    def overdue_ok(self) -> bool:
        return self.overdue <= self.overdue_max * self.outstanding

    @property
    def is_credit_village(self) -> bool:
        """信用村: the share of 信用户 among the households in the register is at least the parameter, and the
        overdue loans' balance is at most its share of the balance outstanding (both exact decimals)."""
        return self.share_ok and self.overdue_ok


@dataclass
class TownshipCredit:
    township_id: int
    township: str
    villages: list[VillageCredit] = field(default_factory=list)
    share_required: Decimal = Decimal(1)

    @property
    def counted(self) -> int:
        """Villages with households in the register (the ones a rating can speak for)."""
        return sum(1 for v in self.villages if v.households)

    @property
    def credit_villages(self) -> int:
        return sum(1 for v in self.villages if v.is_credit_village)

    @property
    def is_credit_township(self) -> bool:
        return self.counted > 0 and self.credit_villages >= self.share_required * self.counted


@dataclass
class CreditStanding:
    day: date
    villages: list[VillageCredit]
    townships: list[TownshipCredit]


def credit_villages(user: Viewer) -> QuerySet[Area]:
    """The villages whose credit standing ``user`` may read (filtered by
    :class:`fupin.measures.filters.CreditVillageFilter`)."""
    return Area.objects.visible_to(user).filter(level=Area.Level.VILLAGE, valid_to__isnull=True)


def credit_standing(user: Viewer, today: date, *, of: QuerySet[Area] | None = None) -> CreditStanding:
    """信用村 for every village the user sees (or of ``of``, some of them), 信用乡镇 for every township the user sees
    whole. Four queries and the parameters, for any number of villages."""
    areas = credit_villages(user) if of is None else of
    villages = list(areas.select_related("parent").order_by("parent__code", "code"))
    ids = [v.pk for v in villages]
    counts: dict[int, dict[str, Any]] = {r["village_id"]: dict(r) for r in Household.objects.filter(village_id__in=ids, status__in=IN_REGISTER)
              .annotate(grade=_grade_on(today)).order_by().values("village_id")
              .annotate(n=Count("pk"), rated=Count("pk", filter=Q(grade__in=CREDIT_GRADES)))}
    balances: dict[int, dict[str, Any]] = {r["household__village_id"]: dict(r) for r in annotate_state(
        Loan.objects.filter(household__village_id__in=ids, settled_on__isnull=True), today).order_by()
        .values("household__village_id")
        .annotate(balance=Sum(BALANCE), overdue=Sum(BALANCE, filter=Q(unpaid_since__lt=today)))}
    params = params_for(today.year, ids) if ids else {}
    rows = []
    for v in villages:
        c: dict[str, Any] = counts.get(v.pk, {})
        b: dict[str, Any] = balances.get(v.pk, {})
        p = params[v.pk]
        rows.append(VillageCredit(v.pk, v.name, v.parent_id, v.parent.name if v.parent else "", c.get("n", 0),
                                  c.get("rated", 0), b.get("balance") or Decimal(0), b.get("overdue") or Decimal(0),
                                  ratio(p, "credit_village_household_share"),
                                  ratio(p, "credit_village_overdue_share_max")))
    scope = scope_of(user)
    townships: dict[int, TownshipCredit] = {}
    for v, row in zip(villages, rows, strict=True):
        if v.parent is not None and scope.covers(v.parent):  # a township seen whole, not a village's share of it
            t = townships.setdefault(v.parent.pk, TownshipCredit(
                v.parent.pk, v.parent.name, share_required=ratio(params[v.pk], "credit_township_village_share")))
            t.villages.append(row)
    return CreditStanding(today, rows, list(townships.values()))


def has_overdue_loan(household_id: int, today: date) -> bool:
    return annotate_state(Loan.objects.filter(household_id=household_id), today).filter(Q(state=State.OVERDUE)).exists()


# --- a household's credit and awards (the measures page and the household file) -------------------------


@dataclass
class HouseholdCredit:
    loans: list[Loan]
    rating: CreditRating | None
    ratings: list[CreditRating]
    awards: list[Award]

    @property
    def is_credit_household(self) -> bool:
        return self.rating is not None and self.rating.grade in CREDIT_GRADES


def household_credit(household_id: int, today: date) -> HouseholdCredit:
    loans = decorate(list(annotate_state(Loan.objects.filter(household_id=household_id).select_related("borrower"),
                                         today).order_by("-disbursed_on", "-pk")), today)
    ratings = list(CreditRating.objects.filter(household_id=household_id).select_related("rated_by")
                   .order_by("-rated_on", "-pk"))
    rating = next((r for r in ratings if r.rated_on <= today <= r.valid_until), None)
    awards = list(Award.objects.filter(household_id=household_id).select_related("category", "point_entry")
                  .order_by("-year", "-awarded_on", "-pk"))
    return HouseholdCredit(loans, rating, ratings, awards)


def award_list(user: Viewer) -> QuerySet[Award]:
    """The awards ``user`` sees (filtered by :class:`fupin.measures.filters.AwardFilter`)."""
    qs = Award.objects.visible_to(user).select_related("household", "household__village", "category", "point_entry")
    return qs.order_by("household__village__parent__code", "household__village__code", "-year",
                       "household__household_no", "category__sort", "pk")
