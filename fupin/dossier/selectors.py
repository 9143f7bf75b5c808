"""Reads for the household file: the household itself (scoped) and its income series."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fupin.core.actors import Viewer
from fupin.registry import selectors as registry_selectors
from fupin.registry.models import Household, IncomeRecord


@dataclass(frozen=True)
class HouseholdFile:
    household: Household
    members: list[Any]
    incomes: list[IncomeRecord]


def household_file_get(user: Viewer, pk: int) -> HouseholdFile:
    """The household with its members and incomes (three queries); 404 when absent or not the user's."""
    household = registry_selectors.household_get(user, pk)
    return HouseholdFile(household, list(household.members.all()), list(household.incomes.all()))


@dataclass(frozen=True)
class IncomePoint:
    """One year of income. ``per_capita`` is None for a household without members (never assessed)."""

    year: int
    net_income: Decimal
    per_capita: Decimal | None
    record: IncomeRecord
    poverty_line: Decimal | None = None

    @property
    def above_line(self) -> bool | None:
        """Strictly above the poverty line (RULES section 2, INCOME); None when either is unknown."""
        if self.per_capita is None or self.poverty_line is None:
            return None
        return self.per_capita > self.poverty_line


def income_series(incomes: list[IncomeRecord], member_count: int,
                  poverty_lines: Mapping[int, Decimal | None] | None = None) -> list[IncomePoint]:
    """Per year, by year: net income and per-capita net income (RULES section 2, half-up to 0.01).

    The registry keeps today's members only, so every year is divided by today's member count; the
    assessment, which knows the roster on its ``as_of`` date, states its own figure with its verdict.
    """
    return [
        IncomePoint(r.year, r.net_income, r.per_capita(member_count) if member_count else None, r,
                    (poverty_lines or {}).get(r.year))
        for r in sorted(incomes, key=lambda r: r.year)
    ]


def income_chart_data(points: list[IncomePoint], labels: dict[str, str]) -> dict[str, Any]:
    """The JSON the page's chart script draws (amounts as strings: exact decimals, no float drift)."""
    return {
        "years": [str(p.year) for p in points],
        "perCapita": [None if p.per_capita is None else str(p.per_capita) for p in points],
        "net": [str(p.net_income) for p in points],
        "line": [None if p.poverty_line is None else str(p.poverty_line) for p in points],
        "labels": labels,
    }
