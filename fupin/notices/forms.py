from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.notices.models import Objection


class ObjectionForm(forms.Form):
    raised_by_name = forms.CharField(label=_("异议人"), required=False, max_length=50)
    contact = forms.CharField(label=_("联系方式"), required=False, max_length=50)
    text = forms.CharField(label=_("异议内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(label=_("处理结果"), choices=Objection.Outcome.choices)
    resolution = forms.CharField(label=_("处理意见"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(forms.Form):
    note = forms.CharField(label=_("撤下说明"), required=False, max_length=200)
