"""Writes to accounts: users, assignments, API tokens."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from fupin.accounts.models import ApiToken, Assignment, Department, User, hash_token
from fupin.accounts.roles import ROLE_LEVELS, Role
from fupin.areas.models import Area
from fupin.core.audit import Action, audit_record
from fupin.core.errors import DomainError

ROLE_LEVEL_MISMATCH = "角色「{role}」须分配在{levels}级区划 / role {role} must be held at level {levels}"
DEPARTMENT_REQUIRED = "行业部门工作人员须指定部门 / a department officer needs a department"


@transaction.atomic
def user_create(*, username: str, password: str | None, name: str = "", actor: User | None = None,
                is_demo: bool = False, validate: bool = True) -> User:
    user = User(username=username, name=name, is_demo=is_demo)
    if password is None:
        user.set_unusable_password()
    else:
        if validate:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise DomainError("；".join(exc.messages), code="WEAK_PASSWORD") from exc
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(actor=actor, action=Action.CREATE, obj=user, changes={"username": username, "name": name})
    return user


@transaction.atomic
def assignment_create(*, user: User, role: str, area: Area, department: Department | None = None,
                      valid_from: date | None = None, actor: User | None = None) -> Assignment:
    levels = ROLE_LEVELS[role]
    if area.level not in levels:
        raise DomainError(ROLE_LEVEL_MISMATCH.format(role=Role(role).label, levels="/".join(levels)),
                          code="ROLE_LEVEL_MISMATCH")
    if role == Role.DEPARTMENT_OFFICER and department is None:
        raise DomainError(DEPARTMENT_REQUIRED, code="DEPARTMENT_REQUIRED")
    assignment = Assignment(user=user, role=role, area=area, department=department,
                            valid_from=valid_from or timezone.localdate())
    assignment.full_clean()
    assignment.save()
    audit_record(actor=actor, action=Action.CREATE, obj=assignment,
                 changes={"user": user.username, "role": role, "area": area.code,
                          "department": department.code if department else None})
    return assignment


@transaction.atomic
def api_token_create(*, user: User, name: str, days: int | None = 90) -> tuple[ApiToken, str]:
    raw = "fp_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[:10], key_hash=hash_token(raw),
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    audit_record(actor=user, action=Action.CREATE, obj=token, changes={"name": name, "prefix": token.prefix})
    return token, raw


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).first()
    if token is None:
        raise Http404("not found")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=user, action=Action.UPDATE, obj=token, changes={"revoked_at": [None, token.revoked_at]})
    return token
