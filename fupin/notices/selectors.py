"""Reads of notices and objections, scoped to the user's areas first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from fupin.areas.models import Area
from fupin.areas.scoping import get_visible_or_404
from fupin.core.actors import Viewer
from fupin.notices.models import Notice, Objection

PENDING = Q(objections__status=Objection.Status.OPEN)


def _with_counts(qs: QuerySet[Notice]) -> QuerySet[Notice]:
    return qs.select_related("area", "area__parent").annotate(
        objection_count=Count("objections", distinct=True),
        open_objection_count=Count("objections", filter=PENDING, distinct=True),
    )


def on_display_filter(on: date) -> Q:
    return Q(status=Notice.Status.OPEN, starts_on__lte=on, ends_on__gte=on)


def notice_list(user: Viewer) -> QuerySet[Notice]:
    """Notices the user may see, newest first (filtered by :class:`fupin.notices.filters.NoticeFilter`, which by
    default keeps those on display today, ending soonest first)."""
    return _with_counts(Notice.objects.visible_to(user)).order_by("-starts_on", "-pk")


def notices_on_display(village: Area, on: date) -> QuerySet[Notice]:
    """What hangs on the village's 公开栏 on a date: notices of the village and of its township."""
    areas = [village.pk] + ([village.parent_id] if village.parent_id else [])
    return _with_counts(Notice.objects.filter(on_display_filter(on), area_id__in=areas)).order_by("ends_on", "pk")


def notice_get(user: Viewer, pk: int) -> Notice:
    qs = _with_counts(Notice.objects.all()).prefetch_related(
        Prefetch("objections", queryset=Objection.objects.select_related("recorded_by", "resolved_by")))
    return get_visible_or_404(qs, user, pk=pk)  # type: ignore[arg-type]


def objection_get(user: Viewer, pk: int) -> Objection:
    return get_visible_or_404(Objection.objects.select_related("notice", "notice__area"), user, pk=pk)


def objections_open_of_subject(subject_type: str, subject_id: int) -> QuerySet[Objection]:
    """Objections still waiting for a resolution, on any notice about this subject."""
    return (Objection.objects.filter(notice__subject_type=subject_type, notice__subject_id=subject_id,
                                     status=Objection.Status.OPEN)
            .select_related("notice").order_by("raised_at", "pk"))


def objections_blocking(notice: Notice) -> list[Objection]:
    """Objections that halt the subject's next step: still open, or upheld (the notice was wrong)."""
    return list(notice.objections.filter(
        Q(status=Objection.Status.OPEN) | Q(outcome=Objection.Outcome.UPHELD)).order_by("raised_at", "pk"))


@dataclass(frozen=True)
class NoticeBlock:
    """Why a notice stops the step that waits on it: a stable code (NO_NOTICE, NOTICE_CLOSED_EARLY,
    NOTICE_RUNNING, OBJECTION_PENDING, OBJECTION_UPHELD) and the figures its message names."""

    code: str
    values: dict[str, Any]


def notice_block(notice: Notice | None, day: date, *, waits_for_notice: bool,
                 halted_by_objection: bool) -> NoticeBlock | None:
    """The one rule for every step that follows a public notice (households, projects, monitoring): the notice
    must exist, have run its full length without being taken down early, and carry no objection pending or
    upheld. None: the step may go ahead on ``day``."""
    if waits_for_notice:
        if notice is None:
            return NoticeBlock("NO_NOTICE", {})
        if notice.closed_early():
            closed = timezone.localdate(notice.closed_at) if notice.closed_at else notice.ends_on
            return NoticeBlock("NOTICE_CLOSED_EARLY", {"title": notice.title, "closed": closed, "days": notice.days})
        if not notice.has_run_full_length(day):
            return NoticeBlock("NOTICE_RUNNING", {"title": notice.title, "starts": notice.starts_on,
                                                  "ends": notice.ends_on, "next": notice.ends_on + timedelta(days=1)})
    if halted_by_objection and notice is not None:
        blocking = objections_blocking(notice)
        pending = [o for o in blocking if o.is_pending]
        if pending:
            return NoticeBlock("OBJECTION_PENDING", {"title": notice.title, "n": len(pending)})
        if blocking:
            return NoticeBlock("OBJECTION_UPHELD", {"title": notice.title})
    return None
