"""Who acts in a request: the signed-in user, typed for the services' ``actor: User | None``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

if TYPE_CHECKING:
    from fupin.accounts.models import User  # a type only: accounts is on a floor above


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
