"""The measures pages' filters: the ledger, awards, loans, the households of the suggestions and coverage, the
points list and the credit villages (pages and API lists share them)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from fupin.areas.models import Area
from fupin.core.filters import IdFilter, PlaceFilterSet, TextFilter, YearFilter
from fupin.measures.credit_selectors import loan_order
from fupin.measures.models import Award, Loan, Measure, PointEntry
from fupin.registry.models import Household


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


class LoanFilter(PlaceFilterSet):
    """``village`` and ``township`` both apply; ``q`` is the start of a household number, a borrower's name or a
    contract number; an unknown ``state`` is ignored, ``state=overdue`` lists the longest overdue first."""

    village_lookup = "household__village"
    both_places = True

    q = TextFilter(method="filter_q")
    state = django_filters.ChoiceFilter(choices=Loan.State.choices, method="filter_state")

    class Meta:
        model = Loan
        fields: list[str] = []

    def filter_q(self, qs: QuerySet[Loan], name: str, value: str) -> QuerySet[Loan]:
        return qs.filter(Q(household__household_no__startswith=value) | Q(borrower__name__startswith=value)
                         | Q(contract_no__startswith=value))

    def filter_state(self, qs: QuerySet[Loan], name: str, value: str) -> QuerySet[Loan]:
        return loan_order(qs.filter(Q(state=value)), overdue=value == Loan.State.OVERDUE)


class HouseholdPlaceFilter(PlaceFilterSet):
    """The households a suggestions or coverage page reads: ``village`` and ``township`` both apply."""

    both_places = True

    class Meta:
        model = Household
        fields: list[str] = []


class PointFilter(django_filters.FilterSet):
    village = IdFilter(field_name="household__village_id")

    class Meta:
        model = PointEntry
        fields: list[str] = []


class CreditVillageFilter(django_filters.FilterSet):
    """The villages of the credit page: ``township`` keeps that township's."""

    township = IdFilter(field_name="parent_id")

    class Meta:
        model = Area
        fields: list[str] = []
