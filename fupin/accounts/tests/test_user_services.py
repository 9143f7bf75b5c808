"""User administration services: each rule of ADR 0022, and that a refused request changes nothing."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.contrib.sessions.models import Session
from django.http import Http404
from django.test import Client
from django.utils import timezone

from fupin.accounts import access
from fupin.accounts.models import Assignment, Department, User, UserSession
from fupin.accounts.roles import CAPABILITIES, DUTY_CAPABILITIES, ROLE_ORDER, ROLE_RANK, Cap, Role
from fupin.accounts.user_services import (
    assignment_create,
    assignment_end,
    password_change,
    password_reset,
    temporary_password,
    user_deactivate,
    user_reactivate,
    user_register,
    user_update,
)
from fupin.areas.services import DivisionRow, divisions_import
from fupin.core.errors import DomainError
from fupin.core.models import AuditEntry
from fupin.core.testing import PASSWORD

NEW_PASSWORD = "Fresh#Passw0rd!"


def state() -> tuple[int, int, int, list[tuple[int, bool, str, bool]]]:
    """What a refused request must leave as it was: users, assignments, audit entries, and each user's row."""
    rows = list(User.objects.order_by("pk").values_list("pk", "is_active", "password", "must_change_password"))
    return User.objects.count(), Assignment.objects.count(), AuditEntry.objects.count(), rows


def last_entry() -> AuditEntry:
    return AuditEntry.objects.latest("seq")


def refused(code: str, action, *args, **kwargs) -> DomainError:
    before = state()
    with pytest.raises(DomainError) as excinfo:
        action(*args, **kwargs)
    assert excinfo.value.code == code, excinfo.value.message
    assert state() == before
    assert " / " in excinfo.value.message  # 中文 / English
    return excinfo.value


def register(actor, username="new_one", role=Role.VILLAGE_CADRE, area=None, **kwargs):
    return user_register(username=username, name="王五", role=role, area=area, actor=actor, **kwargs)


# --- the order of roles, as data --------------------------------------------------------------------------------

def test_every_role_has_one_place_in_the_order():
    ordered = [role for tier in ROLE_ORDER for role in tier]
    assert sorted(ordered) == sorted(Role.values)
    assert ROLE_RANK[Role.DISTRICT_ADMIN] > ROLE_RANK[Role.TOWNSHIP_OFFICER] > ROLE_RANK[Role.VILLAGE_CADRE]


def test_duties_are_the_only_capabilities_a_granter_need_not_hold():
    assert Cap.USERS_MANAGE not in DUTY_CAPABILITIES and Cap.HOTLINE_CONDUCT not in DUTY_CAPABILITIES
    assert Cap.USERS_MANAGE in CAPABILITIES[Role.TOWNSHIP_OFFICER]


def test_what_each_manager_may_grant(personas):
    assert set(access.grantable_roles(personas.admin)) == set(Role.values) - {Role.DISCIPLINE_INSPECTOR}
    assert set(access.grantable_roles(personas.township_a)) == {Role.TOWNSHIP_OFFICER, Role.VILLAGE_CADRE,
                                                                 Role.WORK_TEAM}
    assert access.grantable_roles(personas.cadre_a1) == []
    assert access.grantable_roles(personas.officer) == []  # the district office does not administer accounts


# --- creating accounts ----------------------------------------------------------------------------------------------

def test_a_district_admin_registers_a_township_officer(personas, areas):
    entries = AuditEntry.objects.count()
    user, password = register(personas.admin, "town_new", Role.TOWNSHIP_OFFICER, areas.town_a, phone="13800000000")
    assert user.must_change_password and user.is_active and user.check_password(password)
    assert [(a.role, a.area_id) for a in user.assignments.all()] == [(Role.TOWNSHIP_OFFICER, areas.town_a.pk)]
    created = list(AuditEntry.objects.order_by("seq")[entries:])
    assert [(e.actor_id, e.action, e.object_type) for e in created] == [
        (personas.admin.pk, "create", "accounts.user"), (personas.admin.pk, "create", "accounts.assignment")]
    assert created[0].changes["username"] == "town_new" and created[1].changes["area"] == areas.town_a.code
    assert created[0].changes["phone"] is True and "13800000000" not in str(created[0].changes)
    assert created[1].area_path == areas.town_a.path
    assert password not in str([e.changes for e in created])


