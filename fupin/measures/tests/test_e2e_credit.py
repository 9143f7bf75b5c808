"""扶贫小额信贷 in Chromium: a village cadre records a loan that has already fallen due, sees it flagged
overdue, records a repayment that leaves principal overdue, and finds the loan in the village's overdue
list; at desktop and phone widths (screenshots in test-artifacts/screenshots)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from fupin.assessment.services import policy_seed_defaults
from fupin.core.testing import make_household
from fupin.measures.models import Loan, LoanRepayment
from fupin.measures.services import programmes_seed
from fupin.site.tests.conftest import DESKTOP, PHONE, screenshot, sign_in
from fupin.site.tests.test_e2e_household_file import horizontal_overflow, watch_console

pytestmark = pytest.mark.e2e


@pytest.fixture
def household(e2e_personas):
    programmes_seed()  # transactional tests start from empty tables
    policy_seed_defaults()
    return make_household(e2e_personas.areas.village_a1, "H-A1-0301")


@pytest.mark.parametrize(("width", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_a_cadre_records_a_loan_and_a_repayment_and_sees_it_overdue(page: Page, live_server, household, width,
                                                                     viewport):
    errors = watch_console(page)
    page.set_viewport_size(viewport)  # type: ignore[arg-type]
    sign_in(page, live_server.url, "cadre_a1")
    page.goto(f"{live_server.url}/measures/households/{household.pk}/")
    page.get_by_test_id("credit-link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("小额信贷")

    disbursed = timezone.localdate() - timedelta(days=400)  # a 12-month loan: fell due about 35 days ago
    form = page.get_by_test_id("loan-form")
    form.get_by_label("放贷银行").fill("郾城农商银行")
    form.get_by_label("合同编号").fill("HT-E2E-1")
    form.get_by_label("贷款金额(元)").fill("20000")
    form.get_by_label("期限(月)").fill("12")
    form.get_by_label("用途").select_option("breeding")
    form.get_by_label("放款日期").fill(disbursed.isoformat())
    form.get_by_test_id("loan-submit").click()
    expect(page.locator(".messages")).to_contain_text("已登记扶贫小额信贷")
    expect(page.get_by_test_id("overdue-flag")).to_contain_text("逾期")
    expect(page.get_by_test_id("overdue-flag")).to_contain_text("20,000.00")
    screenshot(page, f"credit-loan-overdue-{width}")

    repay = page.get_by_test_id("repayment-form")
    repay.get_by_label("本金(元)").fill("30000")
    repay.get_by_test_id("repayment-submit").click()
    expect(page.locator(".messages")).to_contain_text("超过未还本金")
    repay = page.get_by_test_id("repayment-form")
    repay.get_by_label("本金(元)").fill("5000")
    repay.get_by_label("利息(元)").fill("300")
    repay.get_by_test_id("repayment-submit").click()
    expect(page.locator(".messages")).to_contain_text("已登记还款")
    expect(page.get_by_test_id("repayments")).to_contain_text("5,000.00")
    expect(page.get_by_test_id("loan-outstanding")).to_have_text("15,000.00")
    expect(page.get_by_test_id("overdue-flag")).to_contain_text("15,000.00")  # still overdue: principal unpaid
    if width == "phone":
        assert horizontal_overflow(page) <= 0, "the loan page scrolls sideways on a phone"
    screenshot(page, f"credit-loan-repaid-{width}")

    page.goto(f"{live_server.url}/measures/loans/")
    page.get_by_test_id("overdue-only").click()
    expect(page.get_by_test_id("loan-table")).to_contain_text("HT-E2E-1")
    expect(page.get_by_test_id("loan-table").locator(".bad")).to_contain_text("逾期")
    expect(page.get_by_test_id("overdue-villages")).to_contain_text("甲村民委员会")
    if width == "phone":
        assert horizontal_overflow(page) <= 0, "the loan list scrolls sideways on a phone"
    screenshot(page, f"credit-loans-overdue-{width}")
    for name, path in (("credit", "/measures/credit/"), ("awards", "/measures/awards/"),
                       ("household", f"/measures/households/{household.pk}/credit/")):
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        if width == "phone":
            assert horizontal_overflow(page) <= 0, f"{path} scrolls sideways on a phone"
        screenshot(page, f"credit-{name}-{width}")
    loan = Loan.objects.get()
    assert (loan.principal_repaid, loan.interest_repaid, loan.settled_on) == (Decimal("5000"), Decimal("300"), None)
    assert LoanRepayment.objects.count() == 1 and loan.measure.programme.code == "micro_credit"
    assert errors == []
