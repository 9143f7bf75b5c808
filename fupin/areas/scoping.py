"""Area scoping: one mechanism, declared once per model, failing closed.

Every model whose rows belong to a place declares ``area_scope = "<lookup to an Area>"`` (for
example ``"village"`` on a household, ``"household__village"`` on a member) and uses
:class:`ScopedQuerySet`. ``Model.objects.visible_to(user)`` then keeps only rows in the user's
subtrees, matched by the materialised ``path`` of the area. The user side is duck-typed: the user
object offers ``area_scope`` (an :class:`AreaScope`), which ``accounts`` computes from the user's
role assignments. A user without one, or with no areas, sees nothing.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

from fupin.core.workflow import InsertOnlyQuerySetMixin

if TYPE_CHECKING:
    from fupin.areas.models import Area

_M = TypeVar("_M", bound=models.Model)


@dataclass(frozen=True)
class AreaScope:
    """What a user may see: everything, or the subtrees under these area paths."""

    everything: bool = False
    paths: tuple[str, ...] = ()

    def covers(self, area: Area | None) -> bool:
        if self.everything:
            return True
        if area is None:
            return False
        return any(area.path.startswith(p) for p in self.paths)


NOTHING = AreaScope()


def scope_of(user: Any) -> AreaScope:
    if user is None or not getattr(user, "is_authenticated", False):
        return NOTHING
    scope = getattr(user, "area_scope", None)
    return scope if isinstance(scope, AreaScope) else NOTHING


def scope_filter(lookup: str, scope: AreaScope) -> models.Q | None:
    """The filter for rows under ``scope``; None means no filter (everything)."""
    if scope.everything:
        return None
    prefix = f"{lookup}__path" if lookup else "path"
    if not scope.paths:
        return models.Q(pk__in=[])
    return reduce(operator.or_, (models.Q(**{f"{prefix}__startswith": p}) for p in scope.paths))


class ScopedQuerySet(models.QuerySet[_M]):
    def visible_to(self, user: Any) -> ScopedQuerySet[_M]:
        lookup = getattr(self.model, "area_scope", None)
        if lookup is None:
            raise TypeError(f"{self.model.__name__} declares no area_scope")
        condition = scope_filter(lookup, scope_of(user))
        if condition is None:
            return self.all()
        if not scope_of(user).paths:
            return self.none()
        return self.filter(condition)


class InsertOnlyScopedQuerySet(InsertOnlyQuerySetMixin, ScopedQuerySet[_M]):
    """The queryset of an area-scoped ledger (``fupin.core.workflow.StepLedger``): scoped, insert-only."""


def get_visible_or_404(queryset: ScopedQuerySet[_M], user: Any, **lookup: Any) -> _M:
    """The same 404 for "absent" and "not yours" (CONVENTIONS section 5)."""
    from django.core.exceptions import ObjectDoesNotExist
    from django.http import Http404

    try:
        return queryset.visible_to(user).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404("not found") from exc
