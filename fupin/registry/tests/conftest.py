"""Registry test fixtures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fupin.core.testing import Areas, make_household, make_id_number
from fupin.registry.models import Household, IncomeRecord, Member
from fupin.registry.pinyin import pinyin_keys


def detailed_household(areas: Areas) -> Household:
    """A household whose every kind of cell is exercised: a head created after a son, causes, unknown booleans."""
    household = make_household(
        areas.village_a1, "H-A1-0007", members=0, status="exited", attribute="dibao_poor", main_cause="illness",
        other_causes=["schooling", "no_capital"], identified_year=2015, exit_year=2018, food_secure=True,
        clothing_secure=False, housing_grade="C", housing_renovated=None, relocated=False, safe_water=True,
        phone="03955551234",
    )
    IncomeRecord.objects.filter(household=household).delete()
    son_birth, head_birth = date(2001, 3, 4), date(1968, 5, 6)
    for name, relation, birth, extra in (
        ("李小明", "son", son_birth, {"schooling": "senior", "work_months": None}),
        ("李建国", "head", head_birth, {"health": "disabled", "disability_level": "2", "work_months": 7,
                                       "dibao": True, "ethnicity": "回族"}),
    ):
        full, initials = pinyin_keys(name)
        Member.objects.create(household=household, name=name, name_pinyin=full, name_initials=initials,
                              id_number=make_id_number(birth), sex="M", birth_date=birth, relation=relation, **extra)
    IncomeRecord.objects.create(household=household, year=2019, wage_income=Decimal("12000.5"),
                                business_income=Decimal("0"), property_income=Decimal("100.25"),
                                transfer_income=Decimal("3000"), business_expense=Decimal("450.10"),
                                medical_out_of_pocket=None, education_expense=Decimal("800"))
    return household


@pytest.fixture
def detailed(areas):
    return detailed_household(areas)


@pytest.fixture
def home(areas):
    """A complete registered household of village a1: head 张三 and a son, an income line of 2018."""
    return make_household(areas.village_a1, "H-A1-0101", main_cause="illness", identified_year=2016)