def test_a_set_password_is_kept_and_must_still_be_changed(personas, areas):
    user, password = register(personas.admin, "set_pw", area=areas.village_a1, password=NEW_PASSWORD)
    assert password == NEW_PASSWORD and user.check_password(NEW_PASSWORD) and user.must_change_password


def test_a_temporary_password_passes_the_password_rules(personas, areas):
    for _ in range(20):
        assert len(temporary_password()) == 14
    user, password = register(personas.admin, area=areas.village_a1)
    assert user.check_password(password)


def test_a_township_officer_registers_a_village_cadre_of_its_township(personas, areas):
    user, _ = register(personas.township_a, "cadre_new", Role.VILLAGE_CADRE, areas.village_a2)
    assert user.assignments.get().area == areas.village_a2


def test_a_township_officer_may_not_register_in_another_township(personas, areas):
    refused("AREA_OUTSIDE_SCOPE", register, personas.township_a, area=areas.village_b1)


@pytest.mark.parametrize("role", [Role.DISTRICT_OFFICER, Role.AUDITOR, Role.DISTRICT_ADMIN])
def test_nobody_grants_a_role_above_their_own(personas, areas, role):
    area = areas.county if role != Role.AUDITOR else areas.town_a
    error = refused("ROLE_ABOVE_OWN", register, personas.township_a, role=role, area=area)
    assert error.status == 403


def test_nobody_grants_a_capability_they_lack(personas, areas):
    """The district administrator outranks the discipline inspectors but lacks their capability."""
    refused("CAPABILITY_NOT_HELD", register, personas.admin, role=Role.DISCIPLINE_INSPECTOR, area=areas.county)


def test_the_system_grants_what_no_manager_may(areas):
    user, _ = register(None, "inspector", Role.DISCIPLINE_INSPECTOR, areas.county)
    assert user.can(Cap.HOTLINE_CONDUCT)


@pytest.mark.parametrize("persona", ["cadre_a1", "officer", "auditor", "nobody"])
def test_only_managers_register_accounts(personas, areas, persona):
    refused("NOT_MANAGER", register, getattr(personas, persona), area=areas.village_a1)


def test_a_deactivated_manager_manages_nothing(personas, areas):
    User.objects.filter(pk=personas.township_a.pk).update(is_active=False)
    township = User.objects.get(pk=personas.township_a.pk)
    refused("NOT_MANAGER", register, township, area=areas.village_a1)


@pytest.mark.parametrize(("role", "area", "department", "code"), [
    (Role.VILLAGE_CADRE, "town_a", False, "ROLE_LEVEL_MISMATCH"),
    (Role.TOWNSHIP_OFFICER, "village_a1", False, "ROLE_LEVEL_MISMATCH"),
    (Role.DEPARTMENT_OFFICER, "county", False, "DEPARTMENT_REQUIRED"),
    (Role.VILLAGE_CADRE, "village_a1", True, "DEPARTMENT_NOT_ALLOWED"),
])
def test_the_data_rules_hold_for_everyone(personas, areas, role, area, department, code):
    dept = Department.objects.get(code="education") if department else None
    for actor in (personas.admin, None):
        refused(code, register, actor, role=role, area=getattr(areas, area), department=dept)


def test_a_division_no_longer_in_use_takes_no_role(personas, areas):
    divisions_import([DivisionRow(1, "411103101299", "旧村", "village", areas.town_a.code, date(2000, 1, 1),
                                  date(2019, 12, 31))])
    from fupin.areas.models import Area

    ended = Area.objects.get(code="411103101299")
    refused("AREA_ENDED", register, personas.admin, area=ended)


