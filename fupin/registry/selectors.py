"""Reads of the registry, always scoped to the user's areas first."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from fupin.areas.scoping import get_visible_or_404
from fupin.core import idnumber
from fupin.registry.models import Household, IncomeRecord, Member


def household_list(user: Any, *, q: str = "", township: int | None = None, village: int | None = None,
                   status: str = "", attribute: str = "") -> QuerySet[Household]:
    qs = household_filter(user, q=q, township=township, village=village, status=status, attribute=attribute)
    return qs.select_related("village", "village__parent").annotate(member_count=Count("members"))


def household_filter(user: Any, *, q: str = "", township: int | None = None, village: int | None = None,
                     status: str = "", attribute: str = "") -> QuerySet[Household]:
    """The households the user may see, narrowed by the list's filters; no joins, no annotations
    (the export streams from it)."""
    qs: QuerySet[Household] = Household.objects.visible_to(user)
    if village:
        qs = qs.filter(village_id=village)
    elif township:
        qs = qs.filter(village__parent_id=township)
    if status == "candidate":
        qs = qs.filter(status__isnull=True)
    elif status:
        qs = qs.filter(status=status)
    if attribute:
        qs = qs.filter(attribute=attribute)
    if q:
        qs = qs.filter(household_search_filter(q))
    return qs.order_by("household_no")


def household_search_filter(q: str) -> Q:
    """By household number, member name, pinyin (full or initials) or full/partial ID number."""
    q = q.strip()
    norm = idnumber.normalize(q)
    condition = Q(household_no__icontains=q) | Q(members__name__contains=q)
    if q.isascii() and q.isalpha():
        lowered = q.lower()
        condition |= Q(members__name_initials__startswith=lowered) | Q(members__name_pinyin__startswith=lowered)
    if norm and (norm[:-1].isdigit() or norm.isdigit()) and len(norm) >= 4:
        condition |= Q(members__id_number__contains=norm)
    return Q(pk__in=Household.objects.filter(condition).values("pk"))


def household_get(user: Any, pk: int) -> Household:
    qs = Household.objects.select_related("village", "village__parent").prefetch_related(  # type: ignore[type-var]
        Prefetch("members", queryset=Member.objects.order_by("pk")),
        Prefetch("incomes", queryset=IncomeRecord.objects.order_by("year")),
    )
    return get_visible_or_404(qs, user, pk=pk)


def member_get(user: Any, pk: int) -> Member:
    return get_visible_or_404(Member.objects.select_related("household"), user, pk=pk)
