"""The notice board's filters (the page and the API list share them)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from fupin.core.filters import DayFilter, IdFilter, SwitchFilter
from fupin.notices.models import Notice
from fupin.notices.selectors import on_display_filter


class NoticeFilter(django_filters.FilterSet):
    """By default the notices on display on the day ``on`` (absent or not a real day: today), ending soonest
    first; ``show=all`` every notice, newest first. ``township`` (the township's own notices and its villages')
    counts only without ``village``; an unknown ``kind`` lists nothing."""

    village = IdFilter(field_name="area_id")
    township = IdFilter(method="filter_township")
    kind = django_filters.CharFilter(field_name="kind")
    on = DayFilter(method="filter_on")
    show = SwitchFilter(on_value="all", method="filter_show")

    class Meta:
        model = Notice
        fields: list[str] = []

    def filter_township(self, qs: QuerySet[Notice], name: str, value: int) -> QuerySet[Notice]:
        if self.form.cleaned_data.get("village"):
            return qs
        return qs.filter(Q(area_id=value) | Q(area__parent_id=value))

    def filter_on(self, qs: QuerySet[Notice], name: str, value: Any) -> QuerySet[Notice]:
        return qs  # the day is applied by ``filter_show``, which also runs when ``on`` is absent

    def filter_show(self, qs: QuerySet[Notice], name: str, everything: bool) -> QuerySet[Notice]:
        if everything:
            return qs
        return qs.filter(on_display_filter(self.display_day())).order_by("ends_on", "area__code", "pk")

    def display_day(self) -> Any:
        """The day whose notices are listed (unless ``show=all``)."""
        return self.form.cleaned_data.get("on") or timezone.localdate()
