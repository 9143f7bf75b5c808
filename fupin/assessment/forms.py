from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.areas.models import Area
from fupin.assessment.models import VillageFacts
from fupin.assessment.params import PARAMS


class PolicyVersionForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2013, max_value=2035)
    region = forms.ModelChoiceField(
        label=_("适用区域"), required=False, empty_label=_("全区(默认)"),
        queryset=Area.objects.filter(level__in=("county", "township"), valid_to__isnull=True).order_by("code"))
    reason = forms.CharField(label=_("修订说明"), max_length=500)
    publish = forms.BooleanField(label=_("立即发布(不勾选则保存为草稿，可先试算影响)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for p in PARAMS:
            self.fields[f"p_{p.name}"] = forms.CharField(label=p.label, required=False,
                                                         help_text=p.help, max_length=20)

    def values(self) -> dict[str, Any]:
        return {p.name: self.cleaned_data[f"p_{p.name}"].strip() for p in PARAMS
                if self.cleaned_data.get(f"p_{p.name}", "").strip()}


class VillageFactsForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = VillageFacts
        fields = ["population", *VillageFacts.FACILITIES, "collective_income"]
