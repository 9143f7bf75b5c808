"""The project library's, the assets' and the public library's filters (pages and API lists share them)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from fupin.core.filters import IdFilter, TextFilter
from fupin.projects.models import Asset, Project


class ProjectFilter(django_filters.FilterSet):
    """``status`` and ``category`` are taken as given (an unknown one lists nothing); ``area`` is a place or the
    places right under it."""

    year = IdFilter(field_name="year")
    status = django_filters.CharFilter(field_name="status")
    category = django_filters.CharFilter(field_name="category")
    area = IdFilter(method="filter_area")
    q = TextFilter(method="filter_q")

    class Meta:
        model = Project
        fields: list[str] = []

    def filter_area(self, qs: QuerySet[Project], name: str, value: int) -> QuerySet[Project]:
        return qs.filter(Q(area_id=value) | Q(area__parent_id=value))

    def filter_q(self, qs: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        return qs.filter(Q(name__icontains=value) | Q(tasks__icontains=value))


class AssetFilter(django_filters.FilterSet):
    kind = django_filters.CharFilter(field_name="kind")

    class Meta:
        model = Asset
        fields: list[str] = []


class PublicProjectFilter(django_filters.FilterSet):
    year = IdFilter(field_name="year")

    class Meta:
        model = Project
        fields: list[str] = []
