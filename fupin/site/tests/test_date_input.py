"""Clerks type dates the Chinese way; the zh_Hans format module must accept them."""

from __future__ import annotations

from datetime import date

import pytest
from django import forms
from django.utils import translation


class DateForm(forms.Form):
    day = forms.DateField()


@pytest.mark.parametrize("typed", ["2016年9月5日", "2016-09-05", "2016年09月05日"])
def test_it_accepts_chinese_and_iso_dates(typed):
    with translation.override("zh-hans"):
        form = DateForm({"day": typed})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == date(2016, 9, 5)


def test_it_rejects_a_thirteenth_month():
    with translation.override("zh-hans"):
        form = DateForm({"day": "2016年13月5日"})
        assert not form.is_valid()
        assert "day" in form.errors
