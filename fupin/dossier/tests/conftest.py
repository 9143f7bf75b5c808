from __future__ import annotations

from decimal import Decimal

import pytest

from fupin.core.testing import make_household
from fupin.registry.models import IncomeRecord


def add_incomes(household, years: dict[int, int]) -> None:
    """One income row per year; ``wage`` chosen per year, the other amounts fixed."""
    IncomeRecord.objects.filter(household=household).delete()
    IncomeRecord.objects.bulk_create([
        IncomeRecord(household=household, year=year, wage_income=Decimal(wage), business_income=Decimal("1000"),
                     property_income=Decimal("0"), transfer_income=Decimal("500.50"), business_expense=Decimal("300"))
        for year, wage in years.items()
    ])


@pytest.fixture
def rich_household(areas):
    """Household a1 with four members, six years of incomes and every fact filled in."""
    household = make_household(
        areas.village_a1, "H-A1-0001", members=4, main_cause="illness", other_causes=["no_skills", "no_capital"],
        identified_year=2014, food_secure=True, clothing_secure=True, housing_grade="C", housing_renovated=True,
        relocated=False, safe_water=False, phone="13800000000",
    )
    add_incomes(household, {2014: 2000, 2015: 3500, 2016: 5000, 2017: 8000, 2018: 9000, 2019: 12000})
    return household
