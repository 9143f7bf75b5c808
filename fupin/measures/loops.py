"""The registry changes a finished help measure implies (ADR 0026 §4: loops offer, and never apply silently).

A measure of 农村危房改造 (programme ``housing_renovation``) carried out (已落实) means the house was renovated: the
household's 危房改造 becomes yes and its 住房安全等级 A (the measure records no appraised grade, and a renovation is
accepted as safe housing), offered on the household's file with source ``measure:<id>``.

A 控辍保学劝返 (``dropout_followup``: a dropout of compulsory-school age brought back to school) carried out means the
pupil is at school again: the member's 在校生状况 is offered as the grade of their age on the day they returned (6–11
小学, 12 七年级, 13 八年级, 14–15 九年级; the measure records no grade, so the village checks it before applying, and
may dismiss it and enter the grade). A pupil outside those ages, or a measure naming no member, offers nothing.

The other loops live with their sources: an accepted drinking-water project (``fupin.projects.loops``), a monitoring
case eliminated after a housing measure (``fupin.monitoring.loops``), a confirmed cross-check finding
(``fupin.crosscheck.loops``).
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
DROPOUT_FOLLOWUP = "dropout_followup"
RETURNED_LABEL = gettext_noop("控辍保学劝返复学（年级按年龄推定，请核实）")
GRADE_OF_AGE = {**dict.fromkeys(range(6, 12), "primary"), 12: "grade_7", 13: "grade_8", 14: "grade_9", 15: "grade_9"}
"""The compulsory-school grade of a pupil's age (full years) on the day they returned."""


def _returned_grade(measure: Measure) -> str | None:
    if measure.member is None:
        return None
    return GRADE_OF_AGE.get(measure.member.age_on(measure.ends_on or measure.starts_on))


def measure_proposals(measures: Iterable[Measure], *, actor: User | None,
                      carried_out: bool = False) -> list[ProposedChange]:
    """The proposals of the measures carried out among ``measures`` (those of a programme that implies a fact);
    ``carried_out``: all of them are (the step that carries them out is being taken)."""
    made = []
    for measure in measures:
        done = carried_out or measure.status == Measure.Status.DONE
        day, source = measure.ends_on or measure.starts_on, f"measure:{measure.pk}"
        if not done:
            continue
        if measure.programme.code == HOUSING_RENOVATION:
            proposal = proposal_create(measure.household, ProposedChange.Kind.HOUSEHOLD_UPDATE, RENOVATED,
                                       valid_from=day, source=source, label=RENOVATED_LABEL, actor=actor)
        elif measure.programme.code == DROPOUT_FOLLOWUP and (grade := _returned_grade(measure)) is not None:
            proposal = proposal_create(measure.household, ProposedChange.Kind.MEMBER_UPDATE, {"schooling": grade},
                                       member=measure.member, valid_from=day, source=source, label=RETURNED_LABEL,
                                       actor=actor)
        else:
            continue
        if proposal is not None:
            made.append(proposal)
    return made
