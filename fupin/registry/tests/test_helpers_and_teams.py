"""Helpers (帮扶责任人) with history and resident work teams (驻村工作队) with one first secretary."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from fupin.core.errors import BadInput, DomainError
from fupin.core.models import AuditEntry
from fupin.registry.filters import WorkTeamFilter
from fupin.registry.helper_selectors import helper_current, helper_history, work_team_list
from fupin.registry.helper_services import (
    helper_assign,
    helper_end,
    work_team_create,
    work_team_end,
    work_team_member_add,
    work_team_member_end,
)
from fupin.registry.models import HelperAssignment, WorkTeam, WorkTeamMember


def _teams(user: Any, **params: Any) -> QuerySet[WorkTeam]:
    """The work team list as its page and API filter it."""
    return WorkTeamFilter(params, queryset=work_team_list(user)).qs


def test_a_replacement_ends_the_current_helper_on_the_handover_day(households, personas):
    h = households["a1"]
    first = helper_assign(h, name="王建国", unit="区财政局", phone="13800000001", starts_on=date(2017, 3, 1),
                          actor=personas.cadre_a1)
    second = helper_assign(h, name="李红", unit="区教体局", starts_on=date(2019, 1, 10), actor=personas.cadre_a1)
    first.refresh_from_db()
    assert (first.ends_on, first.end_note) == (date(2019, 1, 10), "由 李红 接替")
    assert helper_current(h) == second and list(helper_history(h)) == [second, first]
    assert AuditEntry.objects.filter(object_type="registry.helperassignment").count() == 2


def test_a_replacement_cannot_start_before_the_current_helper(households, personas):
    h = households["a1"]
    helper_assign(h, name="王建国", starts_on=date(2018, 3, 1), actor=None)
    with pytest.raises(BadInput):
        helper_assign(h, name="李红", starts_on=date(2018, 2, 1), actor=None)
    with pytest.raises(BadInput):
        helper_assign(h, name="  ", actor=None)
    current = helper_current(h)
    assert HelperAssignment.objects.count() == 1 and current is not None and current.ends_on is None


def test_the_database_holds_one_current_helper_per_household(households):
    h = households["a1"]
    HelperAssignment.objects.create(household=h, name="甲", starts_on=date(2018, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        HelperAssignment.objects.create(household=h, name="乙", starts_on=date(2018, 2, 1))
    HelperAssignment.objects.create(household=h, name="丙", starts_on=date(2016, 1, 1), ends_on=date(2017, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        HelperAssignment.objects.create(household=h, name="丁", starts_on=date(2016, 1, 1), ends_on=date(2015, 1, 1))


def test_a_helper_can_end_without_a_successor(households):
    h = households["a1"]
    helper_assign(h, name="王建国", starts_on=date(2018, 3, 1), actor=None)
    ended = helper_end(h, ends_on=date(2020, 12, 31), note="该户已脱贫", actor=None)
    assert ended.ends_on == date(2020, 12, 31) and helper_current(h) is None
    with pytest.raises(DomainError):
        helper_end(h, actor=None)


def test_a_team_has_at_most_one_serving_first_secretary(areas, personas):
    team = work_team_create(areas.village_a1, dispatching_unit="区财政局", starts_on=date(2017, 3, 1), actor=None)
    first = work_team_member_add(team, name="张书记", role="first_secretary", starts_on=date(2017, 3, 1), actor=None)
    work_team_member_add(team, name="刘队长", role="leader", starts_on=date(2017, 3, 1), actor=None)
    with pytest.raises(DomainError) as excinfo:
        work_team_member_add(team, name="赵书记", role="first_secretary", actor=None)
    assert excinfo.value.code == "FIRST_SECRETARY_TAKEN" and "张书记" in excinfo.value.message
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkTeamMember.objects.create(team=team, name="赵书记", role="first_secretary", starts_on=date(2019, 1, 1))
    work_team_member_end(first, ends_on=date(2019, 3, 1), actor=None)
    successor = work_team_member_add(team, name="赵书记", role="first_secretary", starts_on=date(2019, 3, 1), actor=None)
    with pytest.raises(DomainError):
        work_team_member_end(first, actor=None)
    current = _teams(personas.cadre_a1).get()
    assert [m.name for m in current.members.all()] == [successor.name, "刘队长"]
    everything = _teams(personas.cadre_a1, show="all").get()
    assert [m.name for m in everything.members.all()] == ["赵书记", "张书记", "刘队长"]


def test_a_team_is_dispatched_to_a_village(areas):
    with pytest.raises(BadInput):
        work_team_create(areas.town_a, dispatching_unit="区财政局", actor=None)


def test_teams_are_listed_only_in_the_user_s_areas(areas, personas):
    for village in (areas.village_a1, areas.village_a2, areas.village_b1):
        work_team_create(village, dispatching_unit=f"{village.name}派驻单位", actor=None)
    assert [t.village for t in _teams(personas.cadre_a1)] == [areas.village_a1]
    assert [t.village for t in _teams(personas.township_a)] == [areas.village_a1, areas.village_a2]
    assert [t.village for t in _teams(personas.cadre_a1, village=areas.village_b1.pk)] == []


def test_a_village_has_one_serving_team_until_it_is_recalled(areas):
    team = work_team_create(areas.village_a1, dispatching_unit="区财政局", starts_on=date(2017, 3, 1), actor=None)
    serving = work_team_member_add(team, name="张书记", role="first_secretary", starts_on=date(2017, 3, 1), actor=None)
    work_team_member_add(team, name="刘队长", role="leader", starts_on=date(2018, 6, 1), actor=None)
    with pytest.raises(DomainError) as excinfo:
        work_team_create(areas.village_a1, dispatching_unit="区水利局", actor=None)
    assert excinfo.value.code == "TEAM_IN_VILLAGE" and "区财政局" in excinfo.value.message
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkTeam.objects.create(village=areas.village_a1, dispatching_unit="区水利局", starts_on=date(2018, 1, 1))

    with pytest.raises(BadInput):  # a member started after that day
        work_team_end(team, ends_on=date(2018, 5, 1), actor=None)
    assert WorkTeamMember.objects.filter(ends_on__isnull=False).count() == 0
    work_team_end(team, ends_on=date(2019, 12, 31), note="轮换", actor=None)
    assert set(WorkTeamMember.objects.values_list("ends_on", flat=True)) == {date(2019, 12, 31)}
    entry = AuditEntry.objects.filter(object_type="registry.workteam", action="update").latest("seq")
    assert entry.changes["note"] == "轮换" and serving.pk in entry.changes["members_left"]
    with pytest.raises(DomainError):
        work_team_end(team, actor=None)
    with pytest.raises(DomainError) as excinfo:
        work_team_member_add(team, name="赵队员", role="member", actor=None)
    assert excinfo.value.code == "TEAM_ENDED"
    successor = work_team_create(areas.village_a1, dispatching_unit="区水利局", starts_on=date(2020, 1, 1), actor=None)
    assert successor.is_current and not WorkTeam.objects.get(pk=team.pk).is_current
