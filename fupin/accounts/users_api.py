"""User administration over JSON (/api/v1/accounts/users…): the same services, scope and rank rules as the pages
(ADR 0022). As elsewhere in the API, one path has one method: a change is a POST to a verb (``/users/create``,
``/users/{id}/edit``, ``/users/{id}/deactivate``…). A manager lists and changes the accounts they administer; any other account answers 404, as a
missing one does; a user without USERS_MANAGE gets 403. A refusal changes nothing and answers in the envelope
with its code (``ROLE_ABOVE_OWN``, ``LAST_DISTRICT_ADMIN``, ``SELF_DEACTIVATE``…)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fupin.accounts import selectors, user_services
from fupin.accounts.access import ensure_can
from fupin.accounts.filters import UserFilter
from fupin.accounts.models import Assignment, Department, User
from fupin.accounts.roles import Cap, Role
from fupin.areas.models import Area
from fupin.core.actors import acting_user
from fupin.core.api_types import BodyIn, Id, Limit, Offset, limit_default
from fupin.core.errors import BadInput

router = Router(tags=["accounts"])

AREA_UNKNOWN = "没有代码为 {code} 的现行区划 / no division in use has the code {code}"
DEPARTMENT_UNKNOWN = "没有代码为 {code} 的部门 / no department has the code {code}"
# Text reaches the database: no NUL (PostgreSQL refuses it in text) and no other control character.
PLAIN = r"^[^\x00-\x1f\x7f]*$"
DIVISION_CODE = r"^[0-9]{12}$"
DEPARTMENT_CODE = r"^[-a-zA-Z0-9_]+$"


class UserAssignmentOut(Schema):
    id: int
    role: str
    role_label: str
    area_code: str
    area_name: str
    department_code: str | None
    valid_from: date
    valid_to: date | None
    current: bool


class UserAdminOut(Schema):
    id: int
    username: str
    name: str
    phone: str
    is_active: bool
    must_change_password: bool
    last_login: datetime | None
    date_joined: datetime
    assignments: list[UserAssignmentOut]


class UserAdminPage(Schema):
    count: int
    items: list[UserAdminOut]


class UserAdminFilterIn(Schema):
    role: Role | None = Field(None, description="持有该角色 / holds this role")
    area: Id | None = Field(None, description="在该区划或其下有角色 / holds a role in or under it")
    active: Literal["", "0", "1"] = Field("", description="1 使用中，0 已停用 / 1 active, 0 deactivated")
    q: str = Field("", max_length=100, pattern=PLAIN, description="用户名开头、姓名或电话 / username, name or phone")
    offset: Offset = 0
    limit: Limit = limit_default(50)


class UserAdminCreateIn(BodyIn):
    username: str = Field(max_length=150, pattern=PLAIN)
    name: str = Field(max_length=50, pattern=PLAIN)
    phone: str = Field("", max_length=20, pattern=PLAIN)
    role: Role
    area_code: str = Field(pattern=DIVISION_CODE, description="12 位区划代码 / the 12-digit division code")
    department_code: str | None = Field(None, max_length=40, pattern=DEPARTMENT_CODE,
                                        description="行业部门工作人员的部门 / a department officer's")
    valid_from: date | None = None
    password: str | None = Field(None, max_length=128, description="不填则生成临时密码 / empty: a temporary one")


class UserAdminCreatedOut(Schema):
    user: UserAdminOut
    temporary_password: str | None = Field(description="生成的临时密码，只返回这一次 / the generated password, once")


class UserAdminUpdateIn(BodyIn):
    name: str | None = Field(None, max_length=50, pattern=PLAIN)
    phone: str | None = Field(None, max_length=20, pattern=PLAIN)


class UserAssignmentIn(BodyIn):
    role: Role
    area_code: str = Field(pattern=DIVISION_CODE)
    department_code: str | None = Field(None, max_length=40, pattern=DEPARTMENT_CODE)
    valid_from: date | None = None


class UserAssignmentEndIn(BodyIn):
    last_day: date | None = Field(None, description="最后一天，不填则立即结束 / the last day; empty: ends now")


class UserPasswordResetIn(BodyIn):
    password: str | None = Field(None, max_length=128, description="不填则生成临时密码 / empty: a temporary one")


class UserPasswordResetOut(Schema):
    temporary_password: str | None
    must_change_password: bool


def _assignment_out(a: Assignment) -> UserAssignmentOut:
    return UserAssignmentOut(id=a.pk, role=a.role, role_label=str(a.get_role_display()), area_code=a.area.code,
                             area_name=a.area.name, department_code=a.department.code if a.department else None,
                             valid_from=a.valid_from, valid_to=a.valid_to, current=a.is_current)


def _user_out(user: User) -> UserAdminOut:
    return UserAdminOut(id=user.pk, username=user.username, name=user.name, phone=user.phone,
                        is_active=user.is_active, must_change_password=user.must_change_password,
                        last_login=user.last_login, date_joined=user.date_joined,
                        assignments=[_assignment_out(a) for a in user.assignments.all()])


def _manager(request: HttpRequest) -> User:
    ensure_can(request.user, Cap.USERS_MANAGE)
    return acting_user(request)


def _area(code: str) -> Area:
    area = selectors.area_by_code(code)
    if area is None:
        message = AREA_UNKNOWN.format(code=code)
        raise BadInput(message, code="AREA_UNKNOWN", fields={"area_code": [message]})
    return area


def _department(code: str | None) -> Department | None:
    if not code:
        return None
    department = selectors.departments().filter(code=code.strip()).first()
    if department is None:
        message = DEPARTMENT_UNKNOWN.format(code=code)
        raise BadInput(message, code="DEPARTMENT_UNKNOWN", fields={"department_code": [message]})
    return department


def _fresh(manager: User, pk: int) -> UserAdminOut:
    return _user_out(selectors.user_get(manager, pk))


@router.get("/users", response=UserAdminPage, summary="您管理的账号 / the accounts you administer")
def user_admin_list(request: HttpRequest, filters: Query[UserAdminFilterIn]) -> UserAdminPage:
    manager = _manager(request)
    data = {**filters.dict(exclude={"offset", "limit"}), "role": filters.role.value if filters.role else ""}
    users = UserFilter(data, queryset=selectors.user_list(manager)).qs
    return UserAdminPage(count=users.count(),
                         items=[_user_out(u) for u in users[filters.offset: filters.offset + filters.limit]])


@router.post("/users/create", response={201: UserAdminCreatedOut},
             summary="创建账号并分配第一个角色（首次登录须改密码） / create an account with its first role")
def user_admin_create(request: HttpRequest, payload: UserAdminCreateIn) -> Status[UserAdminCreatedOut]:
    manager = _manager(request)
    user, password = user_services.user_register(
        username=payload.username, name=payload.name, phone=payload.phone, role=payload.role,
        area=_area(payload.area_code), department=_department(payload.department_code),
        valid_from=payload.valid_from, password=payload.password, actor=manager)
    return Status(201, UserAdminCreatedOut(user=_fresh(manager, user.pk),
                                           temporary_password=None if payload.password else password))


@router.get("/users/{user_id}", response=UserAdminOut, summary="一个账号 / one account")
def user_admin_detail(request: HttpRequest, user_id: Id) -> UserAdminOut:
    return _fresh(_manager(request), user_id)


@router.post("/users/{user_id}/edit", response=UserAdminOut, summary="修改姓名、电话 / change the name or phone")
def user_admin_update(request: HttpRequest, user_id: Id, payload: UserAdminUpdateIn) -> UserAdminOut:
    manager = _manager(request)
    user = selectors.user_get(manager, user_id)
    user_services.user_update(user, actor=manager, name=payload.name, phone=payload.phone)
    return _fresh(manager, user.pk)


@router.post("/users/{user_id}/deactivate", response=UserAdminOut, summary="停用账号 / deactivate the account")
def user_admin_deactivate(request: HttpRequest, user_id: Id) -> UserAdminOut:
    manager = _manager(request)
    user_services.user_deactivate(selectors.user_get(manager, user_id), actor=manager)
    return _fresh(manager, user_id)


@router.post("/users/{user_id}/reactivate", response=UserAdminOut, summary="恢复使用 / reactivate the account")
def user_admin_reactivate(request: HttpRequest, user_id: Id) -> UserAdminOut:
    manager = _manager(request)
    user_services.user_reactivate(selectors.user_get(manager, user_id), actor=manager)
    return _fresh(manager, user_id)


@router.post("/users/{user_id}/password-reset", response=UserPasswordResetOut,
             summary="重置密码（下次登录须修改） / reset the password (to be changed at the next sign-in)")
def user_admin_password_reset(request: HttpRequest, user_id: Id, payload: UserPasswordResetIn) -> UserPasswordResetOut:
    manager = _manager(request)
    password = user_services.password_reset(selectors.user_get(manager, user_id), actor=manager,
                                            password=payload.password)
    return UserPasswordResetOut(temporary_password=None if payload.password else password, must_change_password=True)


@router.post("/users/{user_id}/assignments", response={201: UserAssignmentOut},
             summary="分配角色 / give the user a role")
def user_admin_assignment_create(request: HttpRequest, user_id: Id, payload: UserAssignmentIn
                                 ) -> Status[UserAssignmentOut]:
    manager = _manager(request)
    assignment = user_services.assignment_create(
        user=selectors.user_get(manager, user_id), role=payload.role, area=_area(payload.area_code),
        department=_department(payload.department_code), valid_from=payload.valid_from, actor=manager)
    return Status(201, _assignment_out(assignment))


@router.post("/users/{user_id}/assignments/{assignment_id}/end", response=UserAssignmentOut,
             summary="结束角色 / end a role")
def user_admin_assignment_end(request: HttpRequest, user_id: Id, assignment_id: Id, payload: UserAssignmentEndIn
                              ) -> UserAssignmentOut:
    manager = _manager(request)
    held = selectors.assignment_get(selectors.user_get(manager, user_id), assignment_id)
    return _assignment_out(user_services.assignment_end(held, actor=manager, last_day=payload.last_day))
