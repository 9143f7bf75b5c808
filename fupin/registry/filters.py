"""The household list's and the work teams' filters (pages and API lists share them)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from fupin.core.filters import IdFilter, PlaceFilterSet, SwitchFilter, TextFilter
from fupin.registry.helper_selectors import with_members
from fupin.registry.models import Household, WorkTeam


class HouseholdFilter(django_filters.FilterSet):
    """The household list's parameters, read with :func:`fupin.core.filters.parsed` into
    :func:`fupin.registry.selectors.household_list` (and the export): the filtering itself is the selector's, built
    for a county (index-served search pieces joined by UNION). ``status`` and ``attribute`` are taken as given
    (an unknown one lists nothing); ``status=candidate`` is the households without a status."""

    q = TextFilter()
    township = IdFilter()
    village = IdFilter()
    status = django_filters.CharFilter()
    attribute = django_filters.CharFilter()

    class Meta:
        model = Household
        fields: list[str] = []


class WorkTeamFilter(PlaceFilterSet):
    """The serving teams with their serving members; ``show=all`` every team with every member."""

    show = SwitchFilter(on_value="all", method="filter_show")

    class Meta:
        model = WorkTeam
        fields: list[str] = []

    def filter_show(self, qs: QuerySet[WorkTeam], name: str, everything: bool) -> QuerySet[WorkTeam]:
        return with_members(qs, current=not everything)
