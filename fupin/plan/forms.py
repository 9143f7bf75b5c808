from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fupin.areas.models import Area
from fupin.plan.models import Accountability, Meeting, Period, Unit


class ReportForm(forms.Form):
    """The report's head; the per-task lines come as ``progress-<task>``, ``percent-<task>``, ``finished-<task>``."""

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    period = forms.ChoiceField(label=_("报告期"), choices=Period.choices)
    summary = forms.CharField(label=_("工作进展"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)


class InspectionForm(forms.Form):
    title = forms.CharField(label=_("督查事项"), max_length=200)
    area = forms.ModelChoiceField(label=_("督查范围"), queryset=Area.objects.none())
    held_on = forms.DateField(label=_("督查日期"))
    unannounced = forms.BooleanField(label=_("暗访"), required=False, initial=True)
    inspectors = forms.CharField(label=_("督查组"), max_length=200, required=False)
    summary = forms.CharField(label=_("督查情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, areas: QuerySet[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["area"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = areas


class RectifyForm(forms.Form):
    rectification = forms.CharField(label=_("整改情况"), max_length=5000)


class VerifyForm(forms.Form):
    accept = forms.TypedChoiceField(label=_("核验结论"), choices=[("1", _("核验通过")), ("0", _("退回重新整改"))],
                                    coerce=lambda v: v == "1")
    note = forms.CharField(label=_("核验意见"), required=False, max_length=2000)


class AccountabilityForm(forms.Form):
    kind = forms.ChoiceField(label=_("问责方式"), choices=Accountability.Kind.choices)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    reason = forms.CharField(label=_("依据"), max_length=300)


class ReviewForm(forms.Form):
    year = forms.IntegerField(label=_("考核年度"), min_value=2000, max_value=2100)
    good_min = forms.DecimalField(label=_("“好”最低分"), initial=90, max_digits=5, decimal_places=2)
    fairly_good_min = forms.DecimalField(label=_("“较好”最低分"), initial=80, max_digits=5, decimal_places=2)
    average_min = forms.DecimalField(label=_("“一般”最低分"), initial=60, max_digits=5, decimal_places=2)


class ScoreForm(forms.Form):
    unit = forms.IntegerField(label=_("单位"))
    indicator = forms.IntegerField(label=_("指标"))
    score = forms.DecimalField(label=_("得分"), max_digits=5, decimal_places=2)
    basis = forms.CharField(label=_("依据"), max_length=300)


class AgreementForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    unit = forms.IntegerField(label=_("责任单位"))
    signed_on = forms.DateField(label=_("签订日期"))


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("会议类别"), choices=Meeting.Kind.choices)
    held_on = forms.DateField(label=_("召开日期"))
    title = forms.CharField(label=_("会议名称"), max_length=200)
    minutes = forms.CharField(label=_("会议纪要"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class SurveyForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    unit = forms.IntegerField(label=_("被调查单位"))
    respondents = forms.IntegerField(label=_("有效样本数"), min_value=1)
    satisfied = forms.IntegerField(label=_("满意（含基本满意）"), min_value=0)
    held_on = forms.DateField(label=_("调查日期"))
    method = forms.CharField(label=_("调查方式"), max_length=100, required=False)


# --- Editing the plan (PLAN_MANAGE) ------------------------------------------------------------------------

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlanForm(forms.Form):
    title = forms.CharField(label=_("规划名称"), max_length=200)
    code = forms.CharField(label=_("规划代码"), max_length=60,
                           help_text=_("小写字母、数字和连字符，建立后不能修改，如 yancheng-2021-2025"))
    starts_year = forms.IntegerField(label=_("起始年度"), min_value=2000, max_value=2100)
    ends_year = forms.IntegerField(label=_("截止年度"), min_value=2000, max_value=2100)
    issuer = forms.CharField(label=_("印发单位"), max_length=100, required=False)
    issued_on = forms.DateField(label=_("印发日期"), required=False, widget=DATE_INPUT)

    def __init__(self, *args: Any, fixed_code: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if fixed_code:  # editing: the code is shown, not sent
            del self.fields["code"]
        self.fixed_code = fixed_code


class UnitChecks(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class MeasureForm(forms.Form):
    code = forms.CharField(label=_("编号"), max_length=20, help_text=_("以点分隔的数字；子项以上级编号开头，如 2.1.3"))
    label = forms.CharField(label=_("序号"), max_length=30, required=False, help_text=_("文中的序号，如 二（一）三是"))
    title = forms.CharField(label=_("举措"), max_length=200)
    text = forms.CharField(label=_("内容"), required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 5}))
    leads = UnitChecks(label=_("牵头责任单位"), queryset=Unit.objects.none(), required=False)
    cooperating = UnitChecks(label=_("协同责任单位"), queryset=Unit.objects.none(), required=False)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("leads", "cooperating"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelMultipleChoiceField)
            field.queryset = units


class UnitChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class TaskForm(forms.Form):
    code = forms.CharField(label=_("任务编号"), max_length=30)
    title = forms.CharField(label=_("任务"), max_length=300)
    target = forms.CharField(label=_("目标"), max_length=300, required=False,
                             help_text=_("可衡量的目标，如“680 人脱贫”“覆盖全部贫困村”"))
    deadline = forms.DateField(label=_("完成时限"), widget=DATE_INPUT)
    lead = UnitChoice(label=_("牵头单位"), queryset=Unit.objects.none())
    cooperating = UnitChecks(label=_("协同单位"), queryset=Unit.objects.none(), required=False)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lead, cooperating = self.fields["lead"], self.fields["cooperating"]
        assert isinstance(lead, forms.ModelChoiceField) and isinstance(cooperating, forms.ModelMultipleChoiceField)
        lead.queryset = units.exclude(kind=Unit.Kind.GROUP)
        cooperating.queryset = units


class RetireForm(forms.Form):
    reason = forms.CharField(label=_("撤销理由"), max_length=300)


class MoveForm(forms.Form):
    direction = forms.ChoiceField(label=_("方向"), choices=[("up", _("上移")), ("down", _("下移"))])
