"""Writes for helpers (帮扶责任人) and resident work teams (驻村工作队).

Kept apart from the registry's household services so the two can change independently.
A helper is replaced, never edited: the current assignment ends on the day the next one starts,
and the history stays. The database holds the "one current" rules (partial unique constraints);
the services check them first to give a readable refusal.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from fupin.accounts.models import Department, User
from fupin.areas.models import Area
from fupin.core.audit import Action, audit_record
from fupin.core.errors import BadInput, DomainError
from fupin.registry.models import HelperAssignment, Household, WorkTeam, WorkTeamMember

NAME_REQUIRED = "须填写帮扶责任人姓名 / the helper's name is required"
STARTS_BEFORE_CURRENT = ("新帮扶责任人的开始日期 {starts} 早于现任（{name}，{current} 起） / "
                         "the new helper cannot start ({starts}) before the current one ({name}, since {current})")
NO_CURRENT_HELPER = "该户目前没有帮扶责任人 / the household has no current helper"
ENDS_BEFORE_START = "结束日期早于开始日期 / the end date is before the start date"
MEMBER_NAME_REQUIRED = "须填写队员姓名 / the member's name is required"
FIRST_SECRETARY_TAKEN = ("该工作队已有在任第一书记（{name}），请先登记其离任 / "
                         "the team already has a serving first secretary ({name}): end that first")
TEAM_NOT_VILLAGE = "驻村工作队须派驻到行政村 / a work team is dispatched to a village"
ALREADY_ENDED = "已结束，不能再次结束 / already ended"
UNIT_REQUIRED = "须填写派驻单位 / the dispatching unit is required"
TEAM_IN_VILLAGE = ("{village}已有在驻工作队（{unit}，{starts} 起），请先撤回 / "
                   "{village} already has a serving work team ({unit}, since {starts}): recall it first")
TEAM_ENDED = "该工作队已撤回 / the team has been recalled"


def _user(actor: User | None) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def helper_assign(household: Household, *, name: str, actor: User | None, unit: str = "", phone: str = "",
                  department: Department | None = None, user: User | None = None,
                  starts_on: date | None = None) -> HelperAssignment:
    """Make ``name`` the household's helper from ``starts_on`` (today), ending the current one that day."""
    name = name.strip()
    if not name:
        raise BadInput(NAME_REQUIRED, fields={"name": [NAME_REQUIRED]})
    starts = starts_on or timezone.localdate()
    Household.objects.select_for_update(of=("self",)).filter(pk=household.pk).first()  # one replacement at a time
    current = HelperAssignment.objects.filter(household_id=household.pk, ends_on__isnull=True).first()
    if current is not None:
        if starts < current.starts_on:
            message = STARTS_BEFORE_CURRENT.format(starts=starts, name=current.name, current=current.starts_on)
            raise BadInput(message, fields={"starts_on": [message]})
        HelperAssignment.objects.filter(pk=current.pk).update(ends_on=starts, end_note=f"由 {name} 接替")
    helper = HelperAssignment(household=household, name=name, unit=unit.strip(), phone=phone.strip(),
                              department=department, user=user, starts_on=starts)
    helper.full_clean(exclude=["household"])
    helper.save()
    audit_record(actor=actor, action=Action.CREATE, obj=helper, changes={
        "household": household.pk, "name": name, "unit": helper.unit_label, "starts_on": starts,
        "replaces": current.pk if current is not None else None,
    })
    return helper


@transaction.atomic
def helper_end(household: Household, *, actor: User | None, ends_on: date | None = None, note: str = "") -> HelperAssignment:
    """End the current helper without a successor (the household left the register, say)."""
    current = HelperAssignment.objects.select_for_update().filter(household_id=household.pk, ends_on__isnull=True).first()
    if current is None:
        raise DomainError(NO_CURRENT_HELPER, code="NO_CURRENT_HELPER")
    ends = ends_on or timezone.localdate()
    if ends < current.starts_on:
        raise BadInput(ENDS_BEFORE_START, fields={"ends_on": [ENDS_BEFORE_START]})
    HelperAssignment.objects.filter(pk=current.pk).update(ends_on=ends, end_note=note.strip()[:200])
    current.refresh_from_db()
    audit_record(actor=actor, action=Action.UPDATE, obj=current, changes={"ends_on": [None, ends]})
    return current


