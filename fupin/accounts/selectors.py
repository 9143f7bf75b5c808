"""Reads for user administration: the accounts a manager administers, the places and departments they may give."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from fupin.accounts.access import manageable_areas_filter, manageable_users_filter
from fupin.accounts.models import Assignment, Department, User
from fupin.areas.models import Area


def user_list(manager: User) -> QuerySet[User]:
    """The accounts ``manager`` administers, with their assignments (newest first), by username."""
    assignments = Assignment.objects.select_related("area", "department").order_by("-valid_from", "-pk")
    return (User.objects.filter(manageable_users_filter(manager))
            .prefetch_related(Prefetch("assignments", queryset=assignments)).order_by("username"))


def user_get(manager: User, pk: int) -> User:
    """One account ``manager`` administers; 404 for one they do not, as for one that does not exist."""
    user = user_list(manager).filter(pk=pk).first()
    if user is None:
        raise Http404("not found")
    return user


def assignment_get(user: User, pk: int) -> Assignment:
    assignment = Assignment.objects.select_related("user", "area", "department").filter(pk=pk, user=user).first()
    if assignment is None:
        raise Http404("not found")
    return assignment


def grant_areas(manager: User, levels: Iterable[str] | None = None) -> QuerySet[Area]:
    """The current divisions where ``manager`` may give roles, in tree order."""
    return Area.objects.filter(manageable_areas_filter(manager, levels)).order_by("path")


def area_by_code(code: str) -> Area | None:
    """The current division with this 12-digit code."""
    return Area.objects.filter(code=code.strip(), valid_to__isnull=True).first()


def departments() -> QuerySet[Department]:
    return Department.objects.order_by("code")
