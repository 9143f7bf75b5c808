"""Reading assessment results: scoped lists, one run's rows for the output files."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from fupin.accounts.models import User
from fupin.assessment.models import INDICATOR_CODES, INDICATOR_LABELS, AssessmentRun, HouseholdAssessment

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
