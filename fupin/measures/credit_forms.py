"""HTML input of the micro-credit, rating and award forms (shapes only; the services decide)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.measures.models import CreditRating, Loan


class LoanForm(forms.Form):
    borrower = forms.IntegerField(label=_("借款人"), required=False)
    bank = forms.CharField(label=_("放贷银行"), max_length=60)
    contract_no = forms.CharField(label=_("合同编号"), max_length=40, required=False)
    amount = forms.DecimalField(label=_("贷款金额(元)"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    term_months = forms.IntegerField(label=_("期限(月)"), min_value=1, max_value=600)
    rate_percent = forms.DecimalField(label=_("年利率(%)"), max_digits=6, decimal_places=3, min_value=0,
                                      max_value=100)
    use = forms.ChoiceField(label=_("用途"), choices=Loan.Use.choices)
    method = forms.ChoiceField(label=_("还款方式"), choices=Loan.Method.choices, required=False)
    disbursed_on = forms.DateField(label=_("放款日期"))

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("rate_percent") is not None:
            data["interest_rate"] = data["rate_percent"] / 100  # 4.75 (%) is stored as 0.0475
        return data


class RepaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("还款日期"))
    principal = forms.DecimalField(label=_("本金(元)"), max_digits=12, decimal_places=2, min_value=0, required=False)
    interest = forms.DecimalField(label=_("利息(元)"), max_digits=12, decimal_places=2, min_value=0, required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class ExtendForm(forms.Form):
    due_on = forms.DateField(label=_("展期后到期日期"))
    reason = forms.CharField(label=_("展期原因"), max_length=200)


class RatingForm(forms.Form):
    grade = forms.ChoiceField(label=_("信用等级"), choices=CreditRating.Grade.choices)
    rated_on = forms.DateField(label=_("评定日期"))
    evaluator = forms.CharField(label=_("评定组织"), max_length=60)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class AwardForm(forms.Form):
    category = forms.CharField(label=_("评定类别"), max_length=30)
    year = forms.IntegerField(label=_("年度"), min_value=2014, max_value=2100)
    stars = forms.IntegerField(label=_("星级"), min_value=1, max_value=10, required=False)
    title = forms.CharField(label=_("称号"), max_length=60, required=False)
    reason = forms.CharField(label=_("事迹"), max_length=300)
    awarded_on = forms.DateField(label=_("授予日期"))
    approving_unit = forms.CharField(label=_("批准单位"), max_length=60)
