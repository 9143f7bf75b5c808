"""The user list's filters (the administration page and the API list share them)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from fupin.accounts.access import open_assignments
from fupin.accounts.models import Assignment, User
from fupin.areas.models import Area
from fupin.core.filters import IdFilter, TextFilter


class UserFilter(django_filters.FilterSet):
    """``role``: holds that role (an assignment not ended); ``area``: holds a role in that division or under it;
    ``active``: ``1`` active accounts, ``0`` deactivated ones, anything else both; ``q``: the start of the
    username, or part of the name, or the whole phone number (sealed: found by its keyed index, ADR 0024)."""

    role = django_filters.CharFilter(method="filter_role")
    area = IdFilter(method="filter_area")
    active = django_filters.CharFilter(method="filter_active")
    q = TextFilter(method="filter_q", cut_at=50)

    class Meta:
        model = User
        fields: list[str] = []

    def filter_role(self, qs: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        holders = Assignment.objects.filter(open_assignments(), role=value).values("user_id")
        return qs.filter(pk__in=holders)

    def filter_area(self, qs: QuerySet[User], name: str, value: int) -> QuerySet[User]:
        area = Area.objects.filter(pk=value).first()
        if area is None:
            return qs.none()
        holders = Assignment.objects.filter(open_assignments(), area__path__startswith=area.path).values("user_id")
        return qs.filter(pk__in=holders)

    def filter_active(self, qs: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        if value in ("1", "0"):
            return qs.filter(is_active=value == "1")
        return qs

    def filter_q(self, qs: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return qs.filter(Q(username__istartswith=value) | Q(name__icontains=value) | Q(phone=value.strip()))
