"""Reads of helpers and work teams, scoped to the user's areas first."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from fupin.registry.models import HelperAssignment, Household, WorkTeam, WorkTeamMember


def helper_current(household: Household) -> HelperAssignment | None:
    return (HelperAssignment.objects.filter(household_id=household.pk, ends_on__isnull=True)
            .select_related("department").first())


def helper_history(household: Household) -> QuerySet[HelperAssignment]:
    """Every assignment of the household, the current one first, then newest to oldest."""
    return (HelperAssignment.objects.filter(household_id=household.pk).select_related("department")
            .order_by("-starts_on", "-pk"))


def work_team_list(user: Any, *, village: int | None = None, township: int | None = None,
                   current: bool = True) -> QuerySet[WorkTeam]:
    qs = WorkTeam.objects.visible_to(user).select_related("village", "village__parent")
    if village:
        qs = qs.filter(village_id=village)
    elif township:
        qs = qs.filter(village__parent_id=township)
    if current:
        qs = qs.filter(ends_on__isnull=True)
    members = WorkTeamMember.objects.order_by("role", "-starts_on", "pk")
    if current:
        members = members.filter(ends_on__isnull=True)
    return qs.prefetch_related(Prefetch("members", queryset=members)).order_by("village__code", "-starts_on", "pk")
