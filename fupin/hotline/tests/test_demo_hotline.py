"""`fupin seed-demo` fills the hotline: every state and channel, an overdue and escalated ticket, a cadre-conduct
complaint seen only by the demo inspector, an objection halting a notice; quickly, and again on a re-run."""

from __future__ import annotations

import pytest

from fupin.accounts.models import User
from fupin.core.testing import ModuleDB
from fupin.hotline.models import Category, Channel, Ticket, TicketStep
from fupin.site.demo import seed_demo
from fupin.site.reference import seed_reference

# One worker seeds the module's county once for all its tests (fupin/conftest.py, module_db).
pytestmark = pytest.mark.xdist_group("hotline-demo")


def seed_county() -> None:
    seed_reference()
    seed_demo(households=300, seed=7)


@pytest.fixture(scope="module")
def _seeded(module_db: ModuleDB) -> None:
    """Seeded once per module (per test worker), inside the module's transaction (fupin/conftest.py)."""
    # Bulk writes: fupin/workflow/tests/test_demo_workflow.py guards the demo against a query per household.
    module_db.build(seed_county)


@pytest.fixture
def seeded(_seeded: None, db: None) -> None:
    """The seeded demo; ``db`` runs the test in a savepoint, rolled back after it."""


def test_the_demo_fills_the_hotline(seeded):
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


def test_seeding_again_replaces_the_demo_tickets(seeded):
    first = Ticket.objects.filter(is_demo=True).count()
    seed_demo(households=300, seed=7)
    assert Ticket.objects.filter(is_demo=True).count() == first
