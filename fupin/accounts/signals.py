"""Sign-ins and failed sign-ins go to the audit log (Django's auth is not one of our services)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from fupin.accounts.models import User
from fupin.core.audit import Action, audit_record


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    audit_record(actor=user, action=Action.LOGIN, obj=user)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit_record(actor=user, action=Action.LOGOUT, obj=user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    audit_record(actor=None, action=Action.LOGIN_FAILED, object_type="accounts.user",
                 object_label=str(credentials.get("username", ""))[:150])
