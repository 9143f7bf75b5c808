"""The bulk registry generator behind the registry-search benchmark, at a small size."""

from __future__ import annotations

import pytest

from fupin.core import idnumber
from fupin.core.testing import make_household
from fupin.registry.models import Household, Member
from fupin.registry.pinyin import pinyin_keys
from fupin.site.bench_registry import registry_bulk_generate, registry_search_timings
from fupin.site.reference import seed_reference


@pytest.fixture
def county(db):
    seed_reference()


def test_it_generates_valid_searchable_members_beside_existing_ones(county):
    from fupin.areas.models import Area

    village = Area.objects.filter(level="village", valid_to__isnull=True).order_by("code")[0]
    existing = make_household(village, "H-0001", members=3)
    taken = "41110319400101001" + idnumber.check_character("41110319400101001")  # the generator's first number
    Member.objects.filter(pk=existing.members.get(relation="head").pk).update(id_number=taken)
    data = registry_bulk_generate(members=3000, seed=3)

    assert data.members == Member.objects.count() - 3 >= 3000
    assert data.households == Household.objects.filter(household_no__startswith="BENCH").count()
    sample = list(Member.objects.filter(household__household_no__startswith="BENCH").order_by("?")[:200])
    assert all(idnumber.is_valid(m.id_number) for m in sample)
    assert all((m.name_pinyin, m.name_initials) == pinyin_keys(m.name) for m in sample)
    assert Member.objects.filter(relation="head").count() == Household.objects.count()
    # New rows after the bulk load get fresh primary keys (the sequences were moved on).
    assert make_household(village, "H-0002").pk > max(Household.objects.exclude(household_no="H-0002")
                                                      .values_list("pk", flat=True))

    timings = {t.label: t for t in registry_search_timings(data, repeats=1)}
    assert timings["全部(区)"].found == Household.objects.count()
    for label in ("姓名", "拼音首字母", "全拼", "身份证号(后6位)"):
        assert timings[label].found >= 1, label
    assert timings["身份证号(全)"].found == 1
    assert timings["无结果"].found == 0
