"""The registry change an accepted project implies (ADR 0026 §4: loops offer, and never apply silently).

A project of the category 饮水安全 (``drinking_water``: a water supply or piped-water project) accepted (竣工验收)
means its beneficiary households have safe drinking water: each one's 饮水安全 becomes yes, offered on its file with
source ``project:<id>`` and the acceptance day, for the village to apply. A beneficiary already recorded with safe
water is offered nothing (``proposal_create`` returns None).
"""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext_noop

from fupin.accounts.models import User
from fupin.projects.models import Beneficiary, Project
from fupin.registry.models import ProposedChange
from fupin.registry.proposals import proposal_create

SAFE_WATER = {"safe_water": True}
SAFE_WATER_LABEL = gettext_noop("饮水安全工程已竣工验收")


def project_proposals(project: Project, day: date, *, actor: User | None) -> list[ProposedChange]:
    """The proposals of an accepted project whose category implies a household fact."""
    if project.category != Project.Category.DRINKING_WATER:
        return []
    made = []
    for benefit in Beneficiary.objects.filter(project=project).select_related("household").order_by("pk"):
        proposal = proposal_create(benefit.household, ProposedChange.Kind.HOUSEHOLD_UPDATE, SAFE_WATER, valid_from=day,
                                   source=f"project:{project.pk}", label=SAFE_WATER_LABEL, actor=actor)
        if proposal is not None:
            made.append(proposal)
    return made
