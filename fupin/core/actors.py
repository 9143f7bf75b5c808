"""Who acts in a request: the signed-in user, typed for the services' ``actor: User | None``; and who reads
in one: a :data:`Viewer`, the type of ``request.user``."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from fupin.accounts.models import User  # a type only: accounts is on a floor above

Viewer: TypeAlias = "User | AnonymousUser"
"""Whoever a read is for: ``request.user``, signed in or (in principle) anonymous. Selectors and view helpers
that only read take a viewer and ask it through the duck-typed helpers (``fupin.accounts.access.can``,
``fupin.areas.scoping.scope_of``), which answer "nothing" for an anonymous one; code that acts takes a ``User``
(``acting_user`` below)."""


def acting_user(request: HttpRequest) -> User:
    """The signed-in user acting in ``request``.

    Pages need a signed-in user (the sign-in middleware) and the API authenticates its callers, so an
    anonymous request does not get here; if one did, it is refused (403), never turned into the system
    actor (None), which services do not check.
    """
    user = request.user
    if not isinstance(user, get_user_model()) or not user.is_authenticated:
        raise PermissionDenied("sign-in required")
    return user
