from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxValueValidator


class LoginForm(AuthenticationForm):
    username = forms.CharField(label="用户名 / Username", max_length=150,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label="密码 / Password", strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    error_messages = {
        "invalid_login": "用户名或密码错误。连续失败 5 次将锁定账号 30 分钟。/ Wrong username or password. "
        "Five failures in a row lock the account for 30 minutes.",
        "inactive": "该账号已停用。/ This account is disabled.",
    }


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
