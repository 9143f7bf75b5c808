from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class HelperForm(forms.Form):
    name = forms.CharField(label=_("帮扶责任人"), max_length=30)
    unit = forms.CharField(label=_("工作单位"), required=False, max_length=100)
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=20)
    starts_on = forms.DateField(label=_("帮扶开始"), required=False)
