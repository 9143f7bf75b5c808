"""Capability checks for views and services."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied

from fupin.core.actors import Viewer

F = TypeVar("F", bound=Callable[..., Any])


def can(user: Viewer | None, capability: str) -> bool:
    checker = getattr(user, "can", None)
    return bool(getattr(user, "is_authenticated", False) and checker is not None and checker(capability))


def ensure_can(user: Viewer | None, capability: str) -> None:
    if not can(user, capability):
        raise PermissionDenied(capability)


def require_capability(capability: str) -> Callable[[F], F]:
    """View decorator: 403 unless the signed-in user holds the capability."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            ensure_can(request.user, capability)
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
