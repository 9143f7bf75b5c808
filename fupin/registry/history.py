"""The registry's history read back (变更记录, ADR 0026): a household as it stood on a past day, and its changes as a
reader may see them, with their values as labels in the reader's language.

:class:`~fupin.registry.models.Change` holds stored values as JSON (codes, booleans, amounts as "12.30", dates as
"2020-01-05", a sealed field's sealed text). "As it stood on day D" starts from the current rows, members who left
included, and undoes the changes that became true after D, newest first: a row created after D (field "*") was not
there; any other change puts its old value back. A row with no history was there before its first change.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import formats
from django.utils.translation import gettext as _t

from fupin.accounts.access import can
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.core import sealed
from fupin.core.actors import Viewer
from fupin.core.sealed import SealedField
from fupin.registry import codes
from fupin.registry.field_groups import hidden_fields
from fupin.registry.models import Change, Household, IncomeRecord, Member

CREATED = "*"
"""A history row's field when the row itself was created (as ``import_write.CREATED``)."""
REMOVAL_FIELDS = ("removed_on", "removal_reason")
LIST_CODES: dict[str, type[models.TextChoices]] = {"other_causes": codes.Cause}
"""JSON list fields and the code table of their items."""


@dataclass(frozen=True)
class HouseholdAsOf:
    """A household as it stood on ``day``: its facts (``household``, a copy; ``member_total`` its size then), the
    members of that day the viewer may see, and the income lines the viewer may read that existed then.
    ``existed`` is False when the household was created after ``day`` (then there are no members and lines)."""

    day: date
    household: Household
    members: list[Member]
    incomes: list[IncomeRecord]
    existed: bool


def household_as_of(household: Household, day: date, *, viewer: Viewer) -> HouseholdAsOf:
    """``household`` (fetched through ``viewer``'s scope) as it stood on ``day``, in four queries whatever its
    history: its changes after ``day``, its members (those who left included), the members ``viewer`` may see,
    and its income lines."""
    undone = (Change.objects.visible_to(viewer).filter(household=household, valid_from__gt=day)
              .order_by("-valid_from", "-recorded_at", "-pk").values_list("member_id", "year", "field", "old"))
    then = copy.copy(household)
    members = {m.pk: m for m in Member.everyone.filter(household=household).order_by("pk")}
    incomes = {i.year: i for i in IncomeRecord.objects.visible_to(viewer).filter(household=household)}
    joined_later: set[int] = set()
    lines_later: set[int] = set()
    existed = True
    for member_id, year, field, old in undone:
        if field == CREATED:
            if member_id is not None:
                joined_later.add(member_id)
            elif year is not None:
                lines_later.add(year)
            else:
                existed = False
            continue
        row: models.Model | None = (members.get(member_id) if member_id is not None
                                    else incomes.get(year) if year is not None else then)
        if row is not None:  # None: an income line the viewer does not read
            _put_back(row, field, old)
    if not existed:
        members, incomes = {}, {}
    present = [m for pk, m in members.items()
               if pk not in joined_later and (m.removed_on is None or m.removed_on > day)]
    shown = set(Member.everyone.visible_to(viewer).filter(household=household).values_list("pk", flat=True))
    then.member_total = len(present)
    return HouseholdAsOf(day, then, [m for m in present if m.pk in shown],
                         [incomes[y] for y in sorted(incomes) if y not in lines_later], existed)


def _put_back(row: models.Model, field: str, stored: Any) -> None:
    try:
        model_field = row._meta.get_field(field)
    except FieldDoesNotExist:  # a field the model no longer has
        return
    if isinstance(model_field, models.Field):
        setattr(row, model_field.attname, _model_value(model_field, stored))


def _model_value(field: models.Field, stored: Any) -> Any:  # type: ignore[type-arg]
    """A value of the history (JSON) as the model holds it: a sealed field's text opened, amounts as Decimal,
    dates as dates, a blank text field as ""."""
    if isinstance(field, SealedField):
        return sealed.unseal(stored) if stored else ""
    if stored is None:
        return None if field.null else ("" if isinstance(field, (models.CharField, models.TextField)) else None)
    return field.to_python(stored)


