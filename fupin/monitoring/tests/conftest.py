from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from fupin.assessment.services import policy_seed_defaults
from fupin.core.testing import make_household
from fupin.registry.models import Household, IncomeRecord

YEAR = 2020
"""Monitoring line of 2020 (shipped default): 1.5 × 4000 = 6000 yuan per person."""


@pytest.fixture
def policy(db) -> None:
    policy_seed_defaults()


def income(household: Household, year: int, net: str, *, medical: str | None = None, education: str | None = None,
           disaster: str | None = None) -> IncomeRecord:
    """A year's income whose total net income is ``net`` (all of it wages)."""
    return IncomeRecord.objects.update_or_create(
        household=household, year=year,
        defaults={"wage_income": Decimal(net), "business_income": 0, "property_income": 0, "transfer_income": 0,
                  "business_expense": 0,
                  "medical_out_of_pocket": None if medical is None else Decimal(medical),
                  "education_expense": None if education is None else Decimal(education),
                  "disaster_loss": None if disaster is None else Decimal(disaster)})[0]


_n = iter(range(1, 10_000))


def household(village: Any, *, status: str | None = "exited", members: int = 2, **extra: Any) -> Household:
    """A household with ``members`` adults (born 1970, 1990, ...) and safe housing and water."""
    fields: dict[str, Any] = {"housing_grade": "A", "safe_water": True, **extra}
    h = make_household(village, f"M-{next(_n):05d}", status=status, members=members, **fields)
    h.members.update(medical_insurance=True, labour="ordinary")
    return h


def child(h: Household, born: date, schooling: str, home_schooling: bool | None = None) -> None:
    from fupin.core.testing import make_id_number
    from fupin.registry.models import Member

    Member.objects.create(household=h, name="小明", id_number=make_id_number(born), sex="M", birth_date=born,
                          relation="son", schooling=schooling, home_schooling=home_schooling, medical_insurance=True)
