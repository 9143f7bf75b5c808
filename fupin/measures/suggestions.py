"""Suggested measures and entitlements not received (应享未享), computed for a list of households at
once: a fixed number of queries (households, members, latest assessments, measures, decisions,
parameters), then the programme rules over plain facts in memory.

A programme is suggested to a household when it answers one of the household's causes of poverty
(``main_cause``/``other_causes``) or one of its failing exit indicators (the latest assessment of
the year), or when it is an entitlement (``entitled``) the household qualifies for; and the household
qualifies (the programme's rule), does not already receive it in the year (for a programme given to
members: some qualifying member does not), and no one has decided on the suggestion yet.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from fupin.assessment.models import INDICATOR_LABELS, AssessmentRun, HouseholdAssessment
from fupin.measures import rules
from fupin.measures.models import Measure, Programme, SuggestionDecision
from fupin.measures.services import house_of, params_for
from fupin.registry.codes import Cause
from fupin.registry.models import Household, Member

REGISTERED = ("registered", "exit_proposed", "exited", "returned")
ACTIVE = ("planned", "delivering", "done")
_MEMBER_FIELDS = ("pk", "household_id", "birth_date", "schooling", "health", "disability_level", "labour", "dibao")


@dataclass
class Suggestion:
    household_id: int
    household_no: str
    village_id: int
    village_name: str
    programme: Programme
    member_ids: list[int]
    reasons: list[str] = field(default_factory=list)


@dataclass
class Evaluation:
    suggestions: list[Suggestion]
    gaps: list[Suggestion]
    """应享未享: entitled programmes the household qualifies for and does not receive."""


def receiving_filter(year: int) -> Q:
    return (Q(status__in=ACTIVE) & Q(starts_on__lte=date(year, 12, 31))
            & (Q(ends_on__isnull=True) | Q(ends_on__gte=date(year, 1, 1))))


def latest_failed(household_ids: list[int] | QuerySet[Any], year: int) -> dict[int, list[str]]:
    """Each household's failing indicators in its latest stored (non-draft) assessment of ``year``."""
    rows = (HouseholdAssessment.objects.filter(household_id__in=household_ids, year=year)
            .exclude(run__scope=AssessmentRun.Scope.DRAFT).order_by("household_id", "run_id")
            .values_list("household_id", "failed_codes"))
    latest: dict[int, str] = {}
    for hid, failed in rows:
        latest[hid] = failed
    return {hid: [c for c in failed.split(";") if c] for hid, failed in latest.items()}


def evaluate(households: QuerySet[Household], year: int, *, programmes: list[Programme] | None = None) -> Evaluation:
    registered = households.filter(status__in=REGISTERED)
    hs = list(registered.values_list(
        "pk", "household_no", "village_id", "village__name", "attribute", "housing_grade", "housing_renovated",
        "main_cause", "other_causes").order_by("village__code", "household_no"))
    # A county has hundreds of thousands of households: select them by subquery, never by a list of ids
    # (SQLite allows only so many query parameters).
    ids = registered.order_by().values("pk")
    progs = programmes if programmes is not None else list(Programme.objects.filter(active=True))
    if not hs or not progs:
        return Evaluation([], [])
    people: dict[int, list[rules.Person]] = defaultdict(list)
    for pk, hid, birth, schooling, health, level, labour, dibao in (
            Member.objects.filter(household_id__in=ids).order_by("pk").values_list(*_MEMBER_FIELDS)):
        people[hid].append(rules.Person(pk, birth, schooling, health, level, labour, dibao))
    failed = latest_failed(ids, year)
    receiving: set[tuple[int, int]] = set()
    receiving_members: set[tuple[int, int]] = set()
    for hid, pid, mid in (Measure.objects.filter(receiving_filter(year), household_id__in=ids)
                          .values_list("household_id", "programme_id", "member_id")):
        receiving.add((hid, pid))
        if mid is not None:
            receiving_members.add((pid, mid))
    decided: set[tuple[int, int]] = set(SuggestionDecision.objects.filter(household_id__in=ids)
                                        .values_list("household_id", "programme_id"))
    params = params_for(year, {h[2] for h in hs})
    cause_labels = dict(Cause.choices)
    suggestions: list[Suggestion] = []
    gaps: list[Suggestion] = []
    for hid, number, village_id, village_name, attribute, grade, renovated, main, others in hs:
        house = rules.HouseFacts(attribute, grade, renovated, tuple(people.get(hid, ())))
        p = params[village_id]
        day = p.as_of
        causes = {main, *(others or [])} - {""}
        fails = set(failed.get(hid, ()))
        for prog in progs:
            if (hid, prog.pk) in receiving and prog.rule not in rules.MEMBER_RULES:
                continue
            why: list[str] = [f"致贫原因：{cause_labels.get(c, c)}" for c in prog.causes if c in causes]
            why += [f"未达标：{INDICATOR_LABELS.get(c, c)}" for c in prog.indicators if c in fails]
            if not why and not prog.entitled:
                continue
            if prog.rule in rules.MEMBER_RULES:
                members = [m for m in rules.eligible_people(prog.rule, house, p, day)
                           if (prog.pk, m) not in receiving_members]
                if not members:
                    continue
            elif prog.rule:
                if rules.check(prog.rule, None, house, p, day) is not None:
                    continue
                members = []
            else:
                members = []
            item = Suggestion(hid, number, village_id, village_name, prog, members, why)
            if prog.entitled and prog.rule:
                gaps.append(item)
                if not why:
                    item.reasons = ["符合条件未享受 / eligible, not receiving"]
            if (hid, prog.pk) not in decided:
                suggestions.append(item)
    return Evaluation(suggestions, gaps)


def first_eligible_member(household: Household, programme: Programme, day: date) -> Member | None:
    if programme.rule not in rules.MEMBER_RULES:
        return None
    members = list(household.members.order_by("pk"))
    params = params_for(day.year, [household.village_id])[household.village_id]
    ok = rules.eligible_people(programme.rule, house_of(household, members), params, day)
    return next((m for m in members if m.pk in ok), None)
