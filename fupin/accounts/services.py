"""Writes to accounts: API tokens here; users, assignments and passwords in :mod:`fupin.accounts.user_services`
(re-exported)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from fupin.accounts.models import ApiToken, User, hash_token
from fupin.accounts.user_services import assignment_create, user_create
from fupin.core.audit import Action, audit_record
from fupin.core.errors import BadInput

API_KEY_LIFE_REFUSED = "令牌有效天数须为 1 至 {max} 天，得到 {days} / a token is valid for 1 to {max} days, not {days}"

__all__ = ["api_token_create", "api_token_revoke", "assignment_create", "user_create"]


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
