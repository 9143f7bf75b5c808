"""Forms of user administration and of the user's own password: shapes only; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fupin.accounts.models import Department
from fupin.accounts.roles import Role
from fupin.areas.models import Area

PASSWORD_CHOICES = [("temporary", _("生成临时密码")), ("set", _("指定密码"))]


class AreaChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        indent = "\u3000" * max(0, int(obj.depth) - 2)
        return f"{indent}{obj.name}（{obj.code}）"


class DepartmentChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name}（{obj.code}）"


class AssignmentForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"))
    area = AreaChoiceField(label=_("区划"), queryset=Area.objects.none())
    department = DepartmentChoiceField(label=_("部门"), queryset=Department.objects.none(), required=False,
                                       help_text=_("仅行业部门工作人员填写"))
    valid_from = forms.DateField(label=_("起始日期"), required=False, help_text=_("不填则从今天起"))

    def __init__(self, *args: Any, roles: list[str], areas: QuerySet[Area], departments: QuerySet[Department],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = self.fields["role"]
        assert isinstance(role, forms.ChoiceField)
        # No role is chosen for the manager: an empty first choice, so that nobody grants the first one by mistake.
        role.choices = [("", "---------"), *((value, label) for value, label in Role.choices if value in roles)]
        for name, queryset in (("area", areas), ("department", departments)):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset


class PasswordChoiceMixin(forms.Form):
    password_mode = forms.ChoiceField(label=_("初始密码"), choices=PASSWORD_CHOICES, initial="temporary",
                                      widget=forms.RadioSelect)
    password = forms.CharField(label=_("密码"), required=False, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=_("选择“指定密码”时填写；用户首次登录后须修改"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password_mode") == "set" and not data.get("password"):
            self.add_error("password", _("请填写密码，或选择生成临时密码。"))
        return data

    def chosen_password(self) -> str | None:
        """The password the manager set, or None for a temporary one."""
        return self.cleaned_data["password"] if self.cleaned_data.get("password_mode") == "set" else None


class UserCreateForm(AssignmentForm, PasswordChoiceMixin):
    username = forms.CharField(label=_("用户名"), max_length=150, help_text=_("登录用，字母、数字和 _ . @ + -"))
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    field_order = ["username", "name", "phone", "role", "area", "department", "valid_from", "password_mode",
                   "password"]


class UserEditForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)


class AssignmentEndForm(forms.Form):
    last_day = forms.DateField(label=_("最后一天"), required=False, help_text=_("不填则立即结束"))


class PasswordResetForm(PasswordChoiceMixin):
    pass


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("当前密码"), strip=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password1 = forms.CharField(label=_("新密码"), strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password2 = forms.CharField(label=_("再次输入新密码"), strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password2") and data["new_password1"] != data["new_password2"]:
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return data


class RosterForm(forms.Form):
    file = forms.FileField(label=_("花名册文件"))
