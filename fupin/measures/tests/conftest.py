from __future__ import annotations

from datetime import date

import pytest

from fupin.assessment.services import policy_seed_defaults
from fupin.core.testing import make_id_number
from fupin.registry.models import Member


@pytest.fixture
def policy(db):
    policy_seed_defaults()


def add_member(household, name: str, birth: date, **fields) -> Member:
    return Member.objects.create(household=household, name=name, id_number=make_id_number(birth),
                                 sex="M", birth_date=birth, relation="son", **fields)
