"""An accepted drinking-water project offers 饮水安全 yes to its beneficiary households (ADR 0026 §4): on their
files, never applied by the project; applied, the history names the project. Other categories offer nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fupin.core.testing import make_household
from fupin.projects.services import project_step
from fupin.projects.tests.factories import advance, days_ago, pay, proposed, unit
from fupin.registry.models import Change, ProposedChange
from fupin.registry.proposals import proposal_apply

pytestmark = pytest.mark.usefixtures("policy")


@pytest.fixture
def homes(areas):
    """Two complete households of village a1: one without safe water, one that has it already."""
    dry = make_household(areas.village_a1, "H-A1-0301", main_cause="illness", identified_year=2016, safe_water=False)
    wet = make_household(areas.village_a1, "H-A1-0302", main_cause="illness", identified_year=2016, safe_water=True)
    return dry, wet


def water_project(areas, homes, status, category="drinking_water"):
    project = proposed(areas.village_a1, unit(areas.village_a1), households=list(homes), category=category,
                       name="甲村集中供水工程", tasks="铺设入户管网 3 公里")
    return advance(project, status)


def test_an_accepted_water_project_offers_safe_water_to_its_beneficiaries(areas, homes, personas):
    project = water_project(areas, homes, "started")
    assert not ProposedChange.objects.exists()  # started, not yet accepted
    pay(project, "200000.00", ago=40)
    project_step(project, "accept", actor=None, when=days_ago(30))
    dry, _wet = homes
    proposal = ProposedChange.objects.get()  # the household that has safe water already is offered nothing
    assert (proposal.household, proposal.kind, proposal.payload, proposal.source, proposal.valid_from) == (
        dry, "household_update", {"safe_water": True}, f"project:{project.pk}", timezone.localdate(days_ago(30)))
    dry.refresh_from_db()
    assert (dry.safe_water, dry.version) == (False, 1)  # offered, not applied
    proposal_apply(proposal, actor=personas.cadre_a1, version=dry.version)
    dry.refresh_from_db()
    assert dry.safe_water is True
    assert Change.objects.get(household=dry, field="safe_water").source == f"project:{project.pk}"


def test_a_project_of_another_category_offers_nothing(areas, homes):
    water_project(areas, homes, "accepted", category="infrastructure")
    assert not ProposedChange.objects.exists()