def household_changes(viewer: Viewer, household: Household) -> QuerySet[Change]:
    """The changes of ``household`` that ``viewer`` may read, newest first (by the day they became true, then by
    when they were recorded): scoped through the household; without the fields of the groups the viewer may not
    read (a department officer: those its department's view leaves out) nor income lines unless it reads incomes;
    of members, only those the viewer sees."""
    changes = Change.objects.visible_to(viewer).filter(household=household)
    hidden = hidden_fields(viewer)
    if hidden:
        changes = changes.exclude(field__in=sorted(hidden))
    if not can(viewer, Cap.SEES_INCOMES):
        changes = changes.filter(year__isnull=True)
    seen = Member.everyone.visible_to(viewer).filter(household=household).values("pk")
    return (changes.filter(Q(member__isnull=True) | Q(member__in=seen)).select_related("actor", "member")
            .order_by("-valid_from", "-recorded_at", "-pk"))


# --- what a change says, in the reader's language --------------------------------------------------------------

@dataclass(frozen=True)
class ChangeLine:
    """One change as a reader reads it: what changed, and from what to what (labels; "" for a row created)."""

    what: str
    old: str = ""
    new: str = ""
    kind: str = "changed"  # "changed", "created" (a member, an income line, the household) or "removed"


def change_lines(changes: list[Change]) -> list[ChangeLine | None]:
    """Each change as a line (None for the part of a member's leaving that its reason's line says: the day it is
    the change's own date). Village names are read in one query when a change moved a household."""
    villages = {int(v) for c in changes if c.field == "village_id" for v in (c.old, c.new) if v is not None}
    places = dict(Area.objects.filter(pk__in=villages).values_list("pk", "name")) if villages else {}
    removals = {(c.batch, c.member_id) for c in changes if c.field == "removal_reason" and c.new}
    return [None if c.field == "removed_on" and (c.batch, c.member_id) in removals else _line(c, places)
            for c in changes]


def _line(change: Change, places: dict[int, str]) -> ChangeLine:
    member = change.member
    if change.field == CREATED:
        event = change.get_event_display()
        if member is not None:
            return ChangeLine(_t("新增成员 %(name)s（%(event)s）") % {"name": member.name, "event": event},
                              kind="created")
        if change.year is not None:
            return ChangeLine(_t("新增 %(year)s 年度收支情况") % {"year": change.year}, kind="created")
        return ChangeLine(_t("建立本户档案（%(event)s）") % {"event": event}, kind="created")
    if change.field == "removal_reason" and member is not None and change.new:
        return ChangeLine(_t("成员减少 %(name)s（%(reason)s）") % {
            "name": member.name, "reason": value_label(Member, "removal_reason", change.new)}, kind="removed")
    model: type[models.Model] = Member if member is not None else IncomeRecord if change.year is not None \
        else Household
    label = field_label(model, change.field)
    if member is not None:
        what = f"{member.name} · {label}"
    elif change.year is not None:
        what = _t("%(year)s 年度 · %(field)s") % {"year": change.year, "field": label}
    else:
        what = label
    return ChangeLine(what, value_label(model, change.field, change.old, places),
                      value_label(model, change.field, change.new, places))


def field_label(model: type[models.Model], field: str) -> str:
    """A field's name in the reader's language (its verbose name), or the field as stored when the model has no
    such field any more."""
    try:
        model_field = model._meta.get_field(field)
    except FieldDoesNotExist:
        return field
    return str(getattr(model_field, "verbose_name", field))


def value_label(model: type[models.Model], field: str, stored: Any, places: dict[int, str] | None = None) -> str:
    """A stored value of ``model.field`` (as the history holds it) as the reader reads it: a code's label, 是/否,
    an amount with two decimals, a list of codes' labels; a phone number is not shown."""
    try:
        found = model._meta.get_field(field)
    except FieldDoesNotExist:
        found = None
    model_field = found if isinstance(found, models.Field) else None
    if isinstance(model_field, SealedField):
        return _t("（不显示）") if stored else _t("未填")
    if stored is None or stored == "" or stored == []:
        return _t("未填")
    if isinstance(stored, bool):
        return _t("是") if stored else _t("否")
    if field in LIST_CODES and isinstance(stored, list):
        labels = dict(LIST_CODES[field].choices)
        return "、".join(_t(str(labels.get(c, c))) for c in stored)
    if isinstance(model_field, models.ForeignKey):
        return (places or {}).get(int(stored), str(stored))
    if model_field is not None and model_field.choices:
        return _t(str(dict(model_field.flatchoices).get(stored, stored)))
    if isinstance(model_field, models.DecimalField):
        return formats.number_format(Decimal(str(stored)), 2, use_l10n=True, force_grouping=True)
    return str(stored)