@pytest.mark.parametrize(("username", "code"), [("ab", "USERNAME_INVALID"), ("张三", "USERNAME_INVALID"),
                                                ("-dash", "USERNAME_INVALID"), ("CADRE_A1", "USERNAME_TAKEN")])
def test_usernames_are_well_formed_and_unique_whatever_their_case(personas, areas, username, code):
    refused(code, register, personas.admin, username, area=areas.village_a1)


def test_a_weak_password_is_refused_in_both_languages(personas, areas):
    error = refused("WEAK_PASSWORD", register, personas.admin, area=areas.village_a1, password="short")
    zh, en = error.message.split(" / ", 1)
    assert "密码" in zh and "password" in en.lower()
    # Each half keeps its own language (Django's zh_Hans catalogue lacks the minimum-length sentence of 5.2).
    assert "密码须包含" in zh and "use at least three" not in zh and not re.search(r"[\u4e00-\u9fff]", en)


def test_a_phone_that_is_no_phone_is_refused(personas, areas):
    refused("PHONE_INVALID", register, personas.admin, area=areas.village_a1, phone="12345")


# --- scope: whose account a manager administers ---------------------------------------------------------------------

def test_a_township_administers_the_accounts_of_its_township_only(personas):
    manager = personas.township_a
    managed = set(User.objects.filter(access.manageable_users_filter(manager)).values_list("username", flat=True))
    assert managed == {"township_a", "cadre_a1", "cadre_a2", "team_a1"}
    for username in managed:
        assert access.may_manage(manager, User.objects.get(username=username))
    for persona in ("cadre_b1", "admin", "officer", "auditor", "department", "nobody", "superuser"):
        assert not access.may_manage(manager, getattr(personas, persona)), persona


def test_the_district_admin_administers_the_county_but_not_superusers_or_inspectors(personas, areas):
    inspector, _ = register(None, "inspector", Role.DISCIPLINE_INSPECTOR, areas.county)
    managed = set(User.objects.filter(access.manageable_users_filter(personas.admin)).values_list("username",
                                                                                                  flat=True))
    assert managed == {"admin", "officer", "township_a", "cadre_a1", "cadre_a2", "cadre_b1", "team_a1", "auditor",
                       "dept", "nobody"}
    assert not access.may_manage(personas.admin, inspector)
    assert not access.may_manage(personas.admin, personas.superuser)
    assert access.may_manage(personas.superuser, personas.superuser)


def test_an_account_with_a_role_outside_the_township_is_not_the_township_s(personas, areas):
    assignment_create(user=personas.cadre_a1, role=Role.VILLAGE_CADRE, area=areas.village_b1, actor=personas.admin)
    assert not access.may_manage(personas.township_a, personas.cadre_a1)
    refused_404 = pytest.raises(Http404)
    with refused_404:
        user_update(personas.cadre_a1, actor=personas.township_a, name="改名")
    assert User.objects.get(pk=personas.cadre_a1.pk).name == "cadre_a1"


def test_an_account_whose_roles_ended_stays_where_it_was(personas):
    assignment_end(personas.cadre_a1.assignments.get(), actor=personas.admin)
    assert access.may_manage(personas.township_a, personas.cadre_a1)
    assert not access.may_manage(personas.township_a, personas.cadre_b1)


def test_a_manager_cannot_reach_an_account_outside_its_scope(personas):
    before = state()
    for action in (lambda: user_update(personas.cadre_b1, actor=personas.township_a, name="x"),
                   lambda: user_deactivate(personas.cadre_b1, actor=personas.township_a),
                   lambda: password_reset(personas.cadre_b1, actor=personas.township_a),
                   lambda: assignment_end(personas.cadre_b1.assignments.get(), actor=personas.township_a)):
        with pytest.raises(Http404):
            action()
    assert state() == before


