"""An edit reads only the registry rows its few rows can touch (ADR 0026: a write is an import of a few rows), not
the whole registry as a file's import does: the cost of a page edit does not grow with the county."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fupin.core import sealed
from fupin.core.testing import make_household, make_id_number
from fupin.registry.editing import Edit, EditRefused, household_update, member_add
from fupin.registry.import_write import Narrow, load_state

pytestmark = pytest.mark.django_db


def test_the_narrow_state_holds_the_named_households_and_id_numbers_only(areas, households):
    home, other = households["a1"], households["b1"]
    stranger = other.members.get(relation="son")
    state = load_state(None, Narrow((home.household_no,), (sealed.blind(sealed.ID, stranger.id_number),)))
    assert state.households.get_column("household_no").to_list() == [home.household_no]
    assert sorted(state.members.get_column("member_id").to_list()) == sorted(
        [*home.members.values_list("pk", flat=True), stranger.pk])
    assert state.incomes.get_column("income_hh_id").to_list() == [home.pk]
    whole = load_state(None)
    assert whole.households.height == 3 and whole.members.height == 6


def test_an_edit_does_not_read_other_households_and_still_finds_an_id_number_elsewhere(areas, households, personas):
    home = make_household(areas.village_a1, "H-A1-0101", main_cause="illness", identified_year=2016)
    other = households["b1"]
    for n in range(5):
        make_household(areas.village_a2, f"H-A2-01{n:02d}")
    with CaptureQueriesContext(connection) as queries:
        household_update(home, {"safe_water": True}, Edit(actor=personas.cadre_a1, version=None))
    reads = [q["sql"] for q in queries if 'FROM "registry_member"' in q["sql"] and "removed_on IS NULL" in q["sql"]]
    assert reads and all(" IN (" in sql for sql in reads)
    with pytest.raises(EditRefused) as refused:
        member_add(home, {"name": "李二", "relation": "son"}, other.members.get(relation="son").id_number,
                   "married_in", Edit(actor=personas.cadre_a1, version=None))
    assert [p.code for p in refused.value.problems] == ["ID_IN_OTHER_HOUSEHOLD"]
    baby = member_add(home, {"name": "张小", "relation": "grandson"}, make_id_number(timezone.localdate()), "birth",
                      Edit(actor=personas.cadre_a1, version=None))
    assert baby.household_id == home.pk
