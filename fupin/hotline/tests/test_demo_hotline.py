"""`fupin seed-demo` fills the hotline: every state and channel, an overdue and escalated ticket, a cadre-conduct
complaint seen only by the demo inspector, an objection halting a notice. (Seeding again replaces the demo
tickets with as many: fupin/site/tests/test_demo_again.py.)"""

from __future__ import annotations

from fupin.accounts.models import User
from fupin.hotline.models import Category, Channel, Ticket, TicketStep


def test_the_demo_fills_the_hotline(demo_county):
    demo = Ticket.objects.filter(is_demo=True)
    assert set(demo.values_list("status", flat=True)) == set(Ticket.Status.values)
    assert set(demo.values_list("channel", flat=True)) == set(Channel.values)
    assert set(demo.values_list("category", flat=True)) == set(Category.values)
    assert demo.filter(escalated_at__isnull=False, status="open").count() >= 3
    assert demo.filter(reopen_count__gt=0).exists() and demo.filter(satisfaction="satisfied").exists()
    assert TicketStep.objects.filter(ticket__is_demo=True, action="transferred").exists()
    assert TicketStep.objects.filter(ticket__is_demo=True, action="escalated").count() == demo.filter(
        escalated_at__isnull=False).count()
    objection_ticket = demo.get(channel="objection")
    assert objection_ticket.objection is not None and objection_ticket.objection.is_pending
    conduct = demo.filter(category="conduct")
    assert conduct.count() == 2
    inspector, admin = User.objects.get(username="demo_discipline"), User.objects.get(username="demo_admin")
    assert set(Ticket.objects.visible_to(inspector).filter(category="conduct")) == set(conduct)
    assert not Ticket.objects.visible_to(admin).filter(category="conduct").exists()
    assert Ticket.objects.visible_to(admin).count() == demo.count() - 2
