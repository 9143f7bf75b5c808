"""扶贫小额信贷: the loan's rules and refusals, its schedule and ledger entry, repayments that cannot exceed
what is owed, extensions, overdue detection on planted loans, and the interest subsidy per year."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from fupin.assessment.services import policy_version_create, policy_version_publish
from fupin.core.errors import BadInput
from fupin.core.models import AuditEntry
from fupin.measures.credit import LoanInput, loan_create, loan_extend, repayment_record, schedule
from fupin.measures.credit_selectors import (
    annotate_state,
    decorate,
    loan_list,
    loan_subsidies,
    overdue_by_village,
    subsidies,
)
from fupin.measures.filters import LoanFilter
from fupin.measures.models import Loan, LoanInstalment, LoanRepayment, Measure
from fupin.measures.tests.conftest import add_member

pytestmark = pytest.mark.django_db
TODAY = date(2021, 6, 30)
D = Decimal


def lend(h, amount, disbursed, *, term=36, method="bullet", rate="0.0475", borrower=None, contract="", actor=None,
         today=TODAY):
    return loan_create(h, LoanInput(bank="郾城农商银行", amount=D(amount), term_months=term, interest_rate=D(rate),
                                    use="breeding", disbursed_on=disbursed, method=method, borrower=borrower,
                                    contract_no=contract), actor=actor, today=today)


def repay(loan, paid_on, principal="0", interest="0", today=TODAY):
    return repayment_record(loan, paid_on=paid_on, principal=D(principal), interest=D(interest), actor=None,
                            today=today)


def refused(code, fn, *args, **kw):
    counts = (Loan.objects.count(), Measure.objects.count(), LoanRepayment.objects.count())
    with pytest.raises(BadInput) as exc:
        fn(*args, **kw)
    assert exc.value.code == code, exc.value.message
    assert (Loan.objects.count(), Measure.objects.count(), LoanRepayment.objects.count()) == counts
    return exc.value.message


def test_months_are_added_to_the_last_day_of_a_shorter_month():
    def due(disbursed: date, months: int) -> date:
        return schedule(D("1000"), disbursed, months, "bullet")[-1].due_on

    assert due(date(2019, 1, 31), 1) == date(2019, 2, 28)
    assert due(date(2019, 11, 30), 3) == date(2020, 2, 29)
    assert due(date(2019, 3, 15), 36) == date(2022, 3, 15)


def test_an_annual_schedule_splits_the_principal_and_the_last_part_keeps_the_cents():
    rows = schedule(D("10000"), date(2019, 3, 15), 36, "annual")
    assert [(r.due_on, r.principal, r.cumulative) for r in rows] == [
        (date(2020, 3, 15), D("3333.33"), D("3333.33")), (date(2021, 3, 15), D("3333.33"), D("6666.66")),
        (date(2022, 3, 15), D("3333.34"), D("10000"))]
    assert [(r.due_on, r.principal) for r in schedule(D("10000"), date(2019, 3, 15), 30, "annual")][-1] == (
        date(2021, 9, 15), D("3333.34"))
    assert len(schedule(D("10000"), date(2019, 3, 15), 36, "bullet")) == 1


def test_a_loan_is_recorded_with_its_schedule_and_its_measure(policy, households, personas):
    h = households["a1"]
    loan = lend(h, "30000", date(2019, 3, 15), method="annual", contract="HT-001", actor=personas.cadre_a1)
    assert loan.due_on == date(2022, 3, 15) and loan.borrower.relation == "head"
    assert list(loan.instalments.values_list("due_on", "principal")) == [
        (date(2020, 3, 15), D("10000")), (date(2021, 3, 15), D("10000")), (date(2022, 3, 15), D("10000"))]
    m = loan.measure
    assert (m.programme.code, m.amount, m.starts_on, m.ends_on, m.created_by) == (
        "micro_credit", D("30000"), date(2019, 3, 15), date(2022, 3, 15), personas.cadre_a1)
    assert "HT-001" in m.evidence
    assert AuditEntry.objects.filter(object_type="measures.loan", object_id=str(loan.pk)).exists()


def test_the_amount_limit_counts_the_household_s_outstanding_loans(policy, households):
    h = households["a1"]
    assert "超过扶贫小额信贷额度上限 50000" in refused("AMOUNT_OVER_LIMIT", lend, h, "50000.01", date(2019, 3, 1))
    first = lend(h, "30000", date(2019, 3, 1))
    msg = refused("AMOUNT_OVER_LIMIT", lend, h, "20000.01", date(2019, 5, 1))
    assert "未结清贷款余额 30000" in msg
    lend(h, "20000", date(2019, 5, 1))  # 50,000 in all: at the limit, allowed
    repay(first, date(2020, 1, 10), principal="100")
    lend(h, "100", date(2020, 2, 1))  # repaid principal frees the limit again
    version = policy_version_create(year=2019, values={"measure_micro_credit_max": "30000"}, reason="本地额度",
                                    actor=None)
    policy_version_publish(version, actor=None)
    refused("AMOUNT_OVER_LIMIT", lend, households["a2"], "30000.01", date(2019, 6, 1))


def test_the_term_and_the_household_and_the_borrower_are_checked(policy, households):
    h = households["a1"]
    assert "37 个月超过上限 36" in refused("TERM_OVER_MAX", lend, h, "10000", date(2019, 3, 1), term=37)
    lend(h, "10000", date(2019, 3, 1), term=36)
    version = policy_version_create(year=2019, values={"credit_term_max_months": 24}, reason="本地期限", actor=None)
    policy_version_publish(version, actor=None)
    refused("TERM_OVER_MAX", lend, h, "10000", date(2019, 4, 1), term=36)
    applicant = households["a2"]
    applicant.status = "applied"
    applicant.save(update_fields=["status"])
    assert "不是建档立卡户" in refused("HOUSEHOLD_NOT_ELIGIBLE", lend, applicant, "10000", date(2019, 3, 1))
    young = add_member(h, "小明", date(2002, 1, 1))
    assert "17 岁" in refused("BORROWER_AGE", lend, h, "10000", date(2019, 3, 1), term=12, borrower=young)
    old = add_member(h, "老王", date(1950, 1, 1))
    refused("BORROWER_AGE", lend, h, "10000", date(2019, 3, 1), term=12, borrower=old)
    refused("MEMBER_NOT_IN_HOUSEHOLD", lend, h, "10000", date(2019, 3, 1), term=12,
            borrower=households["b1"].members.first())
    refused("DISBURSED_IN_FUTURE", lend, h, "10000", date(2021, 7, 1), term=12)


def test_a_refused_loan_by_someone_without_the_capability_changes_nothing(policy, households, personas):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        lend(households["a1"], "10000", date(2019, 3, 1), actor=personas.auditor)
    assert not Loan.objects.exists() and not Measure.objects.exists()


def test_repayments_cannot_exceed_what_is_owed_nor_precede_the_loan(policy, households):
    loan = lend(households["a1"], "10000", date(2019, 1, 1), term=24)
    refused("REPAYMENT_BEFORE_DISBURSEMENT", repay, loan, date(2018, 12, 31), principal="100")
    refused("REPAYMENT_IN_FUTURE", repay, loan, date(2021, 7, 1), principal="100")
    refused("REPAYMENT_EMPTY", repay, loan, date(2019, 4, 11))
    assert "超过未还本金 10000" in refused("REPAYMENT_OVER_BALANCE", repay, loan, date(2019, 4, 11), principal="10000.01")
    # 100 days on 10,000 at 4.75 % (a day is 1/360 of a year): 131.944… → 131.94 is owed, not a fen more.
    refused("INTEREST_OVER_OWED", repay, loan, date(2019, 4, 11), principal="4000", interest="131.95")
    repay(loan, date(2019, 4, 11), principal="4000", interest="131.94")
    # 100 more days on 6,000: 79.17 more.
    refused("INTEREST_OVER_OWED", repay, loan, date(2019, 7, 20), interest="79.18")
    repay(loan, date(2019, 7, 20), interest="79.17")
    refused("REPAYMENT_BEFORE_LAST", repay, loan, date(2019, 7, 19), principal="1")
    loan.refresh_from_db()
    assert (loan.principal_repaid, loan.interest_repaid, loan.settled_on) == (D("4000"), D("211.11"), None)
    refused("REPAYMENT_OVER_BALANCE", repay, loan, date(2019, 8, 1), principal="6000.01")
    repay(loan, date(2019, 8, 1), principal="6000")
    loan.refresh_from_db()
    assert (loan.outstanding, loan.settled_on) == (D(0), date(2019, 8, 1))
    refused("REPAYMENT_OVER_BALANCE", repay, loan, date(2019, 8, 2), principal="0.01")


def test_the_database_keeps_the_repaid_principal_within_the_amount(policy, households):
    loan = lend(households["a1"], "10000", date(2019, 1, 1), term=24)
    with pytest.raises(IntegrityError), transaction.atomic():
        Loan.objects.filter(pk=loan.pk).update(principal_repaid=D("10000.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Loan.objects.filter(pk=loan.pk).update(principal_repaid=D("10000"))  # fully repaid but not settled


def test_an_extension_moves_the_last_instalment_once_before_the_loan_falls_due(policy, households):
    loan = lend(households["a1"], "12000", date(2019, 9, 1), term=24, method="annual")  # due 2020-09-01, 2021-09-01
    repay(loan, date(2020, 8, 30), principal="6000")
    refused("EXTEND_DATE_INVALID", loan_extend, loan, due_on=date(2022, 9, 2), reason="受灾", actor=None, today=TODAY)
    refused("REASON_REQUIRED", loan_extend, loan, due_on=date(2022, 3, 1), reason=" ", actor=None, today=TODAY)
    loan_extend(loan, due_on=date(2022, 9, 1), reason="养殖受灾", actor=None, today=TODAY)
    loan.refresh_from_db()
    assert (loan.due_on, loan.original_due_on, loan.extended_on) == (date(2022, 9, 1), date(2021, 9, 1), TODAY)
    assert list(loan.instalments.values_list("due_on", flat=True)) == [date(2020, 9, 1), date(2022, 9, 1)]
    assert loan.measure.ends_on == date(2022, 9, 1)
    extended = annotate_state(Loan.objects.filter(pk=loan.pk), TODAY)
    assert extended.values_list("state", flat=True).get() == "extended"  # type: ignore[misc]
    refused("EXTEND_TWICE", loan_extend, loan, due_on=date(2022, 10, 1), reason="再次", actor=None, today=TODAY)
    late = lend(households["a2"], "5000", date(2019, 1, 1), term=12)  # fell due on 2020-01-01
    refused("EXTEND_OVERDUE", loan_extend, late, due_on=date(2021, 12, 1), reason="困难", actor=None, today=TODAY)


def _plant(households):
    """Loans of every state in three villages, seen on TODAY (2021-06-30)."""
    a1, a2, b1 = households["a1"], households["a2"], households["b1"]
    late = lend(a1, "20000", date(2019, 6, 1), term=24, contract="逾期-到期")  # due 2021-06-01, part repaid
    repay(late, date(2020, 6, 1), principal="5000")
    instalment = lend(add_household(a1.village, "H-A1-0002"), "9000", date(2020, 5, 1), term=36, method="annual",
                      contract="逾期-分期")  # first 3,000 due 2021-05-01, unpaid; final due in 2023
    settled = lend(a2, "10000", date(2019, 1, 10), term=12, contract="结清")
    repay(settled, date(2020, 1, 10), principal="10000", interest="400")
    today_due = lend(add_household(a2.village, "H-A2-0002"), "8000", date(2020, 6, 30), term=12,
                     contract="今日到期")  # falls due today: not overdue yet
    covered = lend(b1, "9000", date(2020, 5, 1), term=36, method="annual", contract="分期已还")
    repay(covered, date(2021, 4, 30), principal="3000")
    normal = lend(add_household(b1.village, "H-B1-0002"), "15000", date(2021, 1, 5), term=36, contract="正常")
    return {"late": late, "instalment": instalment, "settled": settled, "today_due": today_due, "covered": covered,
            "normal": normal}


def _loans(user: Any, today: date, **params: Any) -> QuerySet[Loan]:
    """The loan list as its page and API filter it."""
    return LoanFilter(params, queryset=loan_list(user, today=today)).qs


def add_household(village, number):
    from fupin.core.testing import make_household

    return make_household(village, number)


def test_overdue_loans_are_found_by_due_date_and_by_instalment_and_no_others(policy, households, personas):
    loans = _plant(households)
    states = dict(loan_list(personas.officer, today=TODAY).values_list("contract_no", "state"))  # type: ignore[misc]
    assert states == {"逾期-到期": "overdue", "逾期-分期": "overdue", "结清": "settled", "今日到期": "normal",
                      "分期已还": "normal", "正常": "normal"}
    overdue = list(_loans(personas.officer, TODAY, state="overdue"))
    assert [loan.contract_no for loan in overdue] == ["逾期-分期", "逾期-到期"]  # longest overdue first in the village
    rows = overdue_by_village(loan_list(personas.officer, today=TODAY), TODAY)
    assert [(r.township, r.village, r.loans, r.outstanding, r.days) for r in rows] == [
        ("孟庙镇", "甲村民委员会", 2, D("24000"), 60)]  # 15,000 + 9,000 outstanding; since 2021-05-01
    detail = {x.contract_no: (x.days_overdue, x.overdue_principal)  # type: ignore[attr-defined]
              for x in decorate(overdue, TODAY)}
    assert detail == {"逾期-到期": (29, D("15000")), "逾期-分期": (60, D("3000"))}
    # The next day the loan due today is overdue too; a repayment covering the instalment clears the other.
    tomorrow = date(2021, 7, 1)
    assert {x.contract_no for x in _loans(personas.officer, tomorrow, state="overdue")} == {
        "逾期-到期", "逾期-分期", "今日到期"}
    repay(loans["instalment"], TODAY, principal="3000", interest="1")
    assert {x.contract_no for x in _loans(personas.officer, TODAY, state="overdue")} == {"逾期-到期"}
    # Scope: village a2's cadre sees none of a1's overdue loans, whatever the filter says.
    assert not _loans(personas.cadre_a2, TODAY, state="overdue", village=households["a1"].village_id).exists()


def test_the_subsidy_of_a_year_follows_the_outstanding_balance_day_by_day(policy, households):
    loan = lend(households["a1"], "20000", date(2019, 7, 1), term=36)  # due 2022-07-01
    repay(loan, date(2020, 3, 1), principal="5000")
    cheap = lend(households["a2"], "10000", date(2019, 7, 1), term=36, rate="0.04")
    late = lend(households["b1"], "10000", date(2019, 7, 1), term=12)  # due 2020-07-01, never repaid
    rows = [(x.pk, x.household.village_id, x.amount, x.interest_rate, x.disbursed_on, x.due_on)
            for x in (loan, cheap, late)]
    per_year = {year: subsidies(rows, year) for year in (2019, 2020, 2021, 2022, 2023)}
    # 2019: 184 days on 20,000 at the benchmark 4.75 % / 360.
    assert per_year[2019][loan.pk].amount == (D(20000 * 184) * D("0.0475") / 360).quantize(D("0.01"))  # 485.56
    assert per_year[2019][loan.pk].amount == D("485.56")
    # 2020 (366 days): 20,000 all year less 5,000 from 1 March (306 days).
    assert per_year[2020][loan.pk].amount == D("763.96")
    assert per_year[2022][loan.pk].amount == D("358.23")  # 15,000 for 181 days, to the due date
    assert per_year[2023][loan.pk].amount == D(0)
    assert per_year[2019][cheap.pk].rate == D("0.04") and per_year[2019][cheap.pk].amount == D("204.44")
    assert per_year[2020][late.pk].amount == D("240.14")  # 182 days to the due date; the overdue days are not subsidised
    assert per_year[2021][late.pk].amount == D(0)
    assert [(s.year, s.amount) for s in loan_subsidies(loan)] == [(y, per_year[y][loan.pk].amount)
                                                                  for y in (2019, 2020, 2021, 2022)]
    version = policy_version_create(year=2020, values={"credit_benchmark_rate": "0.0435"}, reason="基准利率调整",
                                    actor=None)
    policy_version_publish(version, actor=None)
    assert subsidies(rows, 2020)[loan.pk].amount == D("699.63")  # 5,790,000 yuan-days at 4.35 %
    assert subsidies(rows, 2019)[loan.pk].amount == D("485.56")


def test_instalments_hold_the_cumulative_principal(policy, households):
    loan = lend(households["a1"], "9000", date(2020, 5, 1), term=36, method="annual")
    assert list(LoanInstalment.objects.filter(loan=loan).values_list("cumulative", flat=True)) == [
        D("3000"), D("6000"), D("9000")]
