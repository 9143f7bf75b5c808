"""Helpers (帮扶责任人) and resident work teams (驻村工作队) over JSON."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from fupin.accounts.access import ensure_can
from fupin.accounts.roles import Cap
from fupin.areas.scoping import get_visible_or_404
from fupin.core.actors import acting_user
from fupin.core.api_types import BodyIn, Day, Id, Text
from fupin.registry import helper_selectors
from fupin.registry.filters import WorkTeamFilter
from fupin.registry.helper_services import helper_assign
from fupin.registry.models import HelperAssignment, Household, WorkTeam

router = Router(tags=["registry"])


class HelperOut(Schema):
    id: int
    name: str
    unit: str
    phone: str
    starts_on: date
    ends_on: date | None
    current: bool


class HouseholdHelpersOut(Schema):
    household_id: int
    household_no: str
    current: HelperOut | None
    history: list[HelperOut]


class HelperIn(BodyIn):
    name: Text
    unit: Text = ""
    phone: Text = ""
    starts_on: Day | None = None


class TeamMemberOut(Schema):
    name: str
    unit: str
    role: str
    role_label: str
    phone: str
    starts_on: date
    ends_on: date | None


class WorkTeamOut(Schema):
    id: int
    village_code: str
    village_name: str
    dispatching_unit: str
    starts_on: date
    ends_on: date | None
    members: list[TeamMemberOut]


class WorkTeamFilterIn(Schema):
    village: Id | None = None
    township: Id | None = None
    current: bool = True


def _helper_out(h: HelperAssignment) -> HelperOut:
    return HelperOut(id=h.pk, name=h.name, unit=h.unit_label, phone=h.phone, starts_on=h.starts_on,
                     ends_on=h.ends_on, current=h.is_current)


def _team_out(t: WorkTeam) -> WorkTeamOut:
    return WorkTeamOut(id=t.pk, village_code=t.village.code, village_name=t.village.name,
                       dispatching_unit=t.dispatching_unit, starts_on=t.starts_on, ends_on=t.ends_on,
                       members=[TeamMemberOut(name=m.name, unit=m.unit, role=m.role, role_label=str(m.get_role_display()),
                                              phone=m.phone, starts_on=m.starts_on, ends_on=m.ends_on)
                                for m in t.members.all()])


@router.get("/households/{household_id}/helpers", response=HouseholdHelpersOut,
            summary="帮扶责任人（现任与历任）/ a household's helper and the history")
def helper_list(request: HttpRequest, household_id: Id) -> HouseholdHelpersOut:
    ensure_can(request.user, Cap.REGISTRY_VIEW)
    household = get_visible_or_404(Household.objects.all(), request.user, pk=household_id)
    history = [_helper_out(h) for h in helper_selectors.helper_history(household)]
    return HouseholdHelpersOut(household_id=household.pk, household_no=household.household_no, current=next((h for h in history if h.current), None),
                               history=history)


@router.put("/households/{household_id}/helper", response={201: HelperOut},
            summary="确定或更换帮扶责任人（现任于新任开始之日结束）/ assign or replace the current helper")
def helper_replace(request: HttpRequest, household_id: Id, payload: HelperIn) -> Status[HelperOut]:
    household = get_visible_or_404(Household.objects.all(), request.user, pk=household_id)
    ensure_can(request.user, Cap.REGISTRY_HELPERS)
    helper = helper_assign(household, actor=acting_user(request), name=payload.name, unit=payload.unit, phone=payload.phone,
                           starts_on=payload.starts_on)
    return Status(201, _helper_out(helper))


@router.get("/work-teams", response=list[WorkTeamOut], summary="驻村工作队 / resident work teams")
def work_team_list(request: HttpRequest, filters: Query[WorkTeamFilterIn]) -> list[WorkTeamOut]:
    ensure_can(request.user, Cap.REGISTRY_VIEW)
    data = {"village": filters.village, "township": filters.township, "show": "" if filters.current else "all"}
    teams = WorkTeamFilter(data, queryset=helper_selectors.work_team_list(request.user)).qs
    return [_team_out(t) for t in teams]
