"""The registry changes a finished help measure implies (ADR 0026 §4: loops offer, and never apply silently).

A measure of 农村危房改造 (programme ``housing_renovation``) carried out (已落实) means the house was renovated: the
household's 危房改造 becomes yes and its 住房安全等级 A (the measure records no appraised grade, and a renovation is
accepted as safe housing), offered on the household's file with source ``measure:<id>``.

Not wired, for want of the data:

- 控辍保学劝返 (``dropout_followup``, a dropout brought back to school): the measure records neither the school nor
  the grade the pupil returned to, and 在校生状况 is a grade (小学, 七年级…), so the registry value it implies is not
  known; the village corrects the member's 在校生状况 on the household's page;
- a monitoring case's measures (``monitoring.CaseMeasure``) are a kind and a free text, with no fact to propose;
- projects (``projects.Project``) have no drinking-water category (a water project is a 基础设施 project, told apart
  only by its free-text name and tasks), so no accepted project implies 饮水安全 for its beneficiaries.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_noop

from fupin.accounts.models import User
from fupin.measures.models import Measure
from fupin.registry.models import ProposedChange
from fupin.registry.proposals import proposal_create

HOUSING_RENOVATION = "housing_renovation"
RENOVATED = {"housing_renovated": True, "housing_grade": "A"}
RENOVATED_LABEL = gettext_noop("危房改造已落实")


def measure_proposals(measures: Iterable[Measure], *, actor: User | None,
                      carried_out: bool = False) -> list[ProposedChange]:
    """The proposals of the measures carried out among ``measures`` (those of a programme that implies a fact);
    ``carried_out``: all of them are (the step that carries them out is being taken)."""
    made = []
    for measure in measures:
        done = carried_out or measure.status == Measure.Status.DONE
        if not done or measure.programme.code != HOUSING_RENOVATION:
            continue
        proposal = proposal_create(measure.household, ProposedChange.Kind.HOUSEHOLD_UPDATE, RENOVATED,
                                   valid_from=measure.ends_on or measure.starts_on, source=f"measure:{measure.pk}",
                                   label=RENOVATED_LABEL, actor=actor)
        if proposal is not None:
            made.append(proposal)
    return made
