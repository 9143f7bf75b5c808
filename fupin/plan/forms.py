from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.plan.models import Period


class ReportForm(forms.Form):
    """The report's head; the per-task lines come as ``progress-<task>``, ``percent-<task>``, ``finished-<task>``."""

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    period = forms.ChoiceField(label=_("报告期"), choices=Period.choices)
    summary = forms.CharField(label=_("工作进展"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000)
