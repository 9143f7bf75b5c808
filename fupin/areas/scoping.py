"""Area scoping: one mechanism, declared once per model, failing closed.

Every model whose rows belong to a place declares ``area_scope = "<lookup to an Area>"`` (for
example ``"village"`` on a household, ``"household__village"`` on a member) and uses
:class:`ScopedQuerySet`. ``Model.objects.visible_to(user)`` then keeps only rows in the user's
subtrees, matched by the materialised ``path`` of the area. The user side is duck-typed: the user
object offers ``area_scope`` (an :class:`AreaScope`), which ``accounts`` computes from the user's
role assignments. A user without one, or with no areas, sees nothing.

``visible_to`` is the **whole** visibility rule of a model: no caller adds its own condition. A model
whose rule is more than "rows in the user's subtrees" (hotline tickets: cadre-conduct complaints are
seen only by the discipline inspectors) gives its manager a subclass of :class:`ScopedQuerySet` that
overrides :meth:`ScopedQuerySet.visibility`. A model whose rows are seen exactly when a parent row is
(a ticket's steps, attachments, notifications) declares ``scope_through = "<foreign key>"`` and inherits
the parent's rule, whatever it is. ``area_scope`` still names where a row lives (the audit log records
it), also on models that declare ``scope_through``.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import reduce
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

from fupin.core.actors import Viewer
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


def scope_of(user: Viewer | None) -> AreaScope:
    if user is None or not getattr(user, "is_authenticated", False):
        return NOTHING
    scope = getattr(user, "area_scope", None)
    return scope if isinstance(scope, AreaScope) else NOTHING


NO_ROWS = models.Q(pk__in=[])


def scope_filter(lookup: str, scope: AreaScope) -> models.Q | None:
    """The filter for rows under ``scope``; None means no filter (everything)."""
    if scope.everything:
        return None
    prefix = f"{lookup}__path" if lookup else "path"
    if not scope.paths:
        return NO_ROWS
    return reduce(operator.or_, (models.Q(**{f"{prefix}__startswith": p}) for p in scope.paths))


def visibility_of(model: type[models.Model], user: Viewer | None, prefix: str = "") -> models.Q | None:
    """The whole rule of which ``model`` rows ``user`` sees, as a condition on a model that reaches ``model``
    through ``prefix`` (``"ticket__"``; empty for ``model`` itself). None means every row."""
    queryset = model._default_manager.all()
    if not isinstance(queryset, ScopedQuerySet):
        raise TypeError(f"{model.__name__} is not scoped (its manager is no ScopedQuerySet)")
    return queryset.visibility(model, user, prefix)


class ScopedQuerySet(models.QuerySet[_M]):
    def visible_to(self, user: Viewer | None) -> ScopedQuerySet[_M]:
        condition = self.visibility(self.model, user)
        if condition is None:
            return self.all()
        if condition == NO_ROWS:
            return self.none()
        return self.filter(condition)

    @classmethod
    def visibility(cls, model: type[models.Model], user: Viewer | None, prefix: str = "") -> models.Q | None:
        """The rule of ``model`` (see :func:`visibility_of`): a parent's rule for a model declaring
        ``scope_through``, else the rows whose ``area_scope`` lies in the user's subtrees. Subclasses whose
        model has a stricter rule override this (and keep the ``prefix`` on every lookup)."""
        through = getattr(model, "scope_through", None)
        if through:
            parent = model._meta.get_field(through).related_model
            if not isinstance(parent, type):
                raise TypeError(f"{model.__name__}.scope_through names no foreign key")
            return visibility_of(parent, user, f"{prefix}{through}__")
        lookup = getattr(model, "area_scope", None)
        if lookup is None:
            raise TypeError(f"{model.__name__} declares no area_scope")
        return scope_filter(f"{prefix}{lookup}".removesuffix("__"), scope_of(user))


class InsertOnlyScopedQuerySet(InsertOnlyQuerySetMixin, ScopedQuerySet[_M]):
    """The queryset of an area-scoped ledger (``fupin.core.workflow.StepLedger``): scoped, insert-only."""


def get_visible_or_404(queryset: ScopedQuerySet[_M], user: Viewer, **lookup: Any) -> _M:
    """The same 404 for "absent" and "not yours" (CONVENTIONS section 5)."""
    from django.core.exceptions import ObjectDoesNotExist
    from django.http import Http404

    try:
        return queryset.visible_to(user).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError) as exc:
        raise Http404("not found") from exc
