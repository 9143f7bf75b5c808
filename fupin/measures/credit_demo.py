"""Demo data of 扶贫小额信贷, credit ratings and awards (``fupin seed-demo``): deterministic, in bulk.

Every 扶贫小额信贷 measure the measures demo recorded becomes a loan (50,000 yuan, 36 months from its
start); some more households borrow recently. Loans come in every state: paid off (interest each year,
principal at the due date), running (interest paid each year; yearly instalments paid when due), extended
(展期, before their due date) and overdue (part paid). In each township some villages are "credit-minded":
most of their households are rated 信用户 and none of their loans is overdue, so they show as 信用村 (and
some townships as 信用乡镇); elsewhere fewer households are rated. A household with an overdue loan is
rated "不予评定". Some households get last year's and this year's 自强之星 or 星级户 awards, with the
爱心超市 points of the category's rule.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from fupin.accounts.models import Department
from fupin.areas.models import Area
from fupin.measures import rules
from fupin.measures.credit import IN_REGISTER, MICRO_CREDIT, schedule
from fupin.measures.models import (
    Award,
    AwardCategory,
    CreditRating,
    Loan,
    LoanInstalment,
    LoanRepayment,
    Measure,
    PointAccount,
    PointEntry,
    Programme,
)
from fupin.registry.models import Household, Member

BANKS = ("郾城农商银行", "中国邮政储蓄银行郾城支行", "中国农业银行郾城支行")
USES = [u for u, _ in Loan.Use.choices]
RATE = Decimal("0.0475")
BASIS = 360
GRADES = (("AAA", 3), ("AA", 5), ("A", 4))


@dataclass
class _Plan:
    household: Household
    borrower: int
    amount: Decimal
    disbursed: date
    term: int
    kind: str  # settled | normal | extended | overdue
    method: str = Loan.Method.BULLET
    measure: Measure | None = None
    repayments: list[tuple[date, Decimal, Decimal]] = field(default_factory=list)


def _interest(amount: Decimal, start: date, end: date) -> Decimal:
    return (amount * (end - start).days * RATE / BASIS).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _repayments(plan: _Plan, due: date, today: date, rng: random.Random) -> list[tuple[date, Decimal, Decimal]]:
    """Interest on each anniversary (and at the end), principal as the plan's state wants it; every payment
    at most what is owed on its day (the balance is constant between principal payments)."""
    paid: list[tuple[date, Decimal, Decimal]] = []
    balance, last = plan.amount, plan.disbursed
    instalments = {i.due_on: i.principal for i in schedule(plan.amount, plan.disbursed, plan.term, plan.method)}
    year = 1
    while True:
        day = min(plan.disbursed + relativedelta(months=12 * year), due)
        if day > today or (plan.kind == "overdue" and day >= due):
            break
        principal = instalments.get(day, Decimal(0))
        paid.append((day, principal, _interest(balance, last, day)))
        balance, last = balance - principal, day
        if day == due:
            break
        year += 1
    if plan.kind == "overdue" and rng.random() < 0.5:
        part = (plan.amount * Decimal("0.3")).quantize(Decimal(1))
        day = min(due - timedelta(days=rng.randint(1, 40)), today)
        if day > last:
            paid.append((day, part, _interest(balance, last, day)))
    return paid


def _borrowers(household_ids: list[int], on: date) -> dict[int, int]:
    """Each household's borrower: its head, or else its first member, of age 18–65 on ``on``."""
    chosen: dict[int, int] = {}
    rows = (Member.objects.filter(household_id__in=household_ids).order_by("household_id", "pk")
            .values_list("household_id", "pk", "birth_date", "relation"))
    ordered = sorted(rows, key=lambda r: (r[0], r[3] != "head", r[1]))
    for hid, pk, birth, _ in ordered:
        if hid not in chosen and 18 <= rules.age_on(birth, on) <= 65:
            chosen[hid] = pk
    return chosen


def _kind(rng: random.Random, careful: bool) -> str:
    roll = rng.random()
    if roll < 0.3:
        return "settled"
    if roll < 0.45:
        return "extended"
    if roll < 0.65 and not careful:
        return "overdue"
    return "normal"


def _dates(kind: str, rng: random.Random, today: date) -> tuple[date, int]:
    """(disbursement, term in months) that put a new loan in ``kind`` on ``today``."""
    if kind == "settled":
        term = rng.choice((12, 24))
        return today - timedelta(days=rng.randint(60, 700)) - relativedelta(months=term), term
    if kind == "overdue":
        term = rng.choice((12, 24))
        return today - timedelta(days=rng.randint(20, 400)) - relativedelta(months=term), term
    if kind == "extended":
        term = rng.choice((12, 24))
        return today + timedelta(days=rng.randint(10, 60)) - relativedelta(months=term), term
    return today - timedelta(days=rng.randint(30, 700)), 36


