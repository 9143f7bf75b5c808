"""Reading assessment results: scoped lists, one run's rows for the output files."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Q, QuerySet

from fupin.accounts.models import User
from fupin.assessment.models import INDICATOR_CODES, INDICATOR_LABELS, AssessmentRun, HouseholdAssessment, Verdict

RESULT_HEADER = ("household_no", "verdict", "failed", "unknown", "per_capita_income",
                 *[f"{code} {INDICATOR_LABELS[code]}" for code in INDICATOR_CODES])
"""The first columns are fixed by RULES.md §7; then one reason column per indicator."""


def run_results(run: AssessmentRun, user: User | None = None) -> QuerySet[HouseholdAssessment]:
    qs = HouseholdAssessment.objects.filter(run=run)
    if user is not None:
        qs = qs.visible_to(user)
    return qs


def result_rows(run: AssessmentRun, user: User | None = None) -> Iterator[tuple[Any, ...]]:
    """Rows of the §7 output, ordered by household number, streamed."""
    qs = (run_results(run, user).order_by("household__household_no")
          .values_list("household__household_no", "verdict", "failed_codes", "unknown_codes", "per_capita_income",
                       "reasons"))
    for household_no, verdict, failed, unknown, per_capita, reasons in qs.iterator(chunk_size=5000):
        yield (household_no, verdict, failed, unknown,
               "" if per_capita is None else f"{per_capita:.2f}",
               *[reasons.get(code, "") for code in INDICATOR_CODES])


def result_list(user: User, run: AssessmentRun, *, verdict: str = "", township: int | None = None,
                village: int | None = None, failed: str = "", q: str = "") -> QuerySet[HouseholdAssessment]:
    qs = run_results(run, user).select_related("household", "household__village", "household__village__parent")
    if verdict:
        qs = qs.filter(verdict=verdict)
    if village:
        qs = qs.filter(household__village_id=village)
    elif township:
        qs = qs.filter(household__village__parent_id=township)
    if failed in INDICATOR_CODES:
        qs = qs.filter(**{failed.lower(): "FAIL"})
    if q:
        qs = qs.filter(household__household_no__icontains=q.strip())
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
    base = {hid: (verdict, reasons) for hid, verdict, reasons in
            run_results(base_run, user).values_list("household_id", "verdict", "reasons")}
    changes = []
    for row in (run_results(draft_run, user).select_related("household", "household__village")
                .order_by("household__village__code", "household__household_no")):
        before = base.get(row.household_id)
        if before is None or before[0] == row.verdict:
            continue
        changed = [(code, INDICATOR_LABELS[code], before[1].get(code, ""), row.reasons.get(code, ""))
                   for code in INDICATOR_CODES if before[1].get(code) != row.reasons.get(code)]
        changes.append({"household": row.household, "before": before[0], "after": row.verdict, "reasons": changed})
    return changes
