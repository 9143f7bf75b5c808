"""HTML input for the hotline pages (shape only; the services check the rest)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from fupin.hotline.models import Category, Channel, RoutingRule, Ticket
from fupin.notices.models import Objection

STAFF_CHANNELS = [(Channel.HOTLINE.value, Channel.HOTLINE.label), (Channel.CADRE.value, Channel.CADRE.label),
                  (Channel.OBJECTION.value, Channel.OBJECTION.label)]


def _text(label: Any, rows: int = 3, required: bool = True) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=settings.FUPIN_HOTLINE_TEXT_MAX,
                           widget=forms.Textarea(attrs={"rows": rows}))


class TicketForm(forms.Form):
    channel = forms.ChoiceField(label=_("渠道"), choices=STAFF_CHANNELS)
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    area = forms.CharField(label=_("所涉区域（区划代码）"), max_length=12)
    household_no = forms.CharField(label=_("所涉农户（户编号）"), max_length=32, required=False)
    notice = forms.IntegerField(label=_("异议的公示编号"), required=False, min_value=1)
    title = forms.CharField(label=_("摘要"), max_length=120, required=False)
    text = _text(_("诉求内容"), 4)
    citizen_name = forms.CharField(label=_("反映人"), max_length=50, required=False)
    citizen_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)


class PublicForm(forms.Form):
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    area = forms.CharField(label=_("所在乡镇或村"), max_length=12)
    notice = forms.IntegerField(label=_("对公示有异议时，填写公示编号"), required=False, min_value=1)
    text = _text(_("您的诉求"), 6)
    citizen_name = forms.CharField(label=_("姓名（可不填）"), max_length=50, required=False)
    citizen_phone = forms.CharField(label=_("联系电话（可不填）"), max_length=30, required=False)


class TrackForm(forms.Form):
    code = forms.CharField(label=_("查询码"), max_length=40)


class TransferForm(forms.Form):
    to = forms.CharField(label=_("转给"), max_length=60)
    reason = forms.CharField(label=_("转办理由"), max_length=500)


class ReplyForm(forms.Form):
    text = _text(_("答复内容"))
    outcome = forms.ChoiceField(label=_("异议处理结果"), choices=[("", "—"), *Objection.Outcome.choices], required=False)


class CallbackForm(forms.Form):
    satisfaction = forms.ChoiceField(label=_("满意度"), choices=Ticket.Satisfaction.choices)
    note = forms.CharField(label=_("回访记录"), max_length=500, required=False)


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("重新办理理由"), max_length=500)


class NoteForm(forms.Form):
    text = _text(_("办理记录"), 2)


class RuleForm(forms.Form):
    category = forms.ChoiceField(label=_("类别"), choices=[("", _("全部类别")), *Category.choices], required=False)
    area = forms.CharField(label=_("适用区域（区划代码，空为全区）"), max_length=12, required=False)
    to = forms.CharField(label=_("承办单位"), max_length=60)


class DeadlineForm(forms.Form):
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    days = forms.IntegerField(label=_("办理时限（天）"), min_value=1, max_value=365)
    remind_hours = forms.IntegerField(label=_("提前提醒（小时）"), min_value=0, max_value=24 * 30)


LOCAL_CHOICES = RoutingRule.Local.choices
