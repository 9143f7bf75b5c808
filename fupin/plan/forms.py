from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fupin.areas.models import Area
from fupin.plan.models import Accountability, Meeting, Period


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
