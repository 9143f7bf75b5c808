"""Writes to user accounts: create, edit, deactivate and reactivate a user; add and end a role assignment; reset
and change a password. The one place these happen (pages, API, commands and the roster import call it), each
in one transaction with an audit entry naming who changed what, before and after.

``actor`` is the user acting, bound by the administration rules of :mod:`fupin.accounts.access` (scope, rank,
capabilities), or None for the system (the command line, seeding), which is bound only by the rules of the
data: role levels, departments, one open assignment per role and place, the last district administrator.
Refusals are :class:`AccountRefused` (403: the actor may not) or :class:`~fupin.core.errors.DomainError` (400:
the request cannot be), with bilingual messages; a refused request changes nothing.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, timedelta
from typing import Any

from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation

from fupin.accounts import access
from fupin.accounts.models import Assignment, Department, User
from fupin.accounts.roles import ROLE_LEVELS, ROLE_RANK, Cap, Role, guarded_capabilities
from fupin.accounts.user_sessions import user_sessions_end
from fupin.areas.models import Area
from fupin.core.audit import Action, audit_record, diff, snapshot
from fupin.core.errors import DomainError

# --- messages (中文 / English) ------------------------------------------------------------------------------
ROLE_LEVEL_MISMATCH = "角色「{role}」须分配在{levels_zh}级区划 / the role {role_en} is held at {levels_en} level"
DEPARTMENT_REQUIRED = "行业部门工作人员须指定部门 / a department officer needs a department"
DEPARTMENT_NOT_ALLOWED = "只有区级角色才指定所在部门 / only a role held at the county names a department"
AREA_ENDED = "区划「{area}」已停用 / the division {area} is no longer in use"
ASSIGNMENT_EXISTS = "该用户已有此角色（同一区划、同一部门） / the user already holds this role there"
ALREADY_ENDED = "该角色分配已结束 / this assignment has already ended"
END_IN_PAST = "结束日期不能早于昨天 / an assignment cannot end before yesterday"
END_BEFORE_START = "结束日期不能早于起始日期的前一天 / an assignment cannot end before the day before it starts"
LAST_ADMIN = ("不能停用或撤销最后一名在职的区级管理员，请先为其他人分配区级管理员角色 / the last active district "
              "administrator cannot be deactivated or lose the role: make someone else district administrator first")
SELF_DEACTIVATE = "不能停用自己的账号 / you cannot deactivate your own account"
ALREADY_INACTIVE = "该账号已停用 / the account is already deactivated"
ALREADY_ACTIVE = "该账号未停用 / the account is active"
NOT_MANAGER = "您无权管理用户账号 / you may not administer user accounts"
ROLE_ABOVE_OWN = "不能授予高于自己的角色「{role}」 / you cannot grant the role {role_en}, which is above your own"
CAPABILITY_NOT_HELD = ("不能授予角色「{role}」：它包含您自己没有的权限 / you cannot grant the role {role_en}: it "
                       "carries permissions you do not hold")
AREA_OUTSIDE_SCOPE = ("区划「{area}」不在您管理账号的范围内 / the division {area} is outside the area where you "
                      "administer accounts")
USERNAME_INVALID = ("用户名须为 3–150 个字符，以字母或数字开头，只含字母、数字和 _ . @ + - / a username has 3 to 150 "
                    "characters, starts with a letter or digit and has only letters, digits and _ . @ + -")
USERNAME_TAKEN = "用户名「{username}」已被使用 / the username {username} is taken"
NAME_REQUIRED = "请填写姓名 / enter the person's name"
NAME_TOO_LONG = "姓名最多 50 个字符 / a name has at most 50 characters"
NAME_INVALID = "姓名中有控制字符 / the name contains control characters"
PHONE_INVALID = ("联系电话应为11位手机号或固定电话（如 0395-1234567） / the phone must be an 11-digit mobile number or a "
                 "landline number (e.g. 0395-1234567)")
TOO_WEAK = "密码不符合要求：{zh} / the password is not strong enough: {en}"
CURRENT_WRONG = "当前密码不正确 / the current password is wrong"
SAME_AS_CURRENT = "新密码不能与当前密码相同 / the new password must differ from the current one"
LEVEL_NAMES = {"province": ("省", "province"), "city": ("市", "city"), "county": ("县(区)", "county"),
               "township": ("乡镇", "township"), "village": ("村", "village")}

USERNAME_SHAPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{2,149}$")
# The registry template's phone rule (fupin/registry/import_checks.py): a mobile number or a landline number.
MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
LANDLINE = re.compile(r"^(?:0[0-9]{2,3}[- ]?)?[0-9]{7,8}(?:-[0-9]{1,6})?$")
NAME_MAX = 50
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Temporary passwords: no look-alike characters (0/O, 1/l/I), always the four character classes.
_LOWER, _UPPER, _DIGITS, _SYMBOLS = "abcdefghijkmnpqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789", "#%+=?@"
TEMPORARY_LENGTH = 14


class AccountRefused(DomainError):
    """The actor may not do this to this account (scope, rank, a capability they lack)."""

    code = "ACCOUNT_REFUSED"
    status = 403


# --- checks, shared with the roster import --------------------------------------------------------------------

def username_problem(username: str) -> DomainError | None:
    if not USERNAME_SHAPE.match(username):
        return DomainError(USERNAME_INVALID, code="USERNAME_INVALID")
    if User.objects.filter(username__iexact=username).exists():
        return DomainError(USERNAME_TAKEN.format(username=username), code="USERNAME_TAKEN")
    return None


def phone_normalised(phone: str) -> str | None:
    """The phone as stored (a mobile number without +86 and spaces), "" for none, None when it is no phone."""
    text = phone.strip()
    compact = re.sub(r"^\+86|[ ]", "", text)
    if not text:
        return ""
    if MOBILE.match(compact):
        return compact
    return text if LANDLINE.match(text) else None


def name_problem(name: str) -> DomainError | None:
    text = name.strip()
    for message, code, bad in ((NAME_REQUIRED, "NAME_REQUIRED", not text),
                               (NAME_TOO_LONG, "NAME_TOO_LONG", len(text) > NAME_MAX),
                               (NAME_INVALID, "NAME_INVALID", bool(CONTROL.search(text)))):
        if bad:
            return DomainError(message, code=code, fields={"name": [message]})
    return None


def _name_checked(name: str) -> str:
    problem = name_problem(name)
    if problem is not None:
        raise problem
    return name.strip()


def _phone_checked(phone: str) -> str:
    normalised = phone_normalised(phone)
    if normalised is None:
        raise DomainError(PHONE_INVALID, code="PHONE_INVALID", fields={"phone": [PHONE_INVALID]})
    return normalised


def _role_label(role: str, language: str) -> str:
    with translation.override(language):
        return str(Role(role).label)


def grant_problem(actor: User | None, *, role: str, area: Area, department: Department | None) -> DomainError | None:
    """Why ``actor`` may not give ``role`` in ``area`` (for ``department``), or None. The data's rules first (level,
    department, a current division), then the actor's (rank, capabilities, scope)."""
    levels = ROLE_LEVELS[role]
    if area.level not in levels:
        return DomainError(ROLE_LEVEL_MISMATCH.format(
            role=_role_label(role, "zh-hans"), role_en=_role_label(role, "en"),
            levels_zh="/".join(LEVEL_NAMES[lv][0] for lv in levels),
            levels_en=" or ".join(LEVEL_NAMES[lv][1] for lv in levels)), code="ROLE_LEVEL_MISMATCH")
    if role == Role.DEPARTMENT_OFFICER and department is None:
        return DomainError(DEPARTMENT_REQUIRED, code="DEPARTMENT_REQUIRED")
    # A department names the unit one works in: a department officer's, and the district office's or the
    # discipline inspection's for the hotline's routing; a village or township role has none.
    if department is not None and "county" not in levels:
        return DomainError(DEPARTMENT_NOT_ALLOWED, code="DEPARTMENT_NOT_ALLOWED")
    if area.valid_to is not None:
        return DomainError(AREA_ENDED.format(area=area.name), code="AREA_ENDED")
    if actor is None:
        return None
    if not actor.can(Cap.USERS_MANAGE):
        return AccountRefused(NOT_MANAGER, code="NOT_MANAGER")
    labels = {"role": _role_label(role, "zh-hans"), "role_en": _role_label(role, "en")}
    if ROLE_RANK[role] > access.own_rank(actor):
        return AccountRefused(ROLE_ABOVE_OWN.format(**labels), code="ROLE_ABOVE_OWN")
    if not guarded_capabilities(role) <= actor.capabilities:
        return AccountRefused(CAPABILITY_NOT_HELD.format(**labels), code="CAPABILITY_NOT_HELD")
    if not access.may_grant_in(actor, area):
        return AccountRefused(AREA_OUTSIDE_SCOPE.format(area=area.name), code="AREA_OUTSIDE_SCOPE")
    return None


