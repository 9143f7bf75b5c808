"""Writes to accounts: API tokens here; users, assignments and passwords in :mod:`fupin.accounts.user_services`
(re-exported)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from fupin.accounts.models import ApiToken, User, hash_token
from fupin.accounts.user_services import assignment_create, user_create
from fupin.core.audit import Action, audit_record

__all__ = ["api_token_create", "api_token_revoke", "assignment_create", "user_create"]

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
