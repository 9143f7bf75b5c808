from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm


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
    days = forms.IntegerField(label="有效天数 / Valid for (days)", min_value=1, max_value=3650, initial=90)
