"""Reading assessment results: scoped lists, one run's rows for the output files."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from fupin.accounts.models import User
from fupin.assessment.models import INDICATOR_CODES, INDICATOR_LABELS, AssessmentRun, HouseholdAssessment, Verdict
from fupin.assessment.reasons import cents, indicator_reasons
from fupin.assessment.services import REGISTER_STATES
from fupin.registry.models import Change, Household

RESULT_COLUMNS = ("household_no", "verdict", "failed", "unknown", "per_capita_income")
"""The first columns are fixed by RULES.md §7; then one reason column per indicator."""


def result_header() -> tuple[str, ...]:
    """The header of the §7 output, the reason columns labelled in the active language."""
    return (*RESULT_COLUMNS, *[f"{code} {INDICATOR_LABELS[code]}" for code in INDICATOR_CODES])


def run_results(run: AssessmentRun, user: User | None = None) -> QuerySet[HouseholdAssessment]:
    qs = HouseholdAssessment.objects.filter(run=run)
    if user is not None:
        qs = qs.visible_to(user)
    return qs


def result_rows(run: AssessmentRun, user: User | None = None) -> Iterator[tuple[Any, ...]]:
    """Rows of the §7 output, ordered by household number, streamed; reasons rendered in the
    active language (the ``fupin assess`` command writes them in Chinese)."""
    outcome_fields = [code.lower() for code in INDICATOR_CODES]
    qs = (run_results(run, user).order_by("household__household_no")
          .values_list("household__household_no", "verdict", "failed_codes", "unknown_codes", "per_capita_income",
                       "poverty_line", "year", "facts", "legacy_reasons", *outcome_fields))
    for household_no, verdict, failed, unknown, per_capita, line, year, facts, legacy, *outcomes in qs.iterator(
            chunk_size=5000):
        figures = facts | {"per_capita_cents": cents(per_capita), "line_cents": cents(line)}
        reasons = indicator_reasons(dict(zip(INDICATOR_CODES, outcomes, strict=True)), figures, year, legacy)
        yield (household_no, verdict, failed, unknown,
               # A number (two decimals), never text: a negative income stays a number in CSV and Excel.
               None if per_capita is None else Decimal(per_capita).quantize(Decimal("0.01")),
               *[r.text for r in reasons])


def result_list(user: User, run: AssessmentRun) -> QuerySet[HouseholdAssessment]:
    """The run's results ``user`` sees, by household number (filtered by
    :class:`fupin.assessment.filters.ResultFilter`)."""
    qs = run_results(run, user).select_related("household", "household__village", "household__village__parent")
    return qs.order_by("household__household_no")


def run_summary(user: User, run: AssessmentRun) -> dict[str, Any]:
    """Households per verdict and failures per indicator, per village, within what ``user`` may see."""
    qs = run_results(run, user)
    by_village: dict[int, dict[str, Any]] = {}
    for village_id, village_name, township_name, verdict, n in (
        qs.values_list("household__village_id", "household__village__name", "household__village__parent__name",
                       "verdict").annotate(n=Count("pk")).order_by("household__village__code")
    ):
        row = by_village.setdefault(village_id, {"village": village_name, "township": township_name, "total": 0,
                                                 **{v: 0 for v in Verdict.values}})
        row[verdict] = n
        row["total"] += n
    totals = {v: sum(r[v] for r in by_village.values()) for v in Verdict.values}
    totals["total"] = sum(totals.values())
    failures = qs.aggregate(**{code: Count("pk", filter=Q(**{code.lower(): "FAIL"})) for code in INDICATOR_CODES})
    return {"villages": list(by_village.values()), "totals": totals,
            "failures": [(code, INDICATOR_LABELS[code], failures[code]) for code in INDICATOR_CODES]}


def runs_for_year(year: int) -> QuerySet[AssessmentRun]:
    return AssessmentRun.objects.filter(year=year, scope=AssessmentRun.Scope.COUNTY, finished_at__isnull=False)


def draft_changes(user: User, draft_run: AssessmentRun, base_run: AssessmentRun | None) -> list[dict[str, Any]]:
    """Households whose verdict differs between ``base_run`` and the draft run, by village."""
    if base_run is None:
        return []
    before = dict(run_results(base_run, user).values_list("household_id", "verdict"))
    moved = [hid for hid, verdict in run_results(draft_run, user).values_list("household_id", "verdict")
             if hid in before and before[hid] != verdict]
    if not moved:
        return []
    # Only the households that move are loaded whole (their reasons rendered); the ids go to the
    # database in chunks, below SQLite's limit of bound parameters.
    base: dict[int, HouseholdAssessment] = {}
    rows: list[HouseholdAssessment] = []
    for i in range(0, len(moved), 5000):
        chunk = moved[i:i + 5000]
        base |= {r.household_id: r for r in run_results(base_run, user).filter(household_id__in=chunk)}
        rows += run_results(draft_run, user).select_related("household", "household__village").filter(
            household_id__in=chunk)
    rows.sort(key=lambda r: (r.household.village.code, r.household.household_no))
    changes = []
    for row in rows:
        old, new = base[row.household_id].reasons, row.reasons
        changed = [(code, INDICATOR_LABELS[code], old.get(code, ""), new.get(code, ""))
                   for code in INDICATOR_CODES if old.get(code) != new.get(code)]
        changes.append({"household": row.household, "before": base[row.household_id].verdict,
                        "after": row.verdict, "reasons": changed})
    return changes


def household_assessment_history(household_id: int) -> list[HouseholdAssessment]:
    """The latest stored assessment of each year for one household, newest year first (drafts never count)."""
    latest: dict[int, HouseholdAssessment] = {}
    for result in (HouseholdAssessment.objects.select_related("run").filter(household_id=household_id)
                   .exclude(run__scope=AssessmentRun.Scope.DRAFT).order_by("-year", "-run_id")):
        latest.setdefault(result.year, result)
    return list(latest.values())


def assessment_pending(result: HouseholdAssessment, household: Household) -> bool:
    """Whether the household was changed after ``result`` was computed and will be reassessed (ADR 0026 §5): a
    household in the register whose version is no longer the one the result's facts were read at. A result stored
    before results kept the version counts as current unless the history records a change after it."""
    if household.status not in REGISTER_STATES:
        return False  # not reassessed: its last verdict stands as what it was
    if result.household_version is not None:
        return result.household_version != household.version
    return Change.objects.filter(household_id=household.pk, recorded_at__gt=result.created_at).exists()
