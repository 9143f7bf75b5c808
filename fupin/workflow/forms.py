"""Input of a workflow step from the household page (the files come from request.FILES)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.registry import codes
from fupin.workflow.models import HouseholdTransition


class TransitionForm(forms.Form):
    note = forms.CharField(label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.ChoiceField(label=_("剔除原因"), required=False,
                               choices=[("", "—"), *HouseholdTransition.Reason.choices])
    consent_by = forms.CharField(label=_("户认可签字人"), required=False, max_length=30)
    attribute = forms.ChoiceField(label=_("户属性"), required=False,
                                  choices=[("", "—"), *codes.shown(c for c in codes.Attribute.choices
                                                                   if c[0] != codes.Attribute.ORDINARY)])
