"""The hotline over JSON, for staff: tickets listed and read, entered, acted on, and the figures."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from fupin.accounts.access import can, ensure_can
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.areas.scoping import get_visible_or_404
from fupin.core.actors import acting_user
from fupin.core.api_types import BodyIn, Id, Limit, Offset, Text, Year
from fupin.core.errors import BadInput
from fupin.core.reads import personal_data_read
from fupin.hotline import selectors, services
from fupin.hotline.access import handles
from fupin.hotline.filters import TicketFilter
from fupin.hotline.models import Category, Channel, Ticket
from fupin.notices.models import Notice
from fupin.registry.models import Household

router = Router(tags=["hotline"])


class TicketFilterIn(Schema):
    status: Text = ""
    category: Text = ""
    channel: Text = ""
    overdue: bool = False
    mine: bool = False
    village: Id | None = None
    township: Id | None = None
    q: Text = ""
    offset: Offset = 0
    limit: Limit = 50


class TicketOut(Schema):
    id: int
    reference: str
    channel: str
    category: str
    category_label: str
    status: str
    title: str
    area_code: str
    area_name: str
    unit: str
    received_at: datetime
    due_at: datetime
    overdue: bool
    answered_at: datetime | None
    satisfaction: str
    reopen_count: int


class TicketStepOut(Schema):
    action: str
    from_state: str | None
    to_state: str
    at: datetime
    actor: str
    from_unit: str
    to_unit: str
    note: str


class TicketDetailOut(TicketOut):
    text: str
    citizen_name: str
    citizen_phone: str
    household_no: str
    subject_type: str
    subject_id: int | None
    objection_id: int | None
    reply: str
    steps: list[TicketStepOut]
    can_act: bool


class TicketPage(Schema):
    count: int
    items: list[TicketOut]


class TicketIn(BodyIn):
    channel: Literal["hotline", "cadre"] = "hotline"
    category: Text
    text: Text
    title: Text = ""
    citizen_name: Text = ""
    citizen_phone: Text = ""
    household_no: Text = ""
    notice_id: Id | None = None


class TicketStepIn(BodyIn):
    action: Literal["transfer", "reply", "callback", "reopen", "note"]
    text: Text = ""
    reason: Text = ""
    to: Text = ""
    outcome: Text = ""
    satisfaction: Text = ""


class FiguresOut(Schema):
    key: str
    label: str
    received: int
    answered: int
    on_time: int
    overdue: int
    escalated: int
    rated: int
    satisfied: int
    reopened: int
    on_time_rate: float | None
    satisfaction_rate: float | None


class FiguresPage(Schema):
    year: int | None
    total: list[FiguresOut]
    unit: list[FiguresOut]
    category: list[FiguresOut]
    month: list[FiguresOut]


def _out(t: Ticket, now: datetime) -> TicketOut:
    return TicketOut(id=t.pk, reference=t.reference, channel=t.channel, category=t.category,
                     category_label=str(t.get_category_display()), status=t.status, title=t.title,
                     area_code=t.area.code, area_name=t.area.name, unit=t.unit_label, received_at=t.received_at,
                     due_at=t.due_at, overdue=t.is_overdue(now), answered_at=t.answered_at,
                     satisfaction=t.satisfaction, reopen_count=t.reopen_count)


def _detail(request: HttpRequest, t: Ticket) -> TicketDetailOut:
    acts = handles(request.user, t)
    full = acts or can(request.user, Cap.HOTLINE_MANAGE)
    steps = [TicketStepOut(action=s.action, from_state=s.from_state, to_state=s.to_state or "", at=s.at, actor=str(s.actor or "系统"), from_unit=s.from_unit, to_unit=s.to_unit,
                     note=s.note) for s in t.steps.order_by("at", "pk").select_related("actor")]
    return TicketDetailOut(
        **_out(t, timezone.now()).dict(), text=t.text, citizen_name=t.citizen_name if full else t.masked_name,
        citizen_phone=t.citizen_phone if full else t.masked_phone,
        household_no=t.household.household_no if t.household else "", subject_type=t.subject_type,
        subject_id=t.subject_id, objection_id=t.objection_id, reply=t.reply, steps=steps, can_act=acts)


@router.get("/tickets", response=TicketPage, summary="诉求列表 / tickets in your scope")
def ticket_list(request: HttpRequest, filters: Query[TicketFilterIn]) -> TicketPage:
    ensure_can(request.user, Cap.HOTLINE_VIEW)
    data = filters.dict(exclude={"offset", "limit"})
    qs = TicketFilter(data, queryset=selectors.ticket_list(request.user), request=request).qs
    now = timezone.now()
    rows = list(qs[filters.offset: filters.offset + filters.limit])
    personal_data_read(actor=acting_user(request), rows=rows, view="api.hotline.tickets", query=filters.dict())
    return TicketPage(count=qs.count(), items=[_out(t, now) for t in rows])


@router.get("/tickets/{ticket_id}", response=TicketDetailOut, summary="诉求详情与办理环节 / a ticket and its steps")
def ticket_detail(request: HttpRequest, ticket_id: Id) -> TicketDetailOut:
    ensure_can(request.user, Cap.HOTLINE_VIEW)
    ticket = selectors.ticket_get(request.user, ticket_id)
    personal_data_read(actor=acting_user(request), rows=[ticket], view="api.hotline.ticket",
                       full_ids=handles(request.user, ticket) or can(request.user, Cap.HOTLINE_MANAGE))
    return _detail(request, ticket)


@router.post("/areas/{area_id}/tickets", response={201: TicketDetailOut},
             summary="登记诉求（热线来电或代群众反映）/ enter a ticket about a place in your scope")
def ticket_create(request: HttpRequest, area_id: Id, payload: TicketIn) -> Status[TicketDetailOut]:
    area = get_visible_or_404(Area.objects.filter(valid_to__isnull=True), request.user, pk=area_id)
    household = None
    if payload.household_no:
        household = Household.objects.visible_to(request.user).filter(household_no=payload.household_no).first()
        if household is None:
            raise BadInput("未找到该户编号 / no such household in your scope", fields={"household_no": ["not found"]})
    notice = None
    if payload.notice_id:
        notice = Notice.objects.visible_to(request.user).filter(pk=payload.notice_id).first()
        if notice is None:
            raise BadInput("未找到该公示 / no such notice in your scope", fields={"notice_id": ["not found"]})
    if payload.category not in Category.values:
        raise BadInput(services.BAD_CATEGORY.format(value=payload.category))
    ticket = services.ticket_create(
        channel=Channel(payload.channel), category=payload.category, text=payload.text, area=area,
        actor=acting_user(request), title=payload.title, citizen_name=payload.citizen_name,
        citizen_phone=payload.citizen_phone, household=household, notice=notice)
    return Status(201, _detail(request, selectors.ticket_get(request.user, ticket.pk)))


@router.post("/tickets/{ticket_id}/steps", response=TicketDetailOut,
             summary="办理：转办、答复、回访、重新办理、办理记录 / act on a ticket")
def ticket_step(request: HttpRequest, ticket_id: Id, payload: TicketStepIn) -> TicketDetailOut:
    ticket = selectors.ticket_get(request.user, ticket_id)
    if not handles(request.user, ticket):
        raise PermissionDenied(services.NOT_YOUR_UNIT)
    user = acting_user(request)
    if payload.action == "transfer":
        unit = services.transfer_target(payload.to)
        services.ticket_transfer(ticket, actor=user, reason=payload.reason, department=unit.department, area=unit.area)
    elif payload.action == "reply":
        services.ticket_reply(ticket, actor=user, text=payload.text, outcome=payload.outcome)
    elif payload.action == "callback":
        services.ticket_callback(ticket, actor=user, satisfaction=payload.satisfaction, note=payload.text)
    elif payload.action == "reopen":
        services.ticket_reopen(ticket, actor=user, reason=payload.reason)
    else:
        services.ticket_note(ticket, actor=user, text=payload.text)
    # The ticket as it is now (a department that transferred it away no longer lists it, but gets the answer).
    return _detail(request, Ticket.objects.select_related("area", "department", "unit_area", "household").get(
        pk=ticket.pk))


@router.get("/figures", response=FiguresPage, summary="受理、按时办结、超期、满意度：按单位、类别、月份 / figures")
def figures(request: HttpRequest, year: Year | None = None) -> FiguresPage:
    ensure_can(request.user, Cap.HOTLINE_VIEW)
    data = selectors.ticket_figures(request.user, year=year)

    def rows(key: str) -> list[FiguresOut]:
        return [FiguresOut(**f.__dict__, on_time_rate=f.on_time_rate, satisfaction_rate=f.satisfaction_rate)
                for f in data[key]]

    return FiguresPage(year=year, total=rows("total"), unit=rows("unit"), category=rows("category"),
                       month=rows("month"))
