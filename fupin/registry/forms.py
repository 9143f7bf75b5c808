"""HTML input of the registry pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.core.errors import BadInput
from fupin.registry.uploads import registry_upload_check


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ImportForm(forms.Form):
    upload = MultipleFileField(
        label=_("选择文件"), required=False,
        help_text=_("一个 Excel 工作簿（.xlsx / .xls），或户信息、家庭成员、收支情况三个 CSV 文件"),
        widget=MultipleFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
    )
    valid_only = forms.BooleanField(
        label=_("仅导入有效行"), required=False,
        help_text=_("默认只要有一行有错就不写入任何数据；勾选后写入无误的行，并在报告中列出被跳过的行"),
    )
    dry_run = forms.BooleanField(label=_("仅校验不写入"), required=False,
                                 help_text=_("只检查文件并给出问题清单，不修改任何数据"))

    def clean_upload(self) -> Any:
        files = self.cleaned_data.get("upload") or []
        try:
            registry_upload_check(files)
        except BadInput as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        return files
