from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def lockout_terms() -> dict[str, int]:
    """The numbers the sign-in pages state: failures before a lock, and its minutes."""
    return {"limit": int(settings.AXES_FAILURE_LIMIT),
            "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)}


class LoginForm(AuthenticationForm):
    username = forms.CharField(label=_("用户名"), max_length=150,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label=_("密码"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    error_messages = {
        "invalid_login": "",  # get_invalid_login_error: it states the settings' numbers
        "inactive": _("该账号已停用。"),
    }

    def get_invalid_login_error(self) -> ValidationError:
        message = gettext("用户名或密码错误。在同一地址连续失败 %(limit)s 次，该账号在此地址锁定 %(minutes)s 分钟。")
        return ValidationError(message % lockout_terms(), code="invalid_login")


class ApiTokenForm(forms.Form):
    name = forms.CharField(label="用途 / Purpose", max_length=100)
    days = forms.IntegerField(label="有效天数 / Valid for (days)", min_value=1, initial=90)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        longest = int(settings.FUPIN_API_TOKEN_MAX_DAYS)  # the service refuses more (ApiToken)
        field = self.fields["days"]
        field.validators.append(MaxValueValidator(longest))
        field.widget.attrs["max"] = longest
        field.initial = min(90, longest)


class SecondFactorCodeForm(forms.Form):
    """A code from the authenticator app (six digits) or, on the sign-in code page, a recovery code."""

    code = forms.CharField(label=_("验证码"), max_length=32, strip=True,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True,
                                                         "autocapitalize": "off", "spellcheck": "false"}))
