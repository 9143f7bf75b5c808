"""Who sees which ticket, and who may act on it.

Tickets are scoped per role assignment, not by the user's area scope alone:

- an assignment with a department (行业部门) sees the tickets its department handles, in its area;
- any other assignment sees the tickets about places in its area;
- cadre-conduct complaints (干部作风) are seen **only** through an assignment whose role holds
  ``hotline.conduct`` (纪检监察). Not the district administrator, not a superuser, not an auditor:
  every list, count, figure, page and API answer is built on :func:`ticket_visible`.

Acting (reply, transfer, call back, reopen) needs ``hotline.handle`` and the ticket's unit being
one's own (the department, or a place at or under one's area); ``hotline.manage`` (the district
office) acts on any non-conduct ticket it sees; conduct complaints are handled by the inspectors who see them.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any

from django.db.models import Q, QuerySet

from fupin.accounts.access import can
from fupin.accounts.roles import CAPABILITIES, Cap
from fupin.hotline.models import Category, Ticket

NOT_CONDUCT = ~Q(category=Category.CONDUCT)


def _assignment_q(assignment: Any, prefix: str) -> Q | None:
    caps = CAPABILITIES.get(assignment.role, frozenset())
    if Cap.HOTLINE_VIEW not in caps:
        return None
    place = Q(**{f"{prefix}area__path__startswith": assignment.area.path})
    if Cap.HOTLINE_CONDUCT in caps:
        return place
    if assignment.department_id:
        place &= Q(**{f"{prefix}department_id": assignment.department_id})
    return place & ~Q(**{f"{prefix}category": Category.CONDUCT})


def ticket_q(user: Any, prefix: str = "") -> Q:
    """The condition for the tickets ``user`` may see (``prefix`` for a related model: ``"ticket__"``)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser:
        return ~Q(**{f"{prefix}category": Category.CONDUCT})
    parts = [q for q in (_assignment_q(a, prefix) for a in user.active_assignments) if q is not None]
    return reduce(operator.or_, parts) if parts else Q(pk__in=[])


def ticket_visible(user: Any) -> QuerySet[Ticket]:
    return Ticket.objects.filter(ticket_q(user))


def get_ticket_for_user(user: Any, pk: int, queryset: QuerySet[Ticket] | None = None) -> Ticket:
    """The ticket, or the same 404 for "absent" and "not yours"."""
    qs = (queryset if queryset is not None else Ticket.objects.all()).filter(ticket_q(user))
    return _get_or_404(qs, pk)


def _get_or_404(qs: QuerySet[Ticket], pk: Any) -> Ticket:
    from django.http import Http404

    try:
        return qs.get(pk=pk)
    except (Ticket.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("not found") from exc


def handles(user: Any, ticket: Ticket) -> bool:
    """True when ``user`` may act on ``ticket`` (assumed visible to them)."""
    if not can(user, Cap.HOTLINE_HANDLE) and not can(user, Cap.HOTLINE_MANAGE):
        return False
    if ticket.category == Category.CONDUCT:
        return can(user, Cap.HOTLINE_CONDUCT) and ticket_visible(user).filter(pk=ticket.pk).exists()
    if can(user, Cap.HOTLINE_MANAGE) and ticket_visible(user).filter(pk=ticket.pk).exists():
        return True
    for a in user.active_assignments:
        if Cap.HOTLINE_HANDLE not in CAPABILITIES.get(a.role, frozenset()):
            continue
        if ticket.department_id and a.department_id == ticket.department_id:
            return True
        if ticket.unit_area is not None and not a.department_id and ticket.unit_area.path.startswith(a.area.path):
            return True
    return False
