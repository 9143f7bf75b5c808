"""Reads of helpers and work teams, scoped to the user's areas first."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from fupin.core.actors import Viewer
from fupin.registry.models import HelperAssignment, Household, WorkTeam, WorkTeamMember


def helper_current(household: Household) -> HelperAssignment | None:
    return (HelperAssignment.objects.filter(household_id=household.pk, ends_on__isnull=True)
            .select_related("department").first())


def helper_history(household: Household) -> QuerySet[HelperAssignment]:
    """Every assignment of the household, the current one first, then newest to oldest."""
    return (HelperAssignment.objects.filter(household_id=household.pk).select_related("department")
            .order_by("-starts_on", "-pk"))


def work_team_list(user: Viewer) -> QuerySet[WorkTeam]:
    """The teams ``user`` sees, by village (filtered by :class:`fupin.registry.filters.WorkTeamFilter`, whose
    ``show`` adds their members through :func:`with_members`)."""
    return (WorkTeam.objects.visible_to(user).select_related("village", "village__parent")
            .order_by("village__code", "-starts_on", "pk"))


def with_members(teams: QuerySet[WorkTeam], *, current: bool) -> QuerySet[WorkTeam]:
    """``teams`` with their members; ``current``: only the serving teams, with their serving members."""
    members = WorkTeamMember.objects.order_by("role", "-starts_on", "pk")
    if current:
        teams, members = teams.filter(ends_on__isnull=True), members.filter(ends_on__isnull=True)
    return teams.prefetch_related(Prefetch("members", queryset=members))
