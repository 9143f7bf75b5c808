"""Capability checks for views and services, and who may administer whose account.

User administration (ADR 0022) follows three rules, all enforced here and used by the services, pages, API
and roster import alike:

- **Scope.** ``USERS_MANAGE`` is held in an area: a manager administers the accounts whose assignments all lie
  in the subtrees where they hold it (the district administrator the county, a township officer the township).
  An account's place is its assignments that have not ended, or, with none left, all it ever had; an account
  with no assignment at all belongs to no township, so only a manager of the county (or above) has it.
- **Rank.** Nobody grants a role of a tier above their own highest role (``roles.ROLE_ORDER``), nor a role
  with a capability they lack (the duties of a level aside: ``roles.DUTY_CAPABILITIES``). A manager
  administers an account only if they could have granted every role it holds, so a township never resets the
  password of someone who outranks it. A superuser's account is administered by superusers only.
- **System.** The command line acts as the installation's operator (``actor=None``): it is bound by the
  rules of the data (levels, departments, the last district administrator), not by these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from fupin.accounts.models import Assignment
from fupin.accounts.roles import CAPABILITIES, ROLE_RANK, Cap, Role, guarded_capabilities
from fupin.areas.scoping import NO_ROWS, AreaScope, scope_filter
from fupin.core.actors import Viewer

if TYPE_CHECKING:
    from fupin.accounts.models import User
    from fupin.areas.models import Area

F = TypeVar("F", bound=Callable[..., Any])

COUNTY_OR_ABOVE = ("province", "city", "county")


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


# --- user administration ----------------------------------------------------------------------------------

def _managing_assignments(manager: User) -> list[Assignment]:
    return [a for a in manager.active_assignments if Cap.USERS_MANAGE in CAPABILITIES[a.role]]


def manage_scope(manager: User) -> AreaScope:
    """The subtrees where ``manager`` administers accounts (nothing without USERS_MANAGE)."""
    if not manager.is_active:
        return AreaScope()
    if manager.is_superuser:
        return AreaScope(everything=True)
    return AreaScope(paths=tuple(sorted({a.area.path for a in _managing_assignments(manager)})))


def manages_county(manager: User) -> bool:
    """Administers accounts for a whole county (or more): also those placed nowhere yet."""
    return manager.is_active and (manager.is_superuser or any(
        a.area.level in COUNTY_OR_ABOVE for a in _managing_assignments(manager)))


def own_rank(manager: User) -> int:
    if manager.is_superuser:
        return ROLE_RANK[Role.DISTRICT_ADMIN]
    return max((ROLE_RANK[a.role] for a in manager.active_assignments), default=0)


def grantable_roles(manager: User) -> list[str]:
    """The roles ``manager`` may grant (somewhere in their scope): not above their own, no guarded capability
    they lack; none without USERS_MANAGE."""
    if not manager.can(Cap.USERS_MANAGE):
        return []
    rank, held = own_rank(manager), manager.capabilities
    return [role for role in Role.values if ROLE_RANK[role] <= rank and guarded_capabilities(role) <= held]


def may_grant(manager: User, role: str) -> bool:
    return role in grantable_roles(manager)


def may_grant_in(manager: User, area: Area) -> bool:
    return manage_scope(manager).covers(area)


def open_assignments(on: date | None = None) -> Q:
    """Assignments not ended by ``on`` (today): current ones and those still to start."""
    return Q(valid_to__isnull=True) | Q(valid_to__gte=on or timezone.localdate())


def current_assignments() -> Q:
    """Assignments in force today."""
    today = timezone.localdate()
    return Q(valid_from__lte=today) & open_assignments(today)


def _place_assignments(target: User) -> list[Assignment]:
    """Where an account belongs: its assignments not ended, else all it ever had (see the module's doc)."""
    everything = list(target.assignments.select_related("area"))
    today = timezone.localdate()
    open_ones = [a for a in everything if a.valid_to is None or a.valid_to >= today]
    return open_ones or everything


def may_manage(manager: User | None, target: User) -> bool:
    """Whether ``manager`` administers ``target``'s account (None: the system, always)."""
    if manager is None:
        return True
    if not manager.can(Cap.USERS_MANAGE) or (target.is_superuser and not manager.is_superuser):
        return False
    placed = _place_assignments(target)
    if not placed:
        return manages_county(manager)
    scope, roles = manage_scope(manager), set(grantable_roles(manager))
    return all(scope.covers(a.area) and a.role in roles for a in placed)


def manageable_users_filter(manager: User) -> Q:
    """The accounts ``manager`` administers, as a condition on User (the SQL form of :func:`may_manage`)."""
    if not manager.can(Cap.USERS_MANAGE):
        return NO_ROWS
    open_q = open_assignments()
    in_scope = scope_filter("area", manage_scope(manager))
    roles = grantable_roles(manager)
    fitting = Q(role__in=roles) & (in_scope if in_scope is not None else Q())

    def holders(condition: Q) -> Any:
        return Assignment.objects.filter(condition).values("user_id")

    with_open = Q(pk__in=holders(open_q))
    placed_by_open = with_open & ~Q(pk__in=holders(open_q & ~fitting))
    placed_by_history = ~with_open & Q(pk__in=holders(Q())) & ~Q(pk__in=holders(~fitting))
    condition = placed_by_open | placed_by_history
    if manages_county(manager):
        condition |= ~Q(pk__in=holders(Q()))
    if not manager.is_superuser:
        condition &= Q(is_superuser=False)
    return condition


def manageable_areas_filter(manager: User, levels: Iterable[str] | None = None) -> Q:
    """The current areas where ``manager`` may grant roles, as a condition on Area."""
    in_scope = scope_filter("", manage_scope(manager))
    condition = Q(valid_to__isnull=True) & (in_scope if in_scope is not None else Q())
    return condition & Q(level__in=list(levels)) if levels is not None else condition
