"""Writes to accounts: users, assignments, API tokens."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from fupin.accounts.models import ApiToken, Assignment, Department, User, hash_token
from fupin.accounts.roles import ROLE_LEVELS, Role
from fupin.areas.models import Area
from fupin.core.audit import Action, audit_record
from fupin.core.errors import BadInput, DomainError

ROLE_LEVEL_MISMATCH = "角色「{role}」须分配在{levels}级区划 / role {role} must be held at level {levels}"
DEPARTMENT_REQUIRED = "行业部门工作人员须指定部门 / a department officer needs a department"
API_KEY_LIFE_REFUSED = "令牌有效天数须为 1 至 {max} 天，得到 {days} / a token is valid for 1 to {max} days, not {days}"


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
def api_token_create(*, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for ``user``, valid for ``days`` (default and at most ``FUPIN_API_TOKEN_MAX_DAYS``; more is
    refused). Every token expires; one unused for ``FUPIN_API_TOKEN_IDLE_DAYS`` stops working earlier."""
    longest = int(settings.FUPIN_API_TOKEN_MAX_DAYS)
    days = longest if days is None else days
    if not 1 <= days <= longest:
        message = API_KEY_LIFE_REFUSED.format(max=longest, days=days)
        raise BadInput(message, code="TOKEN_DAYS", fields={"days": [message]})
    raw = "fp_" + secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:10], key_hash=hash_token(raw), created_at=now,
                                    expires_at=now + timedelta(days=days))
    audit_record(actor=user, action=Action.CREATE, obj=token,
                 changes={"name": name, "prefix": token.prefix, "days": days})
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