# --- editing, deactivating ------------------------------------------------------------------------------------------

def test_an_edit_is_audited_with_before_and_after(personas):
    user_update(personas.cadre_a1, actor=personas.township_a, name="赵六", phone="+86 139 0000 0000")
    user = User.objects.get(pk=personas.cadre_a1.pk)
    assert (user.name, user.phone) == ("赵六", "13900000000")
    entry = last_entry()
    assert entry.changes == {"name": ["cadre_a1", "赵六"], "phone": "changed"}  # no phone number in the audit
    assert entry.actor_id == personas.township_a.pk and entry.area_path == personas.areas.village_a1.path


def test_deactivation_stops_sign_in_sessions_and_tokens(personas):
    from fupin.accounts.services import api_token_create

    browser = Client()
    browser.force_login(personas.cadre_a1)
    assert UserSession.objects.filter(user=personas.cadre_a1).count() == 1
    _token, raw = api_token_create(user=personas.cadre_a1, name="t")
    user_deactivate(personas.cadre_a1, actor=personas.township_a)
    assert not User.objects.get(pk=personas.cadre_a1.pk).is_active
    assert not UserSession.objects.filter(user=personas.cadre_a1).exists()
    assert browser.get("/").status_code == 302
    assert Client().get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    entry = last_entry()
    assert entry.changes == {"is_active": [True, False], "sessions_ended": 1}
    user_reactivate(personas.cadre_a1, actor=personas.township_a)
    assert User.objects.get(pk=personas.cadre_a1.pk).is_active


def test_nobody_deactivates_themself(personas):
    refused("SELF_DEACTIVATE", user_deactivate, personas.admin, actor=personas.admin)


def test_deactivating_twice_or_reactivating_an_active_account_is_refused(personas):
    refused("ALREADY_ACTIVE", user_reactivate, personas.cadre_a1, actor=personas.admin)
    user_deactivate(personas.cadre_a1, actor=personas.admin)
    refused("ALREADY_INACTIVE", user_deactivate, User.objects.get(pk=personas.cadre_a1.pk), actor=personas.admin)


def test_the_last_district_admin_is_neither_deactivated_nor_stripped(personas):
    admin = personas.admin
    refused("LAST_DISTRICT_ADMIN", user_deactivate, admin, actor=personas.superuser)
    refused("LAST_DISTRICT_ADMIN", user_deactivate, admin, actor=None)
    refused("LAST_DISTRICT_ADMIN", assignment_end, admin.assignments.get(), actor=admin)
    refused("LAST_DISTRICT_ADMIN", assignment_end, admin.assignments.get(), actor=None,
            last_day=timezone.localdate() + timedelta(days=30))


def test_with_a_second_district_admin_the_first_may_go(personas, areas):
    second, _ = register(personas.admin, "admin2", Role.DISTRICT_ADMIN, areas.county)
    assignment_end(personas.admin.assignments.get(), actor=second)
    assert not User.objects.get(pk=personas.admin.pk).can(Cap.USERS_MANAGE)
    refused("LAST_DISTRICT_ADMIN", user_deactivate, User.objects.get(pk=second.pk), actor=None)


def test_a_deactivated_district_admin_does_not_count(personas, areas):
    second, _ = register(personas.admin, "admin2", Role.DISTRICT_ADMIN, areas.county)
    user_deactivate(second, actor=personas.admin)
    refused("LAST_DISTRICT_ADMIN", user_deactivate, personas.admin, actor=None)


# --- assignments ------------------------------------------------------------------------------------------------------

