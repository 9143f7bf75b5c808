"""The change history section (变更记录, ADR 0026): the household's recorded changes, newest first, one row per save
or import (a batch), each with the day it became true, what changed from what to what in the reader's language,
why, who recorded it, when and from where. The file shows the newest; the rest are on the history page.

What a reader sees of the history is what it sees of the household (``registry.history.household_changes``): a
department officer reads only the changes of the field groups and members its department's view allows."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from fupin.dossier.sections import Section, SectionContext, register
from fupin.registry.history import ChangeLine, change_lines, household_changes
from fupin.registry.models import Change

FILE_LIMIT = 30
"""Changes shown in the household file (and its PDF); the history page shows them all, a page at a time."""
PAGE_SIZE = 50
SOURCES: dict[str, str | Promise] = {"page": _("页面录入"), "api": _("接口"), "import": _("模板导入"),
                                     "demo": _("演示数据")}
# A loop's origin ("finding:12"): its label and, where it has a page of its own, the page's URL name.
ORIGINS: dict[str, tuple[str | Promise, str]] = {
    "finding": (_("部门比对发现 #%(id)s"), "crosscheck:finding-detail"),
    "case": (_("监测帮扶案例 #%(id)s"), "monitoring:case-detail"),
    "measure": (_("帮扶措施 #%(id)s"), ""),
}


@dataclass
class HistoryBatch:
    """One save or import's changes of the household."""

    batch: uuid.UUID
    valid_from: date
    recorded_at: datetime
    event: str
    event_label: str
    actor: str
    reason: str
    source: str
    source_url: str
    lines: list[ChangeLine] = field(default_factory=list)


def source_label(source: str, *, link: bool) -> tuple[str, str]:
    """(label, URL or "") of a change's source: the way it came (page, API, import), or the module step it came
    from (a cross-check finding, a monitoring case, a help measure) with a link to that step's page."""
    if source in SOURCES:
        return str(SOURCES[source]), ""
    kind, _colon, key = source.partition(":")
    if kind not in ORIGINS or not key.isdigit():
        return source, ""
    label, url_name = ORIGINS[kind]
    url = ""
    if link and url_name:
        try:
            url = reverse(url_name, args=[int(key)])
        except NoReverseMatch:
            url = ""
    return str(label) % {"id": key}, url


def history_batches(changes: Sequence[Change], *, links: bool = True) -> list[HistoryBatch]:
    """``changes`` (newest first) grouped into their batches, each with its lines in the reader's language."""
    batches: list[HistoryBatch] = []
    for change, line in zip(changes, change_lines(list(changes)), strict=True):
        if not batches or batches[-1].batch != change.batch:
            source, url = source_label(change.source, link=links)
            batches.append(HistoryBatch(
                change.batch, change.valid_from, change.recorded_at, change.event, change.get_event_display(),
                str(change.actor) if change.actor is not None else _t("系统"), change.reason, source, url))
        if line is not None:
            batches[-1].lines.append(line)
    return batches


def history(ctx: SectionContext) -> Mapping[str, Any]:
    changes = list(household_changes(ctx.user, ctx.household)[:FILE_LIMIT + 1])
    return {"batches": history_batches(changes[:FILE_LIMIT], links=not ctx.for_pdf),
            "more": len(changes) > FILE_LIMIT, "limit": FILE_LIMIT, "household_id": ctx.household.pk, "for_pdf": ctx.for_pdf}


register(Section("history", _("变更记录"), 55, "dossier/sections/history.html", history, as_of=True))