def seed_demo_credit(households: list[Household], *, seed: int) -> dict[str, int]:
    rng = random.Random(seed * 7 + 6)
    today = timezone.localdate()
    homes = sorted((h for h in households if h.status in IN_REGISTER), key=lambda h: h.household_no)
    if not homes:
        return {"loans": 0}
    careful = _careful_villages(homes)
    plans = _loan_plans(homes, careful, rng, today)
    loans = _write_loans(plans, today, rng)
    overdue = {p.household.pk for p in plans if p.kind == "overdue"}
    ratings = _ratings(homes, careful, overdue, rng, today)
    awards = _awards(homes, rng, today)
    return {"loans": loans, "ratings": ratings, "awards": awards}


def _careful_villages(homes: list[Household]) -> set[int]:
    """In each township (by code), the villages that keep their credit: 60 % of them in every other
    township, 30 % in the rest."""
    villages = sorted({h.village_id for h in homes})
    parents = dict(Area.objects.filter(pk__in=villages).values_list("pk", "parent_id"))
    by_township: dict[int, list[int]] = defaultdict(list)
    for v in villages:
        by_township[parents[v] or 0].append(v)
    careful: set[int] = set()
    for index, township in enumerate(sorted(by_township)):
        members = by_township[township]
        careful.update(members[:math.ceil(len(members) * (0.6 if index % 2 == 0 else 0.3))])
    return careful


def _loan_plans(homes: list[Household], careful: set[int], rng: random.Random, today: date) -> list[_Plan]:
    programme = Programme.objects.get(code=MICRO_CREDIT)
    measures = {m.household_id: m for m in Measure.objects.filter(household__in=[h.pk for h in homes],
                                                                    programme=programme).order_by("household_id", "pk")}
    borrowers = _borrowers([h.pk for h in homes], today)
    plans = []
    for h in homes:
        existing = measures.get(h.pk)
        if h.pk not in borrowers or (existing is None and rng.random() > 0.12):
            continue
        if existing is not None and existing.amount:  # the measures demo's accepted 扶贫小额信贷: 36 months
            kind = "overdue" if h.village_id not in careful and rng.random() < 0.3 else "settled"
            plan = _Plan(h, borrowers[h.pk], existing.amount, existing.starts_on, 36, kind, measure=existing)
            if plan.disbursed + relativedelta(months=36) > today:
                plan.kind = "normal"
        else:
            kind = _kind(rng, h.village_id in careful)
            disbursed, term = _dates(kind, rng, today)
            method = Loan.Method.ANNUAL if kind == "normal" and rng.random() < 0.3 else Loan.Method.BULLET
            plan = _Plan(h, borrowers[h.pk], Decimal(rng.randint(2, 10) * 5000), disbursed, term, kind, method)
        plans.append(plan)
    return plans


def _write_loans(plans: list[_Plan], today: date, rng: random.Random) -> int:
    programme = Programme.objects.get(code=MICRO_CREDIT)
    department = Department.objects.filter(code=programme.department_code).first()
    new_measures, changed = [], []
    rows: list[tuple[_Plan, Loan, list[Any]]] = []
    for n, plan in enumerate(plans, start=1):
        instalments = schedule(plan.amount, plan.disbursed, plan.term, plan.method)
        due = instalments[-1].due_on
        extended = None
        if plan.kind == "extended":
            extended = due + relativedelta(months=rng.choice((6, 12)))
        bank, contract = rng.choice(BANKS), f"XD{plan.disbursed:%Y%m}{n:05d}"
        if plan.measure is None:
            plan.measure = Measure(household=plan.household, programme=programme, department=department,
                                   starts_on=plan.disbursed, ends_on=extended or due, amount=plan.amount,
                                   evidence=f"演示：{bank} {contract}", source=Measure.Source.DEMO, is_demo=True)
            new_measures.append(plan.measure)
        else:
            plan.measure.ends_on = extended or due
            changed.append(plan.measure)
        plan.repayments = _repayments(plan, due, today, rng)
        principal = sum((p for _, p, _ in plan.repayments), Decimal(0))
        interest = sum((i for _, _, i in plan.repayments), Decimal(0))
        settled = plan.repayments[-1][0] if principal == plan.amount else None
        loan = Loan(household=plan.household, borrower_id=plan.borrower, bank=bank, contract_no=contract,
                    amount=plan.amount, term_months=plan.term, interest_rate=RATE, use=rng.choice(USES),
                    method=plan.method, disbursed_on=plan.disbursed, due_on=extended or due,
                    principal_repaid=principal, interest_repaid=interest, settled_on=settled,
                    extended_on=today - timedelta(days=rng.randint(1, 9)) if extended else None,
                    original_due_on=due if extended else None, extension_reason="受灾减产，申请展期" if extended else "",
                    is_demo=True)
        if extended:
            instalments[-1] = replace(instalments[-1], due_on=extended)
        rows.append((plan, loan, instalments))
    Measure.objects.bulk_create(new_measures, batch_size=2000)
    Measure.objects.bulk_update(changed, ["ends_on"], batch_size=2000)
    for plan, loan, _ in rows:
        assert plan.measure is not None
        loan.measure = plan.measure
    Loan.objects.bulk_create([loan for _, loan, _ in rows], batch_size=2000)
    LoanInstalment.objects.bulk_create(
        [LoanInstalment(loan=loan, number=i.number, due_on=i.due_on, principal=i.principal, cumulative=i.cumulative)
         for _, loan, instalments in rows for i in instalments], batch_size=2000)
    LoanRepayment.objects.bulk_create(
        [LoanRepayment(loan=loan, paid_on=d, principal=p, interest=i, note="演示")
         for plan, loan, _ in rows for d, p, i in plan.repayments], batch_size=2000)
    return len(rows)


