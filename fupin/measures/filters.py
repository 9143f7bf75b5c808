"""The measures ledger's and the awards' filters (pages and API lists share them)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from fupin.core.filters import IdFilter, PlaceFilterSet, TextFilter, YearFilter
from fupin.measures.models import Award, Measure


class MeasureFilter(django_filters.FilterSet):
    """``q`` is the start of a household number or of a member's name."""

    village = IdFilter(field_name="household__village_id")
    programme = django_filters.CharFilter(field_name="programme__code")
    category = django_filters.CharFilter(field_name="programme__category")
    q = TextFilter(method="filter_q")

    class Meta:
        model = Measure
        fields: list[str] = []

    def filter_q(self, qs: QuerySet[Measure], name: str, value: str) -> QuerySet[Measure]:
        return qs.filter(Q(household__household_no__startswith=value) | Q(member__name__startswith=value))


class AwardFilter(PlaceFilterSet):
    """``village`` and ``township`` both apply; a year outside 2014-2100 is ignored."""

    village_lookup = "household__village"
    both_places = True

    year = YearFilter(field_name="year")
    category = django_filters.CharFilter(field_name="category__code")

    class Meta:
        model = Award
        fields: list[str] = []
