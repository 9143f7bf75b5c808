"""The list filters' value types: bad values are ignored (None), never an error, as the hand-parsed lists did."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from fupin.core.filters import (
    DayField,
    FlagField,
    MomentField,
    PositiveIntField,
    SwitchField,
    TextField,
    YearField,
    with_default,
)


@pytest.mark.parametrize(("raw", "value"), [("12", 12), (" 7 ", 7), (5, 5), ("0", None), ("-3", None), ("abc", None),
                                            ("", None), (None, None), ("1.5", None)])
def test_an_id_is_digits_above_zero(raw, value):
    assert PositiveIntField(required=False).clean(raw) == value


@pytest.mark.parametrize(("raw", "value"), [("2024", 2024), ("2013", None), ("2101", None), ("x", None)])
def test_a_year_lies_between_2014_and_2100(raw, value):
    assert YearField(required=False).clean(raw) == value


@pytest.mark.parametrize(("raw", "value"), [("1", True), (True, True), ("0", None), ("yes", None), ("", None)])
def test_a_flag_is_1(raw, value):
    assert FlagField(required=False).clean(raw) == value


def test_text_is_stripped_and_cut():
    assert TextField(required=False, cut_at=5).clean("  上海市浦东新区  ") == "上海市浦东"
    assert TextField(required=False).clean("  a b ") == "a b"


def test_a_default_fills_only_an_absent_parameter():
    from django.http import QueryDict

    assert with_default(QueryDict("village=3"), step="open")["step"] == "open"
    assert with_default(QueryDict("step="), step="open")["step"] == ""
    assert with_default(None, step="open") == {"step": "open"}


@pytest.mark.parametrize(("raw", "value"), [("1", True), (True, True), ("0", False), ("", False), (None, False)])
def test_a_switch_is_off_unless_sent_on(raw, value):
    assert SwitchField(required=False).clean(raw) is value
    assert SwitchField(required=False, on_value="all").clean("all" if value else raw) is value


@pytest.mark.parametrize(("raw", "value"), [("2024-03-05", date(2024, 3, 5)), (" 2024-03-05 ", date(2024, 3, 5)),
                                            (date(2024, 3, 5), date(2024, 3, 5)), ("2024-13-45", None),
                                            ("x", None), ("", None), (None, None)])
def test_a_day_is_a_real_date_or_nothing(raw, value):
    assert DayField(required=False).clean(raw) == value


def test_a_moment_is_a_day_s_first_or_last_instant_or_a_given_datetime():
    first = MomentField(required=False).clean("2024-03-05")
    last = MomentField(required=False, end=True).clean("2024-03-05")
    assert (first.date(), first.time(), timezone.is_aware(first)) == (date(2024, 3, 5), time.min, True)
    assert (last.date(), last.time()) == (date(2024, 3, 5), time.max)
    given = timezone.make_aware(datetime(2024, 3, 5, 10, 30))
    assert MomentField(required=False, end=True).clean(given) == given
    assert MomentField(required=False).clean("2024-02-30") is None
