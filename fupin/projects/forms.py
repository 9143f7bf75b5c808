"""HTML input for projects: the proposal, a step, a beneficiary, an asset and a payout, and the
public objection form. Shapes only; the services check the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.projects.models import Asset, FundSource, Project, ProjectStep


class ProjectForm(forms.Form):
    year = forms.IntegerField(label=_("计划年度"), min_value=2000, max_value=2100)
    name = forms.CharField(label=_("项目名称"), max_length=200)
    category = forms.ChoiceField(label=_("项目类别"), choices=Project.Category.choices)
    nature = forms.ChoiceField(label=_("建设性质"), choices=Project.Nature.choices)
    area = forms.IntegerField(label=_("实施地点"))
    location = forms.CharField(label=_("具体位置"), max_length=200, required=False)
    department = forms.IntegerField(label=_("责任单位"))
    planned_start = forms.DateField(label=_("计划开工"))
    planned_end = forms.DateField(label=_("计划完工"))
    tasks = forms.CharField(label=_("建设任务"), widget=forms.Textarea)
    budget_central = forms.DecimalField(label=_("中央财政(元)"), required=False, decimal_places=2, min_value=0)
    budget_provincial = forms.DecimalField(label=_("省级财政(元)"), required=False, decimal_places=2, min_value=0)
    budget_city = forms.DecimalField(label=_("市级财政(元)"), required=False, decimal_places=2, min_value=0)
    budget_district = forms.DecimalField(label=_("区级财政(元)"), required=False, decimal_places=2, min_value=0)
    budget_integrated = forms.DecimalField(label=_("统筹整合涉农资金(元)"), required=False, decimal_places=2,
                                           min_value=0)
    benefit_mechanism = forms.CharField(label=_("群众参与和带贫减贫机制"), widget=forms.Textarea)
    # Not required here: the service refuses a project without targets with its own message.
    performance_targets = forms.CharField(label=_("绩效目标"), widget=forms.Textarea, required=False)
    households = forms.CharField(label=_("受益户编号（每行一个）"), widget=forms.Textarea, required=False)


class StepForm(forms.Form):
    note = forms.CharField(label=_("说明"), required=False, max_length=4000)
    amount = forms.CharField(label=_("金额(元)"), required=False, max_length=20)
    source = forms.ChoiceField(label=_("资金来源"), choices=[("", "—"), *FundSource.choices], required=False)
    payee = forms.ChoiceField(label=_("收款方类型"), choices=[("", "—"), *ProjectStep.Payee.choices], required=False)
    payee_name = forms.CharField(label=_("收款方"), required=False, max_length=100)
    household_no = forms.CharField(label=_("受益户编号"), required=False, max_length=32)
    year = forms.IntegerField(label=_("调整后年度"), required=False, min_value=2000, max_value=2100)


class BeneficiaryForm(forms.Form):
    household_no = forms.CharField(label=_("户编号"), max_length=32)
    benefit = forms.CharField(label=_("受益方式"), required=False, max_length=200)


class AssetForm(forms.Form):
    name = forms.CharField(label=_("资产名称"), max_length=200)
    kind = forms.ChoiceField(label=_("资产类别"), choices=Asset.Kind.choices)
    value = forms.CharField(label=_("资产原值(元)"), max_length=20)
    owner = forms.CharField(label=_("所有权人"), max_length=100)
    custodian = forms.CharField(label=_("管护责任人"), max_length=100)
    formed_on = forms.DateField(label=_("形成日期"))
    household_no = forms.CharField(label=_("到户农户编号"), required=False, max_length=32)


class PayoutForm(forms.Form):
    household_no = forms.CharField(label=_("户编号"), max_length=32)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    amount = forms.CharField(label=_("分配金额(元)"), max_length=20)
    paid_on = forms.DateField(label=_("发放日期"))


class PublicObjectionForm(forms.Form):
    text = forms.CharField(label=_("异议内容"), max_length=4000, widget=forms.Textarea)
    raised_by_name = forms.CharField(label=_("姓名（可匿名）"), max_length=50, required=False)
    contact = forms.CharField(label=_("联系方式（可不填）"), max_length=50, required=False)
    # A field people do not see: a form filled in by a script that fills every field is dropped.
    website = forms.CharField(required=False, max_length=200)


def form_errors(form: forms.Form) -> str:
    return "；".join(f"{form.fields[k].label}：{e}" if k in form.fields else str(e)
                    for k, errors in form.errors.items() for e in errors)
