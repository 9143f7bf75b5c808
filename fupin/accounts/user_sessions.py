"""A user's signed-in sessions: recorded at sign-in, listed on the user's page, ended by the user (one) or by the
services (all of them when the account is stopped or its password reset; the others when the user changes it).

Sessions live in the session store (``SESSION_ENGINE``); a :class:`~fupin.accounts.models.UserSession` row maps a
user to the keys of their sessions, written when ``user_logged_in`` fires and removed at sign-out. A row whose
session has expired, ended, or no longer carries the user's current password hash (Django ends such a session on
its next request) is dropped when the list is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.dispatch import receiver
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from fupin.accounts.models import User, UserSession
from fupin.core.audit import Action, audit_record
from fupin.core.middleware import LAST_SEEN_KEY

USER_AGENT_MAX = 200


def _store(session_key: str | None = None) -> SessionBase:
    engine = import_module(settings.SESSION_ENGINE)
    store: SessionBase = engine.SessionStore(session_key)
    return store


@receiver(user_logged_in)
def _record_sign_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    key = getattr(session, "session_key", None)
    if not key:
        return
    UserSession.objects.update_or_create(session_key=key, defaults={
        "user": user, "created_at": timezone.now(), "ip_address": request.META.get("REMOTE_ADDR") or None,
        "user_agent": str(request.META.get("HTTP_USER_AGENT", ""))[:USER_AGENT_MAX]})


@receiver(user_logged_out)
def _forget_sign_out(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key).delete()


def user_session_rekey(old_key: str | None, new_key: str | None) -> None:
    """The session kept its user under a new key (Django cycles the key when the password changes)."""
    if old_key and new_key and old_key != new_key:
        UserSession.objects.filter(session_key=old_key).update(session_key=new_key)


@dataclass(frozen=True)
class SessionView:
    id: int
    created_at: datetime
    last_seen: datetime | None
    ip_address: str
    user_agent: str
    current: bool


def _alive(user: User, row: UserSession) -> dict[str, Any] | None:
    """The session's data when it is still the user's signed-in session, else None."""
    data = _store(row.session_key).load()
    if str(data.get(SESSION_KEY, "")) != str(user.pk):
        return None
    if not constant_time_compare(str(data.get(HASH_SESSION_KEY, "")), user.get_session_auth_hash()):
        return None
    return data


def user_session_list(user: User, *, current_key: str | None) -> list[SessionView]:
    """The user's live sessions, newest first; rows of dead ones are dropped."""
    views: list[SessionView] = []
    dead: list[int] = []
    for row in UserSession.objects.filter(user=user).order_by("-created_at"):
        data = _alive(user, row)
        if data is None:
            dead.append(row.pk)
            continue
        seen = data.get(LAST_SEEN_KEY)
        views.append(SessionView(
            id=row.pk, created_at=row.created_at, ip_address=row.ip_address or "", user_agent=row.user_agent,
            last_seen=datetime.fromtimestamp(seen, tz=timezone.get_current_timezone()) if isinstance(seen, int) else None,
            current=row.session_key == current_key))
    if dead:
        UserSession.objects.filter(pk__in=dead).delete()
    return views


@transaction.atomic
def user_session_revoke(user: User, *, session_id: int) -> str:
    """End one of the user's own sessions (another user's, or none: 404); returns its key."""
    row = UserSession.objects.filter(pk=session_id, user=user).first()
    if row is None:
        raise Http404("not found")
    _store(row.session_key).delete(row.session_key)
    row.delete()
    audit_record(actor=user, action=Action.LOGOUT, obj=user,
                 changes={"session_ended": row.created_at.isoformat(), "ip_address": row.ip_address or ""})
    return row.session_key


def user_sessions_end(user: User, *, keep: str | None = None) -> int:
    """End every session of the user but ``keep``; returns how many were recorded."""
    rows = list(UserSession.objects.filter(user=user).exclude(session_key=keep or ""))
    for row in rows:
        _store(row.session_key).delete(row.session_key)
    UserSession.objects.filter(pk__in=[r.pk for r in rows]).delete()
    return len(rows)
