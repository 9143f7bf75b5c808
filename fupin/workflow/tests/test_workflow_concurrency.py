"""Two clerks take the same step at the same moment: the row lock lets one through, the other is told."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from fupin.accounts.models import Assignment
from fupin.core.errors import ConcurrentChange
from fupin.core.testing import build_areas, build_personas, make_household
from fupin.registry.models import Household
from fupin.workflow.models import HouseholdTransition
from fupin.workflow.services import household_transition

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="row locks need PostgreSQL; SQLite serialises whole transactions")


def test_only_one_of_two_simultaneous_steps_goes_through(transactional_db):
    areas = build_areas()
    personas = build_personas(areas)
    Assignment.objects.update(valid_from="2000-01-01")
    candidate = make_household(areas.village_a1, "H-A1-0100", status=None)
    users = [type(personas.cadre_a1).objects.get(pk=u.pk) for u in (personas.cadre_a1, personas.team_a1)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def take(user) -> None:
        household = Household.objects.get(pk=candidate.pk)  # both saw the candidate state
        barrier.wait()
        try:
            household_transition(household, "apply", actor=user, note=user.username)
            outcomes.append("done")
        except ConcurrentChange:
            outcomes.append("concurrent")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["concurrent", "done"]
    assert HouseholdTransition.objects.filter(household=candidate).count() == 1
    assert Household.objects.get(pk=candidate.pk).status == "applied"
