from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.measures.models import Measure


class MeasureForm(forms.Form):
    programme = forms.CharField(label=_("帮扶项目"), max_length=40)
    member = forms.IntegerField(label=_("受益成员"), required=False)
    starts_on = forms.DateField(label=_("开始日期"))
    ends_on = forms.DateField(label=_("结束日期"), required=False)
    amount = forms.DecimalField(label=_("金额(元)"), required=False, max_digits=12, decimal_places=2, min_value=0)
    quantity = forms.IntegerField(label=_("数量"), required=False, min_value=0)
    evidence = forms.CharField(label=_("佐证说明"), max_length=300, required=False)
    status = forms.ChoiceField(label=_("状态"), choices=Measure.Status.choices[:3], required=False)


class DecisionForm(forms.Form):
    programme = forms.CharField(label=_("帮扶项目"), max_length=40)
    decision = forms.ChoiceField(label=_("处理"), choices=[("accept", _("采纳")), ("dismiss", _("不采纳"))])
    starts_on = forms.DateField(label=_("开始日期"), required=False)
    amount = forms.DecimalField(label=_("金额(元)"), required=False, max_digits=12, decimal_places=2, min_value=0)
    reason = forms.CharField(label=_("理由"), max_length=300, required=False)


class PointsForm(forms.Form):
    action = forms.ChoiceField(label=_("操作"), choices=[("earn", _("获得积分")), ("redeem", _("兑换物品"))])
    rule = forms.CharField(label=_("积分事项"), max_length=30, required=False)
    points = forms.IntegerField(label=_("兑换积分"), required=False, min_value=1)
    goods = forms.CharField(label=_("兑换物品"), max_length=100, required=False)
    on = forms.DateField(label=_("日期"), required=False)


class DeliveryForm(forms.Form):
    file = forms.FileField(label=_("名单文件"))
    valid_only = forms.BooleanField(label=_("只导入无误的行"), required=False)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=Measure.Status.choices)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