def test_an_ended_role_stays_as_history_and_may_be_given_again(personas, areas):
    cadre = personas.cadre_a1
    ended = assignment_end(cadre.assignments.get(), actor=personas.township_a)
    assert ended.valid_to == timezone.localdate() - timedelta(days=1)
    assert User.objects.get(pk=cadre.pk).capabilities == frozenset()
    assignment_create(user=cadre, role=Role.VILLAGE_CADRE, area=areas.village_a1, actor=personas.township_a)
    assert cadre.assignments.count() == 2
    assert User.objects.get(pk=cadre.pk).can(Cap.WORKFLOW_VILLAGE)
    refused("ALREADY_ENDED", assignment_end, ended, actor=personas.township_a)


def test_an_open_role_is_not_given_twice(personas, areas):
    refused("ASSIGNMENT_EXISTS", assignment_create, user=personas.cadre_a1, role=Role.VILLAGE_CADRE,
            area=areas.village_a1, actor=personas.township_a)
    refused("ASSIGNMENT_EXISTS", assignment_create, user=personas.department, role=Role.DEPARTMENT_OFFICER,
            area=areas.county, department=Department.objects.get(code="education"), actor=None)


def test_the_database_refuses_a_second_open_assignment_too(personas, areas):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(user=personas.cadre_a1, role=Role.VILLAGE_CADRE, area=areas.village_a1)


def test_an_end_before_yesterday_is_refused(personas):
    refused("END_IN_PAST", assignment_end, personas.cadre_a1.assignments.get(), actor=personas.township_a,
            last_day=timezone.localdate() - timedelta(days=2))


def test_a_role_ends_on_a_day_to_come(personas):
    day = timezone.localdate() + timedelta(days=10)
    assignment_end(personas.cadre_a1.assignments.get(), actor=personas.township_a, last_day=day)
    assert User.objects.get(pk=personas.cadre_a1.pk).can(Cap.WORKFLOW_VILLAGE)
    entry = last_entry()
    assert entry.changes["valid_to"] == [None, day.isoformat()]


def test_a_township_gives_roles_only_in_its_township(personas, areas):
    refused("AREA_OUTSIDE_SCOPE", assignment_create, user=personas.cadre_a1, role=Role.VILLAGE_CADRE,
            area=areas.village_b1, actor=personas.township_a)
    refused("ROLE_ABOVE_OWN", assignment_create, user=personas.cadre_a1, role=Role.AUDITOR, area=areas.town_a,
            actor=personas.township_a)


# --- passwords ------------------------------------------------------------------------------------------------------

def test_a_reset_gives_a_password_to_change_and_ends_the_sessions(personas):
    browser = Client()
    browser.force_login(personas.cadre_a1)
    password = password_reset(personas.cadre_a1, actor=personas.township_a)
    user = User.objects.get(pk=personas.cadre_a1.pk)
    assert user.check_password(password) and not user.check_password(PASSWORD) and user.must_change_password
    assert not Session.objects.exists() and not UserSession.objects.exists()
    entry = last_entry()
    assert entry.changes == {"password": "reset", "must_change_password": [False, True], "sessions_ended": 1,
                             "failed_sign_ins_forgotten": 0}
    assert password not in str(entry.changes)


def test_a_reset_to_a_weak_password_changes_nothing(personas):
    refused("WEAK_PASSWORD", password_reset, personas.cadre_a1, actor=personas.township_a, password="cadre_a1")


def test_a_user_changes_their_own_password(personas):
    password = password_reset(personas.cadre_a1, actor=personas.admin)
    user = User.objects.get(pk=personas.cadre_a1.pk)
    refused("WRONG_PASSWORD", password_change, user, old_password="nope", new_password=NEW_PASSWORD)
    refused("PASSWORD_UNCHANGED", password_change, user, old_password=password, new_password=password)
    refused("WEAK_PASSWORD", password_change, user, old_password=password, new_password="cadre_a1cadre")
    password_change(user, old_password=password, new_password=NEW_PASSWORD)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and not user.must_change_password
    entry = last_entry()
    assert entry.actor_id == user.pk and entry.changes["must_change_password"] == [True, False]
