"""Reads of the hotline: ticket lists with filters, the "my tickets" page, and the figures.

Everything starts from ``Ticket.objects.visible_to(user)``, so cadre-conduct complaints
never reach a list, a count or a figure of anyone outside the discipline inspection role.
Figures are SQL aggregates grouped in the database (one query per breakdown), never a loop over tickets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext

from fupin.accounts.models import User
from fupin.areas.scoping import get_visible_or_404
from fupin.core.actors import Viewer
from fupin.hotline.models import Category, Ticket, TicketNotification


def ticket_list(user: Viewer) -> QuerySet[Ticket]:
    """The tickets ``user`` sees, newest first (filtered by :class:`fupin.hotline.filters.TicketFilter`)."""
    return (Ticket.objects.visible_to(user).select_related("area", "area__parent", "department", "unit_area")
            .order_by("-received_at", "-pk"))


def own_unit_q(user: Viewer | None) -> Q:
    q = Q(pk__in=[])
    for a in getattr(user, "active_assignments", []):
        q |= Q(department_id=a.department_id) if a.department_id else Q(unit_area_id=a.area_id)
    return q


def ticket_get(user: Viewer, pk: int) -> Ticket:
    qs = Ticket.objects.select_related("area", "area__parent", "department", "unit_area", "household",
                                       "objection", "objection__notice", "entered_by").prefetch_related(
        "attachments", "steps__actor")
    return get_visible_or_404(qs, user, pk=pk)


def notifications_of(user: User, limit: int = 50) -> list[TicketNotification]:
    """The user's notifications about tickets they still see (a ticket transferred away stays listed only
    while visible)."""
    return list(TicketNotification.objects.filter(user=user).visible_to(user)
                .select_related("ticket").order_by("-created_at", "-pk")[:limit])


def ticket_by_code(code: str) -> Ticket | None:
    return Ticket.objects.filter(tracking_code=code).first()


# --- figures ----------------------------------------------------------------------------------------------

def _measures(now: datetime) -> dict[str, Any]:
    answered = Q(answered_at__isnull=False)
    return {
        "received": Count("pk"),
        "answered": Count("pk", filter=answered),
        "on_time": Count("pk", filter=answered & Q(answered_at__lte=F("due_at"))),
        "overdue": Count("pk", filter=Q(answered_at__gt=F("due_at"))
                         | Q(status=Ticket.Status.OPEN, due_at__lt=now)),
        "escalated": Count("pk", filter=Q(escalated_at__isnull=False)),
        "rated": Count("pk", filter=~Q(satisfaction="")),
        "satisfied": Count("pk", filter=Q(satisfaction__in=[Ticket.Satisfaction.SATISFIED,
                                                             Ticket.Satisfaction.BASIC])),
        "reopened": Count("pk", filter=Q(reopen_count__gt=0)),
    }


@dataclass(frozen=True)
class Figures:
    key: str
    label: str
    received: int
    answered: int
    on_time: int
    overdue: int
    escalated: int
    rated: int
    satisfied: int
    reopened: int

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.on_time / self.received, 1) if self.received else None

    @property
    def satisfaction_rate(self) -> float | None:
        return round(100 * self.satisfied / self.rated, 1) if self.rated else None


def _rows(qs: QuerySet[Ticket], key: Any, label: Any, now: datetime) -> list[Figures]:
    rows = qs.annotate(k=key, l=label).values("k", "l").annotate(**_measures(now)).order_by("k")
    result = []
    for r in rows:
        values: dict[str, Any] = dict(r)
        result.append(Figures(key=str(values.pop("k")), label=str(values.pop("l") or ""), **values))
    return result


def figures(qs: QuerySet[Ticket], *, now: datetime | None = None) -> dict[str, list[Figures]]:
    """Received, answered on time, overdue, satisfaction: in total, by unit, by category and by month."""
    now = now or timezone.now()
    unit_key = Coalesce(F("department__code"), F("unit_area__code"))
    unit_label = Coalesce(F("department__name"), F("unit_area__name"))
    month = TruncMonth("received_at")
    labels = dict(Category.choices)
    total = qs.aggregate(**_measures(now))
    by_category = [Figures(**{**f.__dict__, "label": str(labels.get(f.key, f.key))})
                   for f in _rows(qs, F("category"), F("category"), now)]
    return {
        "total": [Figures(key="total", label=gettext("合计"), **total)],
        "unit": _rows(qs, unit_key, unit_label, now),
        "category": by_category,
        "month": [Figures(**{**f.__dict__, "key": f.key[:7], "label": f.key[:7]})
                  for f in _rows(qs, month, month, now)],
    }


def ticket_figures(user: Viewer, *, year: int | None = None) -> dict[str, list[Figures]]:
    qs = Ticket.objects.visible_to(user)
    if year:
        qs = qs.filter(received_at__year=year)
    return figures(qs)


def hotline_unit_figures(year: int) -> list[Figures]:
    """Per handling unit, the tickets received in ``year``: for the yearly assessment (考核, issue 8).

    Cadre-conduct complaints are left out: their counts belong to the discipline inspection role.
    """
    start = timezone.make_aware(datetime(year, 1, 1))
    end = timezone.make_aware(datetime(year + 1, 1, 1))
    qs = Ticket.objects.filter(received_at__gte=start, received_at__lt=end).exclude(category=Category.CONDUCT)
    return figures(qs)["unit"]
