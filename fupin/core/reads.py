"""Reads of personal data, each one an audit entry: who looked at which records, where, and how.

Every page, API route and export that shows people (names with ID numbers, phones, health, incomes)
calls :func:`personal_data_read` once with the records it shows, after scoping and paging: a list
page logs its page of rows, a detail page its one record. The entry names the viewer, the records'
ids, whether full ID numbers were shown, and the filters asked for (an ID number typed into a search
box is masked there: the audit log must not become a copy of the registry). Its area is the deepest
area that holds every record shown, so a township auditor reads the reads of their township.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import models

from fupin.core import idnumber
from fupin.core.audit import Action, area_path_of, audit_record, object_type_of
from fupin.core.models import AuditEntry

if TYPE_CHECKING:
    from fupin.accounts.models import User  # a type only: accounts is on a floor above

ID_LIKE = re.compile(r"\d{4,}[\dXx]*")
QUERY_VALUE_MAX = 100


def common_area_path(paths: Sequence[str]) -> str:
    """The deepest area path (``/1/5/23/``) that every one of ``paths`` lies under; "" when they share none."""
    if not paths or any(not p for p in paths):
        return ""
    split = [p.strip("/").split("/") for p in paths]
    common: list[str] = []
    for parts in zip(*split, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return f"/{'/'.join(common)}/" if common else ""


def _asked(value: Any) -> Any:
    """A filter value as the audit stores it: a row by its key, a day as YYYY-MM-DD, text cut short with ID-like
    runs masked."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    if isinstance(value, date):  # a day asked for (a page "as of" it): no ID number hides in it
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_asked(v) for v in value]
    return ID_LIKE.sub(lambda m: idnumber.mask(m.group(0)), str(value)[:QUERY_VALUE_MAX])


def personal_data_read(*, actor: User | None, rows: Sequence[models.Model], view: str, full_ids: bool = False,
                       query: Mapping[str, Any] | None = None) -> AuditEntry | None:
    """Record that ``actor`` was shown ``rows`` (all of one model) on ``view`` (a page or route name).

    Nothing is recorded when nothing was shown. ``query`` is what the viewer asked for (filters, search
    terms), stored with ID-like terms masked."""
    if not rows:
        return None
    first = rows[0]
    asked = {k: _asked(v) for k, v in (query or {}).items() if v not in ("", None, [])}
    return audit_record(
        actor=actor, action=Action.READ, object_type=object_type_of(first),
        object_id=str(first.pk) if len(rows) == 1 else "",
        object_label=str(first)[:200] if len(rows) == 1 else f"{view} ({len(rows)})",
        area_path=common_area_path([area_path_of(r) for r in rows]),
        changes={"view": view, "ids": [r.pk for r in rows], "full_id_numbers": full_ids, "query": asked},
    )
