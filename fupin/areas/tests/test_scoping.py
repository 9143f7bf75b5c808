"""Area scoping: ``visible_to`` per persona, failing closed."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.http import Http404

from fupin.accounts.models import User
from fupin.areas.models import Area
from fupin.areas.scoping import NOTHING, AreaScope, ScopedQuerySet, get_visible_or_404, scope_of
from fupin.registry.models import Household, IncomeRecord, Member

# persona -> the villages (of a1, a2, b1) whose rows it sees
EXPECTED = {
    "cadre_a1": {"a1"},
    "cadre_a2": {"a2"},
    "cadre_b1": {"b1"},
    "team_a1": {"a1"},
    "township_a": {"a1", "a2"},
    "admin": {"a1", "a2", "b1"},
    "officer": {"a1", "a2", "b1"},
    "auditor": {"a1", "a2", "b1"},
    "nobody": set(),
    "superuser": {"a1", "a2", "b1"},
}


class TestAreaScope:
    def test_it_covers_the_subtree_only(self, areas):
        scope = AreaScope(paths=(areas.town_a.path,))
        assert scope.covers(areas.town_a) and scope.covers(areas.village_a1) and scope.covers(areas.village_a2)
        assert not scope.covers(areas.village_b1) and not scope.covers(areas.county)
        assert not scope.covers(None)

    def test_it_does_not_confuse_a_path_prefix_with_a_subtree(self, areas):
        a1 = areas.village_a1
        lookalike = Area(path=a1.path.rstrip("/") + "0/")  # /1/2/3/60/ must not be under /1/2/3/6/
        assert not AreaScope(paths=(a1.path,)).covers(lookalike)

    def test_everything_covers_anything(self, areas):
        assert AreaScope(everything=True).covers(areas.village_b1)
        assert AreaScope(everything=True).covers(None)

    def test_nothing_covers_nothing(self, areas):
        assert not NOTHING.covers(areas.county)

    def test_an_anonymous_or_inactive_user_has_no_scope(self, personas, households):
        assert scope_of(AnonymousUser()) == NOTHING
        assert scope_of(None) == NOTHING
        assert not Household.objects.visible_to(AnonymousUser()).exists()
        User.objects.filter(pk=personas.cadre_a1.pk).update(is_active=False)
        inactive = User.objects.get(pk=personas.cadre_a1.pk)
        assert scope_of(inactive) == NOTHING
        assert not Household.objects.visible_to(inactive).exists()


def _villages(rows, key) -> set[str]:
    names = {"甲村民委员会": "a1", "乙村民委员会": "a2", "丙村民委员会": "b1"}
    return {names[key(r)] for r in rows}


@pytest.mark.parametrize(("persona", "expected"), EXPECTED.items())
class TestVisibleTo:
    def test_households(self, personas, households, persona, expected):
        user = getattr(personas, persona)
        assert _villages(Household.objects.visible_to(user).select_related("village"), lambda h: h.village.name) \
            == expected

    def test_members(self, personas, households, persona, expected):
        rows = Member.objects.visible_to(getattr(personas, persona)).select_related("household__village")
        assert _villages(rows, lambda m: m.household.village.name) == expected
        assert rows.count() == 2 * len(expected)

    def test_incomes(self, personas, households, persona, expected):
        rows = IncomeRecord.objects.visible_to(getattr(personas, persona)).select_related("household__village")
        assert _villages(rows, lambda i: i.household.village.name) == expected

    def test_areas(self, personas, households, persona, expected):
        villages = Area.objects.visible_to(getattr(personas, persona)).filter(level="village")
        assert _villages(villages, lambda a: a.name) == expected

    def test_get_visible_or_404(self, personas, households, persona, expected):
        user = getattr(personas, persona)
        for key, household in households.items():
            if key in expected:
                assert get_visible_or_404(Household.objects.all(), user, pk=household.pk) == household
            else:
                with pytest.raises(Http404):
                    get_visible_or_404(Household.objects.all(), user, pk=household.pk)


def test_a_township_officer_sees_its_township_but_not_the_county(personas):
    visible = set(Area.objects.visible_to(personas.township_a).values_list("level", flat=True))
    assert visible == {"township", "village"}


def test_a_model_without_area_scope_is_refused(personas):
    with pytest.raises(TypeError, match="declares no area_scope"):
        ScopedQuerySet(model=Group).visible_to(personas.admin)


def test_get_visible_or_404_turns_a_bad_pk_into_404(personas):
    with pytest.raises(Http404):
        get_visible_or_404(Household.objects.all(), personas.admin, pk="abc")
