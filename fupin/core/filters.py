"""Filters for list pages and API lists, built on django-filter (one ``FilterSet`` per list, in ``<app>/filters.py``).

A list's filters are forgiving, as they were when each view read ``request.GET`` itself: a bad value (letters
for an id, an unknown choice) is ignored and the list shows as if the parameter were absent, never a 400.
What a filter does with a good value is the FilterSet's business (its ``field_name`` or ``method``); a list
whose filtering is a hand-tuned selector (the registry at county scale) takes the FilterSet's parsed values
from :func:`parsed` instead.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date

from fupin.core.models import AuditEntry


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


class SwitchField(forms.Field):
    """A switch whose both states filter: True when sent as ``on_value`` (or True from an API schema), otherwise
    False (absent and bad values included)."""

    def __init__(self, *, on_value: str = "1", **kwargs: Any) -> None:
        self.on_value = on_value
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> bool:
        return value is True or value == self.on_value


class SwitchFilter(django_filters.Filter):
    """A switch (see :class:`SwitchField`) that needs a ``method``: it is called when off too (``False``), so
    that a list can default to a narrower view (``all=1`` lifts it)."""

    field_class = SwitchField

    def __init__(self, *args: Any, on_value: str = "1", **kwargs: Any) -> None:
        kwargs["on_value"] = on_value
        super().__init__(*args, **kwargs)


class DayField(forms.Field):
    """A day written ``YYYY-MM-DD`` (or a date from an API schema); anything else (``2024-13-45``, ``x``) is None."""

    def to_python(self, value: Any) -> date | None:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return parse_date(str(value).strip()) if value else None
        except ValueError:
            return None


class DayFilter(django_filters.Filter):
    field_class = DayField


class MomentField(DayField):
    """A moment for a ``from``/``until`` bound: a datetime (from an API schema) as it is, a day as its first
    instant (its last with ``end=True``) in the current time zone; anything else is None."""

    def __init__(self, *, end: bool = False, **kwargs: Any) -> None:
        self.end = end
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> datetime | None:  # type: ignore[override]
        if isinstance(value, datetime):
            return value
        day = super().to_python(value)
        if day is None:
            return None
        return timezone.make_aware(datetime.combine(day, time.max if self.end else time.min))


class MomentFilter(django_filters.Filter):
    field_class = MomentField

    def __init__(self, *args: Any, end: bool = False, **kwargs: Any) -> None:
        if end:
            kwargs["end"] = end
        super().__init__(*args, **kwargs)


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


class AuditFilter(django_filters.FilterSet):
    """The audit log's filters (page and API): who (the actor's label), what (object type and id), and when
    (``since`` and ``until``, whole days on the page, moments from the API)."""

    user = TextFilter(field_name="actor_label")
    object_type = TextFilter(field_name="object_type")
    object_id = TextFilter(field_name="object_id")
    since = MomentFilter(field_name="at", lookup_expr="gte")
    until = MomentFilter(field_name="at", lookup_expr="lte", end=True)

    class Meta:
        model = AuditEntry
        fields: list[str] = []
