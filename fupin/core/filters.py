"""Filters for list pages and API lists, built on django-filter (one ``FilterSet`` per list, in ``<app>/filters.py``).

A list's filters are forgiving, as they were when each view read ``request.GET`` itself: a bad value (letters
for an id, an unknown choice) is ignored and the list shows as if the parameter were absent, never a 400.
What a filter does with a good value is the FilterSet's business (its ``field_name`` or ``method``); a list
whose filtering is a hand-tuned selector (the registry at county scale) takes the FilterSet's parsed values
from :func:`parsed` instead.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet


class PositiveIntField(forms.Field):
    """A whole number above zero written in digits; anything else (blank, ``0``, ``-3``, ``abc``) is None."""

    def to_python(self, value: Any) -> int | None:
        text = str(value).strip() if value is not None else ""
        number = int(text) if text.isdigit() else 0
        return number or None


class TextField(forms.CharField):
    """Free text, stripped and cut to ``max_length`` characters (a longer search is cut, not refused)."""

    def __init__(self, *, cut_at: int | None = None, **kwargs: Any) -> None:
        self.cut_at = cut_at
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = str(super().to_python(value))
        return text[: self.cut_at] if self.cut_at else text


class IdFilter(django_filters.Filter):
    """An id or a year: digits only (see :class:`PositiveIntField`); other values leave the list whole."""

    field_class = PositiveIntField


class TextFilter(django_filters.CharFilter):
    field_class = TextField

    def __init__(self, *args: Any, cut_at: int | None = None, **kwargs: Any) -> None:
        if cut_at:
            kwargs["cut_at"] = cut_at
        super().__init__(*args, **kwargs)


class FlagField(forms.Field):
    """A check box sent as ``1`` (or True from an API schema); anything else is None (no filter)."""

    def to_python(self, value: Any) -> bool | None:
        return True if value is True or value == "1" else None


class FlagFilter(django_filters.Filter):
    field_class = FlagField


def parsed(filterset: django_filters.FilterSet) -> dict[str, Any]:
    """The cleaned values of a FilterSet used only to read its parameters (bad ones left out, as ``.qs`` does)."""
    filterset.is_valid()
    return {name: value for name, value in filterset.form.cleaned_data.items()}


class PlaceFilterSet(django_filters.FilterSet):
    """``village`` and ``township`` for a list of rows in villages: ``village_lookup`` leads to the village
    (``"village"``, ``"household__village"``). ``township`` counts only when no ``village`` is given
    (``both_places = True``: both apply)."""

    village_lookup = "village"
    both_places = False

    village = IdFilter(method="filter_village")
    township = IdFilter(method="filter_township")

    def filter_village(self, qs: QuerySet[Any], name: str, value: int) -> QuerySet[Any]:
        return qs.filter(**{f"{self.village_lookup}_id": value})

    def filter_township(self, qs: QuerySet[Any], name: str, value: int) -> QuerySet[Any]:
        if self.form.cleaned_data.get("village") and not self.both_places:
            return qs
        return qs.filter(**{f"{self.village_lookup}__parent_id": value})


def with_default(data: Any, **defaults: str) -> Any:
    """``data`` (a QueryDict or a dict) with ``defaults`` for the parameters it lacks (an empty value stays)."""
    if data is None:
        return defaults
    merged = data.copy()
    for key, value in defaults.items():
        if key not in merged:
            merged[key] = value
    return merged


class YearField(PositiveIntField):
    """A year between 2014 and 2100; any other value is None (no filter)."""

    def to_python(self, value: Any) -> int | None:
        year = super().to_python(value)
        return year if year and 2014 <= year <= 2100 else None


class YearFilter(django_filters.Filter):
    field_class = YearField