def _ratings(homes: list[Household], careful: set[int], overdue: set[int], rng: random.Random, today: date) -> int:
    names = dict(Area.objects.filter(pk__in={h.village_id for h in homes}).values_list("pk", "name"))
    by_village: dict[int, list[Household]] = defaultdict(list)
    for h in homes:
        by_village[h.village_id].append(h)
    ratings = []
    for village in sorted(by_village):
        members = by_village[village]
        count = math.ceil(len(members) * (0.85 if village in careful else 0.3))
        for h in sorted(rng.sample(members, count), key=lambda x: x.household_no):
            grade = "none" if h.pk in overdue else rng.choices([g for g, _ in GRADES], [w for _, w in GRADES])[0]
            rated_on = today - timedelta(days=rng.randint(10, 300))
            ratings.append(CreditRating(household=h, grade=grade, rated_on=rated_on,
                                        valid_until=rated_on + relativedelta(months=12) - timedelta(days=1),
                                        evaluator=f"{names[village]}信用评定小组", is_demo=True))
    CreditRating.objects.bulk_create(ratings, batch_size=2000)
    return len(ratings)


def _awards(homes: list[Household], rng: random.Random, today: date) -> int:
    categories = {c.code: c for c in AwardCategory.objects.select_related("point_rule")}
    townships = dict(Area.objects.filter(pk__in={h.village_id for h in homes}).values_list("pk", "parent__name"))
    awards: list[Award] = []
    entries: list[PointEntry] = []
    for year in (today.year - 1, today.year):
        for h in homes:
            roll = rng.random()
            if roll < 0.06:
                code, stars = "self_reliance_star", None
            elif roll < 0.14:
                code, stars = "star_household", rng.randint(3, 5)
            elif roll < 0.17 and h.status == "exited":
                code, stars = "honour_exit", None
            else:
                continue
            category = categories[code]
            if year < today.year:  # last year's awards are given in January
                on = min(date(today.year, 1, rng.randint(5, 25)), today)
            else:
                on = max(date(year, 1, 1), today - timedelta(days=rng.randint(0, 60)))
            title = f"{year}年度{category.name}" + (f"（{stars}星）" if stars else "")
            entry = None
            if category.point_rule is not None:
                entry = PointEntry(household=h, kind=PointEntry.Kind.EARN, rule=category.point_rule,
                                   points=category.point_rule.points, on=on, note=title)
                entries.append(entry)
            awards.append(Award(household=h, category=category, year=year, stars=stars, title=title,
                                reason=rng.choice(("发展养殖，稳定增收", "自主创业，带动邻里", "勤劳致富，孝老爱亲",
                                                   "院落整洁，移风易俗")),
                                awarded_on=on, approving_unit=f"{townships.get(h.village_id) or '郾城区'}人民政府",
                                point_entry=entry, is_demo=True))
    PointEntry.objects.bulk_create(entries, batch_size=2000)  # before the awards that point at them
    Award.objects.bulk_create(awards, batch_size=2000)
    _add_points(entries)
    return len(awards)


def _add_points(entries: list[PointEntry]) -> None:
    earned: dict[int, int] = defaultdict(int)
    for e in entries:
        earned[e.household_id] += e.points
    accounts = {a.household_id: a for a in PointAccount.objects.filter(household_id__in=list(earned))}
    for hid, points in earned.items():
        if hid in accounts:
            accounts[hid].balance += points
    PointAccount.objects.bulk_update(list(accounts.values()), ["balance"], batch_size=2000)
    PointAccount.objects.bulk_create([PointAccount(household_id=h, balance=p) for h, p in sorted(earned.items())
                                      if h not in accounts], batch_size=2000)
