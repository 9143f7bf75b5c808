"""The micro-credit, rating and award pages and their API: forms that refuse and record, the overdue
list per area, permissions and scope, and the household file's measures section."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from fupin.core.models import AuditEntry
from fupin.measures.credit import LoanInput, loan_create
from fupin.measures.models import Award, CreditRating, Loan, LoanRepayment

pytestmark = pytest.mark.django_db


def _loan(h, days_ago: int, term: int = 12, amount: str = "10000", contract: str = "") -> Loan:
    return loan_create(h, LoanInput(bank="郾城农商银行", amount=Decimal(amount), term_months=term,
                                    interest_rate=Decimal("0.0475"), use="breeding", contract_no=contract,
                                    disbursed_on=timezone.localdate() - timedelta(days=days_ago)), actor=None)


def test_a_cadre_records_a_loan_and_a_refusal_is_shown_not_stored(client, personas, policy, households):
    h = households["a1"]
    client.force_login(personas.cadre_a1)
    url = f"/measures/households/{h.pk}/loans/"
    day = (timezone.localdate() - timedelta(days=10)).isoformat()
    form = {"bank": "邮储银行", "contract_no": "HT-9", "amount": "60000", "term_months": "36", "rate_percent": "4.75",
            "use": "planting", "method": "bullet", "disbursed_on": day}
    page = client.post(url, form, follow=True).content.decode()
    assert "超过扶贫小额信贷额度上限" in page and not Loan.objects.exists()
    assert "超过上限 36" in client.post(url, {**form, "amount": "30000", "term_months": "48"}, follow=True).content.decode()
    response = client.post(url, {**form, "amount": "30000"})
    loan = Loan.objects.get()
    assert response["Location"] == f"/measures/loans/{loan.pk}/"
    assert (loan.interest_rate, loan.created_by, loan.borrower.relation) == (Decimal("0.0475"), personas.cadre_a1, "head")
    detail = client.get(f"/measures/loans/{loan.pk}/").content.decode()
    assert "HT-9" in detail and "正常" in detail and 'data-testid="repayment-form"' in detail
    credit = client.get(f"/measures/households/{h.pk}/credit/").content.decode()
    assert "HT-9" in credit and "30,000.00" in credit


def test_repayments_overdue_flag_and_the_overdue_list(client, personas, policy, households):
    late = _loan(households["a1"], 400, contract="HT-LATE")  # 12 months from 400 days ago: fell due ~35 days ago
    _loan(households["b1"], 30, contract="HT-B1")
    client.force_login(personas.cadre_a1)
    detail = client.get(f"/measures/loans/{late.pk}/").content.decode()
    assert 'data-testid="overdue-flag"' in detail
    today = timezone.localdate().isoformat()
    page = client.post(f"/measures/loans/{late.pk}/repayments/", {"paid_on": today, "principal": "10000.01"},
                       follow=True).content.decode()
    assert "超过未还本金" in page and not LoanRepayment.objects.exists()
    client.post(f"/measures/loans/{late.pk}/repayments/", {"paid_on": today, "principal": "4000", "interest": "100"})
    assert LoanRepayment.objects.get().principal == Decimal("4000")
    listing = client.get("/measures/loans/?state=overdue").content.decode()
    assert "HT-LATE" in listing and "甲村民委员会" in listing and "HT-B1" not in listing
    client.post(f"/measures/loans/{late.pk}/repayments/", {"paid_on": today, "principal": "6000"})
    detail = client.get(f"/measures/loans/{late.pk}/").content.decode()
    assert 'data-testid="overdue-flag"' not in detail and "已结清" in detail
    assert "HT-LATE" not in client.get("/measures/loans/?state=overdue").content.decode()
    client.force_login(personas.officer)
    assert "HT-B1" in client.get("/measures/loans/").content.decode()


def test_other_villages_and_auditors_cannot_change_loans(client, personas, policy, households):
    loan = _loan(households["a1"], 30)
    client.force_login(personas.cadre_a2)
    assert client.get(f"/measures/loans/{loan.pk}/").status_code == 404
    assert client.post(f"/measures/loans/{loan.pk}/repayments/", {"paid_on": "2020-01-01",
                                                                  "principal": "1"}).status_code == 404
    client.force_login(personas.auditor)
    assert client.get(f"/measures/loans/{loan.pk}/").status_code == 200
    today = timezone.localdate().isoformat()
    assert client.post(f"/measures/loans/{loan.pk}/repayments/", {"paid_on": today, "principal": "1"}).status_code == 403
    assert client.post(f"/measures/households/{households['a1'].pk}/rating/", {
        "grade": "AA", "rated_on": today, "evaluator": "小组"}).status_code == 403
    assert not LoanRepayment.objects.exists() and not CreditRating.objects.exists()


def test_ratings_awards_and_the_household_file(client, personas, policy, households):
    h = households["a1"]
    today = timezone.localdate()
    client.force_login(personas.cadre_a1)
    client.post(f"/measures/households/{h.pk}/rating/", {"grade": "AAA", "rated_on": today.isoformat(),
                                                         "evaluator": "甲村信用评定小组"})
    page = client.post(f"/measures/households/{h.pk}/awards/", {
        "category": "self_reliance_star", "year": today.year, "awarded_on": today.isoformat(), "reason": "养牛致富",
        "approving_unit": "孟庙镇人民政府"}, follow=True).content.decode()
    assert "积分 +20" in page
    page = client.post(f"/measures/households/{h.pk}/awards/", {
        "category": "star_household", "year": today.year, "awarded_on": today.isoformat(), "reason": "整洁",
        "approving_unit": "孟庙镇人民政府"}, follow=True).content.decode()
    assert "须评定 1 至 5 星" in page and Award.objects.count() == 1
    assert "AAA" in client.get("/measures/credit/").content.decode()
    assert "养牛致富" in client.get("/measures/awards/").content.decode()
    file = client.get(f"/registry/households/{h.pk}/").content.decode()
    section = file.split('data-section="measures"')[1].split("</section>")[0]
    assert "信用户" in section and "自强之星" in section and "养牛致富" in section
    assert AuditEntry.objects.filter(object_type="measures.creditrating").exists()
    assert AuditEntry.objects.filter(object_type="measures.award").exists()


def test_the_api_lists_loans_with_state_and_subsidy(client, personas, policy, households):
    late = _loan(households["a1"], 400, contract="API-LATE")
    _loan(households["b1"], 30, contract="API-B1")
    client.force_login(personas.cadre_a1)
    data = client.get("/api/v1/measures/loans").json()
    assert data["count"] == 1 and data["items"][0]["contract_no"] == "API-LATE"
    item = data["items"][0]
    assert item["state"] == "overdue" and item["days_overdue"] > 0 and Decimal(item["subsidy"]) >= 0
    assert client.get("/api/v1/measures/loans?state=normal").json()["count"] == 0
    one = client.get(f"/api/v1/measures/loans/{late.pk}").json()
    assert len(one["instalments"]) == 1 and [s["year"] for s in one["subsidies"]] == sorted(
        {late.disbursed_on.year, late.due_on.year})
    other = Loan.objects.get(contract_no="API-B1")
    assert client.get(f"/api/v1/measures/loans/{other.pk}").status_code == 404
    assert [v["village"] for v in client.get("/api/v1/measures/credit").json()["villages"]] == ["甲村民委员会"]
