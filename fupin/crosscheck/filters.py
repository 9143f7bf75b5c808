"""The findings queue's filters (the page and the API list share them)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from fupin.core import idnumber
from fupin.core.filters import IdFilter, PlaceFilterSet, TextFilter, with_default
from fupin.crosscheck.models import Finding


class FindingFilter(PlaceFilterSet):
    """``status`` is the findings not closed when absent (``active``), every finding when empty, else that status;
    ``code``, ``dataset`` and ``kind`` as given; ``village`` and ``township`` both apply; ``run`` the open findings
    a run found; ``assigned=me`` those assigned to the user (the page); ``q`` the start of a household number or of
    a listed name, or a whole ID number."""

    both_places = True
    village_lookup = "area"

    status = django_filters.CharFilter(method="filter_status")
    code = django_filters.CharFilter(field_name="code")
    dataset = django_filters.CharFilter(field_name="dataset")
    kind = django_filters.CharFilter(field_name="kind")
    run = IdFilter(method="filter_run")
    assigned = django_filters.CharFilter(method="filter_assigned")
    q = TextFilter(method="filter_q")

    class Meta:
        model = Finding
        fields: list[str] = []

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(with_default(data, status="active"), *args, **kwargs)

    def filter_status(self, qs: QuerySet[Finding], name: str, value: str) -> QuerySet[Finding]:
        if value == "active":
            return qs.exclude(status=Finding.Status.CLOSED)
        return qs.filter(status=value)

    def filter_run(self, qs: QuerySet[Finding], name: str, value: int) -> QuerySet[Finding]:
        return qs.filter(last_run_id=value).exclude(status=Finding.Status.CLOSED)

    def filter_assigned(self, qs: QuerySet[Finding], name: str, value: str) -> QuerySet[Finding]:
        return qs.filter(assigned_to=getattr(self.request, "user", None)) if value == "me" else qs

    def filter_q(self, qs: QuerySet[Finding], name: str, value: str) -> QuerySet[Finding]:
        return qs.filter(Q(household__household_no__startswith=value) | Q(id_number=idnumber.normalize(value))
                         | Q(list_name__startswith=value))