@transaction.atomic
def work_team_create(village: Area, *, dispatching_unit: str, actor: User | None, starts_on: date | None = None,
                     department: Department | None = None) -> WorkTeam:
    if village.level != Area.Level.VILLAGE:
        raise BadInput(TEAM_NOT_VILLAGE)
    if not dispatching_unit.strip():
        raise BadInput(UNIT_REQUIRED, fields={"dispatching_unit": [UNIT_REQUIRED]})
    Area.objects.select_for_update().filter(pk=village.pk).first()  # one dispatch per village at a time
    serving = WorkTeam.objects.filter(village=village, ends_on__isnull=True).first()
    if serving is not None:
        raise DomainError(TEAM_IN_VILLAGE.format(village=village.name, unit=serving.dispatching_unit,
                                                 starts=serving.starts_on), code="TEAM_IN_VILLAGE")
    team = WorkTeam(village=village, dispatching_unit=dispatching_unit.strip(), department=department,
                    starts_on=starts_on or timezone.localdate())
    team.full_clean()
    team.save()
    audit_record(actor=actor, action=Action.CREATE, obj=team,
                 changes={"village": village.code, "unit": team.dispatching_unit, "starts_on": team.starts_on})
    return team


@transaction.atomic
def work_team_member_add(team: WorkTeam, *, name: str, role: str, actor: User | None, unit: str = "", phone: str = "",
                         user: User | None = None, starts_on: date | None = None) -> WorkTeamMember:
    name = name.strip()
    if not name:
        raise BadInput(MEMBER_NAME_REQUIRED, fields={"name": [MEMBER_NAME_REQUIRED]})
    locked = WorkTeam.objects.select_for_update(of=("self",)).filter(pk=team.pk).first()
    if locked is None or locked.ends_on is not None:
        raise DomainError(TEAM_ENDED, code="TEAM_ENDED")
    if role == WorkTeamMember.Role.FIRST_SECRETARY:
        serving = team.members.filter(role=role, ends_on__isnull=True).first()
        if serving is not None:
            raise DomainError(FIRST_SECRETARY_TAKEN.format(name=serving.name), code="FIRST_SECRETARY_TAKEN")
    member = WorkTeamMember(team=team, name=name, role=role, unit=unit.strip(), phone=phone.strip(), user=user,
                            starts_on=starts_on or timezone.localdate())
    member.full_clean(exclude=["team"])
    member.save()
    audit_record(actor=actor, action=Action.CREATE, obj=member,
                 changes={"team": team.pk, "name": name, "role": role, "starts_on": member.starts_on})
    return member


@transaction.atomic
def work_team_member_end(member: WorkTeamMember, *, actor: User | None, ends_on: date | None = None) -> WorkTeamMember:
    ends = ends_on or timezone.localdate()
    if ends < member.starts_on:
        raise BadInput(ENDS_BEFORE_START, fields={"ends_on": [ENDS_BEFORE_START]})
    if WorkTeamMember.objects.filter(pk=member.pk, ends_on__isnull=True).update(ends_on=ends) != 1:
        raise DomainError(ALREADY_ENDED, code="ALREADY_ENDED")
    member.refresh_from_db()
    audit_record(actor=actor, action=Action.UPDATE, obj=member, changes={"ends_on": [None, ends]})
    return member


@transaction.atomic
def work_team_end(team: WorkTeam, *, actor: User | None, ends_on: date | None = None, note: str = "") -> WorkTeam:
    """Recall the team on ``ends_on`` (today): its serving members leave the village the same day."""
    ends = ends_on or timezone.localdate()
    locked = WorkTeam.objects.select_for_update().filter(pk=team.pk).first()
    if locked is None or locked.ends_on is not None:
        raise DomainError(ALREADY_ENDED, code="ALREADY_ENDED")
    serving = WorkTeamMember.objects.filter(team=locked, ends_on__isnull=True)
    if ends < locked.starts_on or serving.filter(starts_on__gt=ends).exists():
        raise BadInput(ENDS_BEFORE_START, fields={"ends_on": [ENDS_BEFORE_START]})
    left = list(serving.values_list("pk", flat=True))
    serving.update(ends_on=ends)
    WorkTeam.objects.filter(pk=locked.pk).update(ends_on=ends)
    locked.refresh_from_db()
    audit_record(actor=actor, action=Action.UPDATE, obj=locked,
                 changes={"ends_on": [None, ends], "members_left": left, "note": note.strip()[:200]})
    return locked
