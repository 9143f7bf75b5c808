"""Two payments at once cannot together overspend: the project row is locked (PostgreSQL)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from fupin.assessment.services import policy_seed_defaults
from fupin.core.errors import TransitionRefused
from fupin.projects.services import StepInput, project_step, spending_total
from fupin.projects.tests.factories import advance, proposed, unit

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="SQLite serialises writers itself; row locks are PostgreSQL's")


@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_cannot_overspend_together(areas):
    policy_seed_defaults()
    project = advance(proposed(areas.village_a1, unit(areas.county)), "started")  # approved 400,000; limit 440,000
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def pay() -> None:
        try:
            barrier.wait()
            project_step(project.__class__.objects.get(pk=project.pk), "pay", actor=None,
                         data=StepInput(amount="300000", source="central", payee="contractor", payee_name="x"))
            outcomes.append("paid")
        except TransitionRefused as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["OVERSPEND", "paid"]
    assert spending_total(project.pk) == Decimal("300000.00")
