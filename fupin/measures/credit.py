"""扶贫小额信贷 (REFERENCE §8.2, "5-3-0"): recording a loan with its repayment schedule and its entry in the
measures ledger, repayments, an extension (展期), and the day-count arithmetic behind interest and the
interest subsidy (贴息).

Rules (every threshold a policy parameter of the year the loan is disbursed, see ``assessment/params.py``):

- a loan goes to a household in the register (建档立卡, including exited and returned households), to
  one of its members aged ``credit_borrower_age_min``..``credit_borrower_age_max``; the household's
  outstanding principal with the new loan stays within ``measure_micro_credit_max`` (5 万元); the term
  is at most ``credit_term_max_months`` (3 年); the use is productive (产业);
- a repayment is dated on or after the disbursement and the last repayment, not in the future; its
  principal is at most the principal outstanding, its interest at most the interest accrued to that
  day and not yet paid;
- an extension is asked for before the final due date, once, for a loan with nothing overdue, and
  moves the final instalment by at most ``credit_extension_max_months``.

Interest accrues daily on the outstanding principal: ``balance × rate ÷ credit_day_basis`` per day, a
repayment reducing the balance from its own day. Over a window [start, end) with principal amount A
and repayments p_j on days d_j, the balance-days are ``A × (end − start) − Σ p_j × (end − clamp(d_j))``
(clamp to the window), computed for any number of loans at once over Polars columns, in whole cents.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

import polars as pl
from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from fupin.accounts.access import ensure_can
from fupin.accounts.models import User
from fupin.accounts.roles import Cap
from fupin.assessment.params import Params
from fupin.core.audit import Action, audit_record
from fupin.core.errors import BadInput
from fupin.measures import rules
from fupin.measures.models import CREDIT_GRADES, CreditRating, Loan, LoanInstalment, LoanRepayment, Measure, Programme
from fupin.measures.services import MeasureInput, measure_create, params_for
from fupin.registry.models import Household, Member

CENT = Decimal("0.01")
IN_REGISTER = ("registered", "exit_proposed", "exited", "returned")
MICRO_CREDIT = "micro_credit"


def ratio(params: Params, name: str) -> Decimal:
    value = params.money(name)
    if value is None:
        raise BadInput(f"政策参数 {name} 未设置 / policy parameter {name} is not set", code="POLICY_MISSING")
    return value


@dataclass(frozen=True)
class Instalment:
    number: int
    due_on: date
    principal: Decimal
    cumulative: Decimal


def schedule(amount: Decimal, disbursed_on: date, term_months: int, method: str) -> list[Instalment]:
    """The principal instalments: all at the end (到期一次还本), or equal yearly parts, the last one at the
    end of the term carrying the cents left over (按年等额还本)."""
    end = disbursed_on + relativedelta(months=term_months)
    if method != Loan.Method.ANNUAL or term_months <= 12:
        return [Instalment(1, end, amount, amount)]
    count = -(-term_months // 12)
    part = (amount / count).quantize(CENT, rounding=ROUND_DOWN)
    dues = [disbursed_on + relativedelta(months=12 * k) for k in range(1, count)] + [end]
    parts = [part] * (count - 1) + [amount - part * (count - 1)]
    cumulative = Decimal(0)
    result = []
    for number, (due, principal) in enumerate(zip(dues, parts, strict=True), start=1):
        cumulative += principal
        result.append(Instalment(number, due, principal, cumulative))
    return result


# --- day-count arithmetic, for any number of loans at once ---------------------------------------------

WINDOW_SCHEMA = {"key": pl.Int64, "loan_id": pl.Int64, "amount": pl.Int64, "start": pl.Date, "end": pl.Date}
REPAYMENT_SCHEMA = {"loan_id": pl.Int64, "paid_on": pl.Date, "principal": pl.Int64}


def cents(value: Decimal) -> int:
    return int((value * 100).to_integral_value())


def balance_cent_days(windows: Sequence[tuple[int, int, Decimal, date, date]],
                      repayments: Iterable[tuple[int, date, Decimal]]) -> dict[int, int]:
    """For each window ``(key, loan_id, amount, start, end)`` (end exclusive) the sum over its days of the
    principal outstanding, in cent-days, given the loans' principal repayments ``(loan_id, paid_on,
    principal)``. Vectorised: one frame of windows, one of repayments, one join."""
    frame = pl.DataFrame([(k, loan, cents(a), s, e) for k, loan, a, s, e in windows], schema=WINDOW_SCHEMA,
                         orient="row")
    paid = pl.DataFrame([(loan, d, cents(p)) for loan, d, p in repayments if p], schema=REPAYMENT_SCHEMA,
                        orient="row")
    days = (pl.col("end") - pl.col("start")).dt.total_days().clip(lower_bound=0)
    frame = frame.with_columns(days=days).with_columns(gross=pl.col("amount") * pl.col("days"))
    clamped = pl.min_horizontal(pl.max_horizontal("paid_on", "start"), "end")
    less = (frame.filter(pl.col("days") > 0).join(paid, on="loan_id", how="inner")
            .with_columns(less=pl.col("principal") * (pl.col("end") - clamped).dt.total_days())
            .group_by("key").agg(pl.col("less").sum()))
    result = (frame.join(less, on="key", how="left")
              .with_columns(cent_days=pl.col("gross") - pl.col("less").fill_null(0))
              .select("key", "cent_days"))
    return dict(result.iter_rows())


def interest_on(cent_days: int, rate: Decimal, basis: int) -> Decimal:
    """Interest in yuan on ``cent_days`` at the annual ``rate`` (daily rate = rate ÷ basis), half-up to the fen."""
    return (Decimal(cent_days) * rate / basis / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def _principal_paid(loan: Loan) -> list[tuple[int, date, Decimal]]:
    return [(loan.pk, d, p) for d, p in loan.repayments.order_by("paid_on", "pk").values_list("paid_on", "principal")]


def interest_accrued(loan: Loan, until: date, params: Params) -> Decimal:
    """Interest on the loan at its own rate from the disbursement to ``until`` (exclusive)."""
    days = balance_cent_days([(1, loan.pk, loan.amount, loan.disbursed_on, until)], _principal_paid(loan))[1]
    return interest_on(days, loan.interest_rate, params.integer("credit_day_basis"))


# --- writes ----------------------------------------------------------------------------------------------


@dataclass
class LoanInput:
    bank: str
    amount: Decimal
    term_months: int
    interest_rate: Decimal
    use: str
    disbursed_on: date
    method: str = Loan.Method.BULLET
    borrower: Member | None = None
    contract_no: str = ""


def _refuse(message: str, code: str, field: str) -> BadInput:
    return BadInput(message, code=code, fields={field: [code.lower()]})


def _check_household(household: Household) -> None:
    if household.status not in IN_REGISTER:
        raise _refuse(f"户 {household.household_no} 不是建档立卡户（状态：{household.get_status_display() or '一般农户'}），"
                      f"不能享受扶贫小额信贷 / household {household.household_no} is not in the register",
                      "HOUSEHOLD_NOT_ELIGIBLE", "household")


def _borrower(household: Household, member: Member | None) -> Member:
    if member is None:
        member = household.members.filter(relation="head").order_by("pk").first()
        if member is None:
            raise _refuse("请指定借款人 / name the borrower", "BORROWER_REQUIRED", "borrower")
    if member.household_id != household.pk:
        raise _refuse("借款人不是该户成员 / the borrower is not a member of this household", "MEMBER_NOT_IN_HOUSEHOLD",
                      "borrower")
    return member


def validate_loan(data: LoanInput, household: Household, borrower: Member, params: Params, outstanding: Decimal,
                  today: date) -> None:
    """The rules of a new loan (module docstring); raises BadInput naming the rule."""
    _check_household(household)
    if not data.bank.strip():
        raise _refuse("请填写放贷银行 / name the bank", "BANK_REQUIRED", "bank")
    if data.use not in Loan.Use.values:
        raise _refuse(f"扶贫小额信贷只能用于发展产业，用途“{data.use}”不允许 / the loan must finance a productive use",
                      "USE_NOT_ALLOWED", "use")
    if data.amount <= 0:
        raise _refuse("贷款金额应大于零 / the amount must be positive", "AMOUNT_INVALID", "amount")
    if data.disbursed_on > today:
        raise _refuse(f"放款日期 {data.disbursed_on} 晚于今天，请在放款后登记 / the disbursement date is in the future",
                      "DISBURSED_IN_FUTURE", "disbursed_on")
    limit = ratio(params, "measure_micro_credit_max")
    if outstanding + data.amount > limit:
        held = f"（该户未结清贷款余额 {outstanding} 元）" if outstanding else ""
        raise _refuse(f"贷款金额 {data.amount} 元{held}超过扶贫小额信贷额度上限 {limit} 元 / {data.amount} yuan with "
                      f"{outstanding} yuan outstanding exceeds the limit of {limit} yuan", "AMOUNT_OVER_LIMIT", "amount")
    longest = params.integer("credit_term_max_months")
    if not 0 < data.term_months <= longest:
        raise _refuse(f"贷款期限 {data.term_months} 个月超过上限 {longest} 个月 / a term of {data.term_months} months "
                      f"exceeds the maximum of {longest}", "TERM_OVER_MAX", "term_months")
    if not Decimal(0) <= data.interest_rate < Decimal(1):
        raise _refuse("年利率应在 0 与 100% 之间 / the rate must be between 0 and 100%", "RATE_INVALID", "interest_rate")
    age = rules.age_on(borrower.birth_date, data.disbursed_on)
    low, high = params.integer("credit_borrower_age_min"), params.integer("credit_borrower_age_max")
    if not low <= age <= high:
        raise _refuse(f"借款人 {borrower.name} 放款时 {age} 岁，须年满 {low} 至 {high} 周岁 / the borrower must be aged "
                      f"{low}-{high} (is {age})", "BORROWER_AGE", "borrower")


def _outstanding(household: Household) -> Decimal:
    total = Decimal(0)
    for amount, repaid in Loan.objects.filter(household=household, settled_on__isnull=True).values_list(
            "amount", "principal_repaid"):
        total += amount - repaid
    return total


def _current_grade(household: Household, day: date) -> str:
    grade = (CreditRating.objects.filter(household=household, rated_on__lte=day, valid_until__gte=day)
             .order_by("-rated_on", "-pk").values_list("grade", flat=True).first())
    return grade if grade in CREDIT_GRADES else ""


@transaction.atomic
def loan_create(household: Household, data: LoanInput, *, actor: User | None, today: date | None = None,
                source: str = Measure.Source.MANUAL) -> Loan:
    """Record a disbursed loan: its schedule and its 扶贫小额信贷 entry in the measures ledger."""
    if actor is not None:
        ensure_can(actor, Cap.MEASURES_EDIT)
    today = today or timezone.localdate()
    household = Household.objects.select_for_update().get(pk=household.pk)  # serialises the household's loans
    borrower = _borrower(household, data.borrower)
    params = params_for(data.disbursed_on.year, [household.village_id])[household.village_id]
    validate_loan(data, household, borrower, params, _outstanding(household), today)
    plan = schedule(data.amount, data.disbursed_on, data.term_months, data.method)
    due_on = plan[-1].due_on
    programme = Programme.objects.get(code=MICRO_CREDIT)
    measure = measure_create(household, MeasureInput(
        programme, data.disbursed_on, ends_on=due_on, amount=data.amount,
        evidence=f"{data.bank.strip()} {data.contract_no.strip()}".strip()[:300]), actor=actor, source=source)
    loan = Loan.objects.create(
        household=household, borrower=borrower, measure=measure, bank=data.bank.strip(),
        contract_no=data.contract_no.strip(), amount=data.amount, term_months=data.term_months,
        interest_rate=data.interest_rate, use=data.use, method=data.method, disbursed_on=data.disbursed_on,
        due_on=due_on, credit_grade=_current_grade(household, data.disbursed_on), created_by=actor)
    LoanInstalment.objects.bulk_create([LoanInstalment(loan=loan, number=i.number, due_on=i.due_on, principal=i.principal,
                                                       cumulative=i.cumulative) for i in plan])
    audit_record(actor=actor, action=Action.CREATE, obj=loan, changes={
        "household": household.household_no, "borrower": borrower.pk, "bank": loan.bank, "contract_no": loan.contract_no,
        "amount": data.amount, "term_months": data.term_months, "interest_rate": data.interest_rate, "use": data.use,
        "method": data.method, "disbursed_on": data.disbursed_on, "due_on": due_on, "measure": measure.pk})
    return loan


@transaction.atomic
def repayment_record(loan: Loan, *, paid_on: date, principal: Decimal, interest: Decimal, actor: User | None,
                     note: str = "", today: date | None = None) -> LoanRepayment:
    """Record a repayment; it may not exceed what is owed (principal outstanding, interest accrued and
    unpaid), nor be dated before the disbursement or the last repayment, nor in the future."""
    if actor is not None:
        ensure_can(actor, Cap.MEASURES_EDIT)
    today = today or timezone.localdate()
    loan = Loan.objects.select_for_update().select_related("household").get(pk=loan.pk)
    if principal < 0 or interest < 0 or principal + interest <= 0:
        raise _refuse("还款本金、利息不能为负，且合计应大于零 / principal and interest must not be negative, and not both "
                      "zero", "REPAYMENT_EMPTY", "principal")
    if paid_on < loan.disbursed_on:
        raise _refuse(f"还款日期 {paid_on} 早于放款日期 {loan.disbursed_on} / the repayment is dated before the "
                      f"disbursement", "REPAYMENT_BEFORE_DISBURSEMENT", "paid_on")
    if paid_on > today:
        raise _refuse(f"还款日期 {paid_on} 晚于今天 / the repayment is dated in the future", "REPAYMENT_IN_FUTURE",
                      "paid_on")
    last = loan.repayments.order_by("-paid_on").values_list("paid_on", flat=True).first()
    if last is not None and paid_on < last:
        raise _refuse(f"还款日期 {paid_on} 早于上一笔还款 {last}，请按时间顺序登记 / the repayment is dated before the "
                      f"last one ({last})", "REPAYMENT_BEFORE_LAST", "paid_on")
    if principal > loan.outstanding:
        raise _refuse(f"还款本金 {principal} 元超过未还本金 {loan.outstanding} 元 / the principal of {principal} exceeds "
                      f"the {loan.outstanding} outstanding", "REPAYMENT_OVER_BALANCE", "principal")
    params = params_for(paid_on.year, [loan.household.village_id])[loan.household.village_id]
    owed = interest_accrued(loan, paid_on, params) - loan.interest_repaid
    if interest > max(owed, Decimal(0)):
        raise _refuse(f"还款利息 {interest} 元超过截至 {paid_on} 应付未付利息 {max(owed, Decimal(0))} 元 / the interest of "
                      f"{interest} exceeds the {max(owed, Decimal(0))} accrued and unpaid", "INTEREST_OVER_OWED",
                      "interest")
    repayment = LoanRepayment.objects.create(loan=loan, paid_on=paid_on, principal=principal, interest=interest,
                                             note=note.strip()[:200], created_by=actor)
    loan.principal_repaid += principal
    loan.interest_repaid += interest
    loan.settled_on = paid_on if loan.principal_repaid == loan.amount else None
    loan.save(update_fields=["principal_repaid", "interest_repaid", "settled_on"])
    audit_record(actor=actor, action=Action.CREATE, obj=repayment, changes={
        "loan": loan.pk, "household": loan.household.household_no, "paid_on": paid_on, "principal": principal,
        "interest": interest, "settled_on": loan.settled_on})
    return repayment


@transaction.atomic
def loan_extend(loan: Loan, *, due_on: date, reason: str, actor: User | None, today: date | None = None) -> Loan:
    """展期: move the final due date (and the ledger entry's end) later, once, asked for before it falls due,
    when nothing is overdue, by at most ``credit_extension_max_months``."""
    if actor is not None:
        ensure_can(actor, Cap.MEASURES_EDIT)
    today = today or timezone.localdate()
    loan = Loan.objects.select_for_update().select_related("household").get(pk=loan.pk)
    if not reason.strip():
        raise _refuse("展期须说明原因 / an extension needs a reason", "REASON_REQUIRED", "reason")
    if loan.settled_on is not None:
        raise _refuse("贷款已结清，不能展期 / the loan is settled", "EXTEND_SETTLED", "due_on")
    if loan.extended_on is not None:
        raise _refuse(f"贷款已于 {loan.extended_on} 展期，只能展期一次 / the loan was already extended",
                      "EXTEND_TWICE", "due_on")
    if today > loan.due_on or loan.instalments.filter(due_on__lt=today, cumulative__gt=loan.principal_repaid).exists():
        raise _refuse("贷款已逾期，不能展期；展期须在到期前申请 / an overdue loan cannot be extended: ask before it falls "
                      "due", "EXTEND_OVERDUE", "due_on")
    params = params_for(loan.disbursed_on.year, [loan.household.village_id])[loan.household.village_id]
    longest = loan.due_on + relativedelta(months=params.integer("credit_extension_max_months"))
    if not loan.due_on < due_on <= longest:
        raise _refuse(f"展期后的到期日应晚于 {loan.due_on}，且不晚于 {longest} / the new due date must fall after "
                      f"{loan.due_on} and not after {longest}", "EXTEND_DATE_INVALID", "due_on")
    before = loan.due_on
    last = loan.instalments.order_by("-number").first()
    assert last is not None
    last.due_on = due_on
    last.save(update_fields=["due_on"])
    loan.original_due_on, loan.due_on, loan.extended_on = before, due_on, today
    loan.extension_reason = reason.strip()[:200]
    loan.save(update_fields=["original_due_on", "due_on", "extended_on", "extension_reason"])
    Measure.objects.filter(pk=loan.measure_id).update(ends_on=due_on)
    audit_record(actor=actor, action=Action.UPDATE, obj=loan, changes={
        "due_on": [before, due_on], "extended_on": today, "reason": loan.extension_reason})
    return loan
