"""Notices and objections over JSON: the notice board, and objections raised and resolved."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from fupin.accounts.access import can, ensure_can
from fupin.accounts.roles import Cap
from fupin.core.actors import acting_user
from fupin.core.api_types import BodyIn, Day, Id, Limit, Offset, Text
from fupin.notices import selectors, services
from fupin.notices.filters import NoticeFilter
from fupin.notices.models import Notice, Objection

router = Router(tags=["notices"])


class NoticeFilterIn(Schema):
    on: Day | None = None
    all: bool = False
    village: Id | None = None
    township: Id | None = None
    kind: Text = ""
    offset: Offset = 0
    limit: Limit = 50


class NoticeOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    area_code: str
    area_name: str
    subject_type: str
    subject_id: int | None
    subject_label: str
    starts_on: date
    ends_on: date
    days: int
    status: str
    on_display: bool
    objection_count: int
    open_objection_count: int


class ObjectionOut(Schema):
    id: int
    notice_id: int
    raised_at: datetime
    raised_by_name: str
    contact: str
    text: str
    channel: str
    status: str
    outcome: str
    resolution: str
    resolved_at: datetime | None


class NoticeDetailOut(NoticeOut):
    body: str
    objections: list[ObjectionOut]


class NoticePage(Schema):
    count: int
    items: list[NoticeOut]


class ObjectionIn(BodyIn):
    text: Text
    raised_by_name: Text = ""
    contact: Text = ""


class ObjectionResolveIn(BodyIn):
    outcome: Literal["upheld", "dismissed"]
    resolution: Text


def _notice_out(n: Notice, today: date) -> NoticeOut:
    return NoticeOut(id=n.pk, kind=n.kind, kind_label=str(n.get_kind_display()), title=n.title, area_code=n.area.code,
                     area_name=n.area.name, subject_type=n.subject_type, subject_id=n.subject_id,
                     subject_label=n.subject_label, starts_on=n.starts_on, ends_on=n.ends_on, days=n.days,
                     status=n.status, on_display=n.is_on_display(today),
                     objection_count=getattr(n, "objection_count", 0),
                     open_objection_count=getattr(n, "open_objection_count", 0))


def _objection_out(o: Objection, full: bool) -> ObjectionOut:
    """Who objected is shown in full only to those who resolve objections (举报人信息保密)."""
    return ObjectionOut(id=o.pk, notice_id=o.notice_id, raised_at=o.raised_at,
                        raised_by_name=o.raised_by_name if full else o.masked_name,
                        contact=o.contact if full else o.masked_contact, text=o.text, channel=o.channel,
                        status=o.status, outcome=o.outcome, resolution=o.resolution, resolved_at=o.resolved_at)


@router.get("/", response=NoticePage, summary="公示公告列表（默认为今天张贴中的）/ notices on display")
def notice_list(request: HttpRequest, filters: Query[NoticeFilterIn]) -> NoticePage:
    ensure_can(request.user, Cap.NOTICES_VIEW)
    today = timezone.localdate()
    data = {"on": filters.on, "show": "all" if filters.all else "", "village": filters.village,
            "township": filters.township, "kind": filters.kind}
    qs = NoticeFilter(data, queryset=selectors.notice_list(request.user)).qs
    return NoticePage(count=qs.count(),
                      items=[_notice_out(n, today) for n in qs[filters.offset: filters.offset + filters.limit]])


@router.get("/{notice_id}", response=NoticeDetailOut, summary="公示详情与异议 / a notice and its objections")
def notice_detail(request: HttpRequest, notice_id: Id) -> NoticeDetailOut:
    ensure_can(request.user, Cap.NOTICES_VIEW)
    notice = selectors.notice_get(request.user, notice_id)
    full = can(request.user, Cap.NOTICES_MANAGE)
    return NoticeDetailOut(**_notice_out(notice, timezone.localdate()).dict(), body=notice.body,
                           objections=[_objection_out(o, full) for o in notice.objections.all()])


@router.post("/{notice_id}/objections", response={201: ObjectionOut},
             summary="登记异议（仅限公示期内）/ raise an objection while the notice is on display")
def objection_create(request: HttpRequest, notice_id: Id, payload: ObjectionIn) -> Status[ObjectionOut]:
    notice = selectors.notice_get(request.user, notice_id)
    objection = services.objection_raise(notice, actor=acting_user(request), text=payload.text,
                                         raised_by_name=payload.raised_by_name, contact=payload.contact)
    return Status(201, _objection_out(objection, can(request.user, Cap.NOTICES_MANAGE)))


@router.post("/objections/{objection_id}/resolve", response=ObjectionOut,
             summary="处理异议：成立或不成立 / resolve an objection: upheld or dismissed")
def objection_resolve(request: HttpRequest, objection_id: Id, payload: ObjectionResolveIn) -> ObjectionOut:
    objection = selectors.objection_get(request.user, objection_id)
    objection = services.objection_resolve(objection, actor=acting_user(request), outcome=payload.outcome,
                                           resolution=payload.resolution)
    return _objection_out(objection, True)
