from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.crosscheck.datasets import Dataset
from fupin.crosscheck.models import Finding


class UploadForm(forms.Form):
    dataset = forms.ChoiceField(label=_("名单"), choices=())
    upload = forms.FileField(label=_("选择文件"), required=False,
                             help_text=_("一个 Excel 工作簿（.xlsx / .xls）或 CSV 文件（UTF-8 或 GBK）；表头为中文列名"),
                             widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}))
    valid_only = forms.BooleanField(label=_("仅导入有效行"), required=False,
                                    help_text=_("默认只要有一行有错就不导入；勾选后导入无误的行，并列出被跳过的行"))

    def __init__(self, *args: Any, datasets: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(d.value, f"{d.label}（{d.value}）") for d in Dataset if d.value in datasets]
        self.fields["dataset"].choices = choices  # type: ignore[attr-defined]


class VerifyForm(forms.Form):
    note = forms.CharField(label=_("核实情况"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class CloseForm(forms.Form):
    disposition = forms.ChoiceField(label=_("处理结果"), choices=Finding.Disposition.choices,
                                    widget=forms.RadioSelect)
    note = forms.CharField(label=_("办结说明"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
