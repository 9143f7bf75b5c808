from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fupin.areas.models import Area
from fupin.registry.models import WorkTeamMember


class HelperForm(forms.Form):
    name = forms.CharField(label=_("帮扶责任人"), max_length=30)
    unit = forms.CharField(label=_("工作单位"), required=False, max_length=100)
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=20)
    starts_on = forms.DateField(label=_("帮扶开始"), required=False)


class VillageField(forms.ModelChoiceField[Area]):
    def label_from_instance(self, obj: Area) -> str:
        return f"{obj.parent.name if obj.parent else ''} {obj.name}".strip()


class WorkTeamForm(forms.Form):
    """Dispatch a team: the village choices are the villages the user sees (set by the view)."""

    village = VillageField(label=_("派驻村"), queryset=Area.objects.none())
    dispatching_unit = forms.CharField(label=_("派驻单位"), max_length=100)
    starts_on = forms.DateField(label=_("派驻开始"), required=False)

    def __init__(self, *args: Any, villages: QuerySet[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["village"]
        assert isinstance(field, VillageField)
        field.queryset = villages


class WorkTeamMemberForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=30)
    role = forms.ChoiceField(label=_("职务"), choices=WorkTeamMember.Role.choices)
    unit = forms.CharField(label=_("工作单位"), required=False, max_length=100)
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=20)
    starts_on = forms.DateField(label=_("驻村开始"), required=False)


class EndForm(forms.Form):
    ends_on = forms.DateField(label=_("结束日期"), required=False)
    note = forms.CharField(label=_("说明"), required=False, max_length=200)
