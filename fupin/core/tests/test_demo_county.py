"""``demo_county`` (fupin/conftest.py): the demo county seeded once for the tests that ask for it; each test runs
in a savepoint, so a write in one test is never seen by the next."""

from __future__ import annotations

import pytest

from fupin.core.testing import DEMO_HOUSEHOLDS
from fupin.registry.models import Household


@pytest.mark.parametrize("case", range(3))
def test_each_test_finds_the_county_as_seeded_and_leaves_it_so(demo_county, case):
    demo = Household.objects.filter(is_demo=True)
    assert demo.count() == DEMO_HOUSEHOLDS and not Household.objects.filter(household_no__startswith="CHANGED").exists()
    first = demo.order_by("pk").first()
    assert first is not None
    Household.objects.filter(pk=first.pk).update(household_no=f"CHANGED-{case}")
    demo.exclude(pk=first.pk).order_by("pk")[:1].get().delete()
    assert demo.count() == DEMO_HOUSEHOLDS - 1
