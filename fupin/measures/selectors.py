"""Reads of the measures module, always through the user's area scope."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from fupin.areas.scoping import get_visible_or_404
from fupin.core.actors import Viewer
from fupin.core.errors import BadInput
from fupin.measures.models import Measure, PointEntry, Programme
from fupin.registry.models import Household, Member


def visible_households(user: Viewer) -> QuerySet[Household]:
    """The households ``user`` sees (narrowed by :class:`fupin.measures.filters.HouseholdPlaceFilter`)."""
    return Household.objects.visible_to(user)


def household_get(user: Viewer, pk: int) -> Household:
    return get_visible_or_404(Household.objects.select_related("village"), user, pk=pk)


def record_day(year: int, today: date | None = None) -> date:
    """The date a measure recorded from a page (or the API) of ``year`` starts on unless one is given."""
    today = today or timezone.localdate()
    # Today if it falls in the year viewed, else the nearest day of that year (a past year's 31 Dec, a future year's 1 Jan).
    return min(max(today, date(year, 1, 1)), date(year, 12, 31))


def programme_active(code: str) -> Programme:
    """The programme in use with this code; refused (PROGRAMME_UNKNOWN) otherwise."""
    programme = Programme.objects.filter(code=code, active=True).first()
    if programme is None:
        raise BadInput(f"未知的帮扶项目「{code}」/ unknown programme {code}", code="PROGRAMME_UNKNOWN",
                       fields={"programme": ["invalid"]})
    return programme


def household_member(household: Household, pk: int | None) -> Member | None:
    """The member ``pk`` of ``household`` (None for none); refused (MEMBER_NOT_IN_HOUSEHOLD) if not one of its."""
    if pk is None:
        return None
    member = household.members.filter(pk=pk).first()
    if member is None:
        raise BadInput("受益成员不是该户成员 / the member is not in this household", code="MEMBER_NOT_IN_HOUSEHOLD",
                       fields={"member": ["invalid"]})
    return member


def measure_list(user: Viewer) -> QuerySet[Measure]:
    """The measures ``user`` sees, newest first (filtered by :class:`fupin.measures.filters.MeasureFilter`)."""
    qs = Measure.objects.visible_to(user).select_related("household", "member", "programme", "department")
    return qs.order_by("-starts_on", "-pk")


def household_measures(household_id: int) -> list[Measure]:
    return list(Measure.objects.filter(household_id=household_id).select_related("member", "programme", "department")
                .order_by("-starts_on", "-pk"))


def point_entries(user: Viewer) -> QuerySet[PointEntry]:
    """The point entries ``user`` sees (filtered by :class:`fupin.measures.filters.PointFilter`)."""
    return PointEntry.objects.visible_to(user)


def monthly_points(entries: QuerySet[PointEntry], month: date) -> list[dict[str, Any]]:
    """The public list of a month (公示) of ``entries``: per household, points earned and redeemed that month, and
    balance."""
    end = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    qs = entries.filter(on__gte=month, on__lt=end)
    rows = (qs.values("household_id", "household__household_no", "household__village__name")
            .annotate(earned=Sum("points", filter=Q(kind="earn")), redeemed=Sum("points", filter=Q(kind="redeem")),
                      entries=Count("pk"))
            .order_by("household__village__name", "household__household_no"))
    balances = dict(Household.objects.filter(pk__in=[r["household_id"] for r in rows])
                    .values_list("pk", "point_account__balance"))
    return [{**r, "earned": r["earned"] or 0, "redeemed": r["redeemed"] or 0, "balance": balances.get(r["household_id"]) or 0}
            for r in rows]
