"""Who may act on a ticket.

Who *sees* a ticket is the ticket model's own rule, ``Ticket.objects.visible_to(user)``
(:class:`fupin.hotline.models.TicketQuerySet`): every list, count, figure, page and API answer is built
on it, and cadre-conduct complaints (干部作风) reach only the discipline inspectors (纪检监察).

Acting (reply, transfer, call back, reopen) needs ``hotline.handle`` and the ticket's unit being
one's own (the department, or a place at or under one's area); ``hotline.manage`` (the district
office) acts on any non-conduct ticket it sees; conduct complaints are handled by the inspectors who see them.
"""

from __future__ import annotations

from fupin.accounts.access import can
from fupin.accounts.roles import CAPABILITIES, Cap
from fupin.core.actors import Viewer
from fupin.hotline.models import Category, Ticket


def handles(user: Viewer, ticket: Ticket) -> bool:
    """True when ``user`` may act on ``ticket`` (assumed visible to them)."""
    if not user.is_authenticated or (not can(user, Cap.HOTLINE_HANDLE) and not can(user, Cap.HOTLINE_MANAGE)):
        return False
    if ticket.category == Category.CONDUCT:
        return can(user, Cap.HOTLINE_CONDUCT) and Ticket.objects.visible_to(user).filter(pk=ticket.pk).exists()
    if can(user, Cap.HOTLINE_MANAGE) and Ticket.objects.visible_to(user).filter(pk=ticket.pk).exists():
        return True
    for a in user.active_assignments:
        if Cap.HOTLINE_HANDLE not in CAPABILITIES.get(a.role, frozenset()):
            continue
        if ticket.department_id and a.department_id == ticket.department_id:
            return True
        if ticket.unit_area is not None and not a.department_id and ticket.unit_area.path.startswith(a.area.path):
            return True
    return False
