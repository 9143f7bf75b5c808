"""The monitoring results' and cases' filters (pages and API lists share them)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from fupin.core.filters import PlaceFilterSet, TextFilter, with_default
from fupin.monitoring.models import MonitoringCase, MonitoringResult


class ResultFilter(PlaceFilterSet):
    """``category`` as given; ``risk`` one of the result's ``;``-separated risks; ``q`` part of the household
    number."""

    village_lookup = "household__village"

    category = django_filters.CharFilter(field_name="category")
    risk = django_filters.CharFilter(method="filter_risk")
    q = TextFilter(field_name="household__household_no", lookup_expr="icontains")

    class Meta:
        model = MonitoringResult
        fields: list[str] = []

    def filter_risk(self, qs: QuerySet[MonitoringResult], name: str, value: str) -> QuerySet[MonitoringResult]:
        return qs.filter(Q(risks=value) | Q(risks__startswith=f"{value};") | Q(risks__endswith=f";{value}")
                         | Q(risks__contains=f";{value};"))


class CaseFilter(PlaceFilterSet):
    """``step`` is the open steps when absent (``open``), every step when empty, else that step."""

    village_lookup = "household__village"

    step = django_filters.CharFilter(method="filter_step")
    category = django_filters.CharFilter(field_name="category")
    q = TextFilter(field_name="household__household_no", lookup_expr="icontains")

    class Meta:
        model = MonitoringCase
        fields: list[str] = []

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(with_default(data, step="open"), *args, **kwargs)

    def filter_step(self, qs: QuerySet[MonitoringCase], name: str, value: str) -> QuerySet[MonitoringCase]:
        if value == "open":
            return qs.filter(step__in=MonitoringCase.OPEN_STEPS)
        return qs.filter(step=value)
