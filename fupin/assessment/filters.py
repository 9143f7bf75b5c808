"""The assessment results' and the village exit list's filters (pages and API lists share them)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from fupin.areas.models import Area
from fupin.assessment.models import INDICATOR_CODES, HouseholdAssessment
from fupin.core.filters import IdFilter, PlaceFilterSet, SwitchFilter, TextFilter


class ResultFilter(PlaceFilterSet):
    """``verdict`` as given (an unknown one lists nothing); ``failed`` an indicator code the household failed (an
    unknown one is ignored); ``q`` part of the household number."""

    village_lookup = "household__village"

    verdict = django_filters.CharFilter(field_name="verdict")
    failed = django_filters.ChoiceFilter(choices=[(code, code) for code in INDICATOR_CODES], method="filter_failed")
    q = TextFilter(field_name="household__household_no", lookup_expr="icontains")

    class Meta:
        model = HouseholdAssessment
        fields: list[str] = []

    def filter_failed(self, qs: QuerySet[HouseholdAssessment], name: str, value: str) -> QuerySet[HouseholdAssessment]:
        return qs.filter(**{value.lower(): "FAIL"})


class VillageExitFilter(django_filters.FilterSet):
    """The poor villages (``all=1``: every village); ``township`` keeps that township's."""

    all = SwitchFilter(method="filter_all")
    township = IdFilter(field_name="parent_id")

    class Meta:
        model = Area
        fields: list[str] = []

    def filter_all(self, qs: QuerySet[Area], name: str, everything: bool) -> QuerySet[Area]:
        return qs if everything else qs.filter(poor_village__isnull=False)