def password_problem(password: str, user: User) -> DomainError | None:
    """Django's validators (settings.AUTH_PASSWORD_VALIDATORS), their messages in Chinese and English."""
    messages: dict[str, str] = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            try:
                validate_password(password, user)
            except ValidationError as exc:
                messages[language] = "；".join(str(m) for m in exc.messages)
    if not messages:
        return None
    # A validator of ours may speak both languages already ("中文 / English"): keep each half in its place.
    zh = "；".join(m.partition(" / ")[0] for m in messages.get("zh-hans", "").split("；"))
    en = "; ".join(m.partition(" / ")[2] or m for m in messages.get("en", "").split("；"))
    return DomainError(TOO_WEAK.format(zh=zh, en=en), code="WEAK_PASSWORD", fields={"password": [zh]})


def temporary_password() -> str:
    """A random password with every character class, shown once to whoever hands it over."""
    pool = _LOWER + _UPPER + _DIGITS + _SYMBOLS
    chars = [secrets.choice(s) for s in (_LOWER, _UPPER, _DIGITS, _SYMBOLS)]
    chars += [secrets.choice(pool) for _ in range(TEMPORARY_LENGTH - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def _user_snapshot(user: User) -> dict[str, Any]:
    """The account as the audit shows it: the phone only as whether there is one (no personal data in clear)."""
    return {**snapshot(user, ["username", "name", "is_active", "must_change_password"]), "phone": bool(user.phone)}


def _home_path(user: User) -> str:
    """Where the account's audit entries belong: the area of its highest current assignment ("" for none), so
    a township's auditor reads the changes to its township's accounts."""
    current = user.assignments.filter(access.open_assignments()).select_related("area").order_by("area__depth")
    first = current.first()
    return first.area.path if first is not None else ""


def _ensure_manages(actor: User | None, user: User) -> None:
    """A user the actor does not administer is not found, like one that does not exist (no account probing)."""
    if actor is not None and not access.may_manage(actor, user):
        if not actor.can(Cap.USERS_MANAGE):
            raise AccountRefused(NOT_MANAGER, code="NOT_MANAGER")
        raise Http404("not found")


# --- accounts -----------------------------------------------------------------------------------------------

@transaction.atomic
def user_create(*, username: str, password: str | None, name: str = "", phone: str = "", actor: User | None = None,
                is_demo: bool = False, validate: bool = True, must_change_password: bool = False) -> User:
    """A new account with no role yet (:func:`user_register` gives the first one with it). ``password`` None makes
    it unusable. An actor must administer accounts of the whole county to create one placed nowhere."""
    if actor is not None and not access.manages_county(actor):
        raise AccountRefused(NOT_MANAGER, code="NOT_MANAGER")
    return _user_insert(username=username, password=password, name=name, phone=phone, actor=actor, is_demo=is_demo,
                        validate=validate, must_change_password=must_change_password)


def _user_insert(*, username: str, password: str | None, name: str, phone: str, actor: User | None, is_demo: bool,
                 validate: bool, must_change_password: bool) -> User:
    problem = username_problem(username)
    if problem is not None:
        raise problem
    user = User(username=username, name=name.strip()[:NAME_MAX], phone=_phone_checked(phone), is_demo=is_demo,
                must_change_password=must_change_password)
    if password is None:
        user.set_unusable_password()
    else:
        weak = password_problem(password, user) if validate else None
        if weak is not None:
            raise weak
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(actor=actor, action=Action.CREATE, obj=user, changes=_user_snapshot(user))
    return user


@transaction.atomic
def user_register(*, username: str, name: str, role: str, area: Area, department: Department | None = None,
                  phone: str = "", valid_from: date | None = None, password: str | None = None,
                  actor: User | None) -> tuple[User, str]:
    """A new person's account with their first role; the password is ``password`` or a temporary one (returned, to
    be handed over), to be changed at the first sign-in."""
    refused = grant_problem(actor, role=role, area=area, department=department)
    if refused is not None:
        raise refused
    chosen = password if password is not None else temporary_password()
    user = _user_insert(username=username, password=chosen, name=_name_checked(name), phone=phone, actor=actor,
                        is_demo=False, validate=True, must_change_password=True)
    _assignment_insert(user=user, role=role, area=area, department=department, valid_from=valid_from, actor=actor)
    return user, chosen


@transaction.atomic
def user_update(user: User, *, actor: User | None, name: str | None = None, phone: str | None = None) -> User:
    """Change the person's name or phone (the username stays: the audit log names people by it)."""
    _ensure_manages(actor, user)
    before, old_phone = _user_snapshot(user), user.phone
    if name is not None:
        user.name = _name_checked(name)
    if phone is not None:
        user.phone = _phone_checked(phone)
    user.full_clean(exclude=["password"])
    user.save(update_fields=["name", "phone"])
    changes: dict[str, Any] = {**diff(before, _user_snapshot(user))}
    if user.phone != old_phone:
        changes["phone"] = "changed"
    if changes:
        audit_record(actor=actor, action=Action.UPDATE, obj=user, changes=changes, area_path=_home_path(user))
    return user


def _ensure_another_district_admin(user: User) -> None:
    """Refuse when ``user`` is the only active user holding a current district administrator assignment. The
    holders' rows are locked (PostgreSQL; SQLite serialises writers) so two administrators cannot remove each
    other at the same moment."""
    holders = set(Assignment.objects.filter(access.current_assignments(), role=Role.DISTRICT_ADMIN,
                                            user__is_active=True).values_list("user_id", flat=True))
    if user.pk not in holders:
        return
    locked = list(User.objects.select_for_update().filter(pk__in=sorted(holders), is_active=True)
                  .order_by("pk").values_list("pk", flat=True))
    if not set(locked) - {user.pk}:
        raise DomainError(LAST_ADMIN, code="LAST_DISTRICT_ADMIN")


@transaction.atomic
def user_deactivate(user: User, *, actor: User | None) -> User:
    """Stop the account: it can no longer sign in or use its API tokens; its sessions end now."""
    if actor is not None and actor.pk == user.pk:
        raise DomainError(SELF_DEACTIVATE, code="SELF_DEACTIVATE")
    _ensure_manages(actor, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise DomainError(ALREADY_INACTIVE, code="ALREADY_INACTIVE")
    _ensure_another_district_admin(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = user_sessions_end(user)
    audit_record(actor=actor, action=Action.UPDATE, obj=user, area_path=_home_path(user),
                 changes={"is_active": [True, False], "sessions_ended": ended})
    return user


@transaction.atomic
def user_reactivate(user: User, *, actor: User | None) -> User:
    _ensure_manages(actor, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        raise DomainError(ALREADY_ACTIVE, code="ALREADY_ACTIVE")
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(actor=actor, action=Action.UPDATE, obj=user, area_path=_home_path(user),
                 changes={"is_active": [False, True]})
    return user


# --- assignments ---------------------------------------------------------------------------------------------

def _assignment_insert(*, user: User, role: str, area: Area, department: Department | None, valid_from: date | None,
                       actor: User | None) -> Assignment:
    start = valid_from or timezone.localdate()
    clash = Assignment.objects.filter(user=user, role=role, area=area, department=department).filter(
        access.open_assignments(on=start))
    if clash.exists():
        raise DomainError(ASSIGNMENT_EXISTS, code="ASSIGNMENT_EXISTS")
    assignment = Assignment(user=user, role=role, area=area, department=department, valid_from=start)
    assignment.full_clean()
    assignment.save()
    audit_record(actor=actor, action=Action.CREATE, obj=assignment, area_path=area.path,
                 changes={"user": user.username, "role": role, "area": area.code,
                          "department": department.code if department else None, "valid_from": start})
    return assignment


@transaction.atomic
def assignment_create(*, user: User, role: str, area: Area, department: Department | None = None,
                      valid_from: date | None = None, actor: User | None = None) -> Assignment:
    """Give ``user`` a role in an area (a department officer: for a department), from ``valid_from`` (today)."""
    _ensure_manages(actor, user)
    refused = grant_problem(actor, role=role, area=area, department=department)
    if refused is not None:
        raise refused
    return _assignment_insert(user=user, role=role, area=area, department=department, valid_from=valid_from,
                              actor=actor)


@transaction.atomic
def assignment_end(assignment: Assignment, *, actor: User | None, last_day: date | None = None) -> Assignment:
    """End a role: ``last_day`` is the last day it holds (yesterday by default: it ends now). It stays as history."""
    _ensure_manages(actor, assignment.user)
    assignment = Assignment.objects.select_for_update().select_related("user", "area").get(pk=assignment.pk)
    today = timezone.localdate()
    last = last_day or today - timedelta(days=1)
    if assignment.valid_to is not None and assignment.valid_to < today:
        raise DomainError(ALREADY_ENDED, code="ALREADY_ENDED")
    if last < today - timedelta(days=1):
        raise DomainError(END_IN_PAST, code="END_IN_PAST")
    if last < assignment.valid_from - timedelta(days=1):
        raise DomainError(END_BEFORE_START, code="END_BEFORE_START")
    if assignment.role == Role.DISTRICT_ADMIN and assignment.is_current:
        _ensure_another_district_admin(assignment.user)
    before = assignment.valid_to
    assignment.valid_to = last
    assignment.save(update_fields=["valid_to"])
    audit_record(actor=actor, action=Action.UPDATE, obj=assignment, area_path=assignment.area.path,
                 changes={"user": assignment.user.username, "role": assignment.role, "valid_to": [before, last]})
    return assignment


# --- passwords -----------------------------------------------------------------------------------------------

@transaction.atomic
def password_reset(user: User, *, actor: User | None, password: str | None = None) -> str:
    """Give the account a new password (``password``, or a temporary one), to be changed at the next sign-in; its
    sessions end and its failed sign-ins are forgotten (a locked user, once reset, signs in at once). Returns the
    password now in force, to be handed over."""
    _ensure_manages(actor, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    chosen = password if password is not None else temporary_password()
    weak = password_problem(chosen, user)
    if weak is not None:
        raise weak
    before = user.must_change_password
    user.set_password(chosen)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    ended = user_sessions_end(user)
    forgotten, _ = AccessAttempt.objects.filter(username=user.get_username()).delete()
    audit_record(actor=actor, action=Action.UPDATE, obj=user, area_path=_home_path(user),
                 changes={"password": "reset", "must_change_password": [before, True], "sessions_ended": ended,
                          "failed_sign_ins_forgotten": forgotten})
    return chosen


@transaction.atomic
def password_change(user: User, *, old_password: str, new_password: str, keep_session: str | None = None) -> User:
    """The user's own change of password (forced after a reset). The user's other sessions end; ``keep_session``
    (the one they are using) stays."""
    if not user.check_password(old_password):
        raise DomainError(CURRENT_WRONG, code="WRONG_PASSWORD", fields={"old_password": [CURRENT_WRONG]})
    if old_password == new_password:
        raise DomainError(SAME_AS_CURRENT, code="PASSWORD_UNCHANGED",
                          fields={"new_password1": [SAME_AS_CURRENT]})
    weak = password_problem(new_password, user)
    if weak is not None:
        raise weak
    before = user.must_change_password
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    ended = user_sessions_end(user, keep=keep_session)
    audit_record(actor=user, action=Action.UPDATE, obj=user, area_path=_home_path(user),
                 changes={"password": "changed", "must_change_password": [before, False], "sessions_ended": ended})
    return user
