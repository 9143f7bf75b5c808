"""The household file's one input: the day to show the household as it stood on (``?as_of=YYYY-MM-DD``)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AsOfForm(forms.Form):
    as_of = forms.DateField(label=_("查看某日的情况"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                            error_messages={"invalid": _("查看日期：请输入 YYYY-MM-DD 格式的日期")})

    def clean_as_of(self) -> date:
        day: date = self.cleaned_data["as_of"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("查看日期：不能晚于今天"), code="future")
        return day
