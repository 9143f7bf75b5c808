"""The ticket list's filters (the staff page, "my tickets" and the API list share them)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from fupin.core.filters import FlagFilter, IdFilter, TextFilter
from fupin.hotline.models import Category, Channel, Ticket
from fupin.hotline.selectors import own_unit_q


class TicketFilter(django_filters.FilterSet):
    """An unknown status, category or channel is ignored; ``township`` counts only without ``village``."""

    status = django_filters.ChoiceFilter(choices=Ticket.Status.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    overdue = FlagFilter(method="filter_overdue")
    village = IdFilter(field_name="area_id")
    township = IdFilter(method="filter_township")
    q = TextFilter(method="filter_q", cut_at=50)
    mine = FlagFilter(method="filter_mine")

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_overdue(self, qs: QuerySet[Ticket], name: str, value: Any) -> QuerySet[Ticket]:
        return qs.filter(status=Ticket.Status.OPEN, due_at__lt=timezone.now())

    def filter_township(self, qs: QuerySet[Ticket], name: str, value: int) -> QuerySet[Ticket]:
        if self.form.cleaned_data.get("village"):
            return qs
        return qs.filter(Q(area_id=value) | Q(area__parent_id=value))

    def filter_q(self, qs: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        return qs.filter(Q(title__icontains=value) | Q(text__icontains=value))

    def filter_mine(self, qs: QuerySet[Ticket], name: str, value: Any) -> QuerySet[Ticket]:
        user = getattr(self.request, "user", None)
        return qs.filter(own_unit_q(user) | Q(entered_by=user))
