"""Named selections of registry members, the vocabulary of ``fupin/accounts/department_views.yaml``.

Each is one condition on :class:`~fupin.registry.models.Member` for a given day, written once; the
registry's querysets apply them to department officers (ADR 0025). Ages are whole years on ``day``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from functools import reduce
from operator import or_

from dateutil.relativedelta import relativedelta
from django.db.models import Q

from fupin.registry import codes


def _aged(day: date, youngest: int, oldest: int) -> Q:
    """Members aged ``youngest`` to ``oldest`` (inclusive) on ``day``."""
    return Q(birth_date__lte=day - relativedelta(years=youngest),
             birth_date__gt=day - relativedelta(years=oldest + 1))


IN_SCHOOL = [v for v in codes.Schooling.values if v != codes.Schooling.NOT_IN_SCHOOL]

SELECTIONS: dict[str, Callable[[date], Q]] = {
    "all": lambda day: Q(),
    # Pre-school to university age, or recorded as in school at any age.
    "school_age": lambda day: _aged(day, 3, 22) | Q(schooling__in=IN_SCHOOL),
    "health_need": lambda day: Q(health__in=[codes.Health.CHRONIC, codes.Health.SERIOUS, codes.Health.DISABLED])
    | ~Q(disability_level=""),
    "disabled": lambda day: Q(health=codes.Health.DISABLED) | ~Q(disability_level=""),
    "working_age": lambda day: _aged(day, 16, 60),
}


def members_selected(names: Iterable[str], day: date, prefix: str = "") -> Q:
    """Members in any of the selections ``names``, as a condition on a model reaching Member through
    ``prefix`` (``""`` for Member itself). No names: no member."""
    conditions = [SELECTIONS[n](day) for n in names]
    if not conditions:
        return Q(pk__in=[])
    combined = reduce(or_, conditions)
    return _prefixed(combined, prefix) if prefix else combined


def _prefixed(condition: Q, prefix: str) -> Q:
    """``condition`` with every lookup under ``prefix``."""
    result = Q()
    result.connector, result.negated = condition.connector, condition.negated
    for child in condition.children:
        if isinstance(child, Q):
            result.children.append(_prefixed(child, prefix))
        else:
            lookup, value = child  # type: ignore[misc]
            result.children.append((prefix + lookup, value))
    return result
