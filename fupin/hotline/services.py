"""Writes to the hotline: tickets received, routed, transferred, answered, called back, reopened, swept.

Every step goes through the one workflow core (:func:`fupin.core.workflow.transition_apply`, the table
is :mod:`fupin.hotline.transitions`): the ticket's row locked and compared with the state the caller
saw, its new state written with one insert-only :class:`TicketStep` and an audit entry, in one
transaction; a step the ticket's state does not allow is refused with ``WRONG_STATE`` (409). Who objected or called is
kept out of the audit log's changes (the ticket row holds it; pages mask it).

A ticket raised as an objection to a public notice goes through
:func:`fupin.notices.services.objection_raise` (the one entry point: it halts the notice's step) and
links to the objection; answering the ticket resolves the objection through
:func:`fupin.notices.services.objection_resolve`, which releases the step (or, upheld, stops it).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from fupin.accounts.access import can, ensure_can
from fupin.accounts.models import Assignment, Department, User
from fupin.accounts.roles import CAPABILITIES, Cap
from fupin.areas.models import Area
from fupin.core.audit import Action, audit_record
from fupin.core.bulk import insert_rows
from fupin.core.errors import BadInput, ConcurrentChange, DomainError
from fupin.core.files import Upload, UploadRules, stored_file_save, uploads_read
from fupin.core.workflow import Move, step_moment, transition_apply
from fupin.hotline.access import handles
from fupin.hotline.models import (
    Category,
    CategoryDeadline,
    Channel,
    RoutingRule,
    Ticket,
    TicketAttachment,
    TicketNotification,
    TicketStep,
)
from fupin.hotline.routing import Unit, deadlines, route
from fupin.inbox.services import inbox_send_many
from fupin.notices.models import Notice, Objection
from fupin.notices.services import objection_raise, objection_resolve
from fupin.registry.models import Household

TEXT_REQUIRED = "须填写诉求内容 / the ticket needs a text"
TEXT_TOO_LONG = "诉求内容不能超过 {n} 字 / the text may have at most {n} characters"
BAD_CATEGORY = "类别无效：{value} / unknown category: {value}"
BAD_CHANNEL = "渠道无效：{value} / unknown channel: {value}"
NOTICE_REQUIRED = "公示异议须指明公示 / an objection names the notice it objects to"
CONDUCT_NOT_OBJECTION = ("干部作风问题另行保密办理，不能作为公示异议提交 / a complaint about a cadre's conduct is handled "
                         "confidentially and cannot be raised as an objection to a notice")
HOUSEHOLD_ELSEWHERE = "所涉农户不在所选区域内 / the household is not in the chosen area"
REASON_REQUIRED = "转办须填写理由 / a transfer needs a reason"
SAME_UNIT = "已由该单位承办 / the ticket is already with this unit"
REPLY_REQUIRED = "须填写答复内容 / the reply needs a text"
OUTCOME_REQUIRED = ("公示异议须选择处理结果（异议成立或不成立）/ an objection ticket needs an outcome: upheld or "
                    "dismissed")
NOT_OPEN = "该诉求不在办理中（当前：{status}） / the ticket is not being handled (now: {code})"
NOT_ANSWERED = "该诉求尚未答复，不能回访 / the ticket has not been answered: no call-back yet"
NOT_REOPENABLE = "只有已答复或已办结的诉求可以重新办理 / only an answered or closed ticket can be reopened"
BAD_SATISFACTION = "满意度须为满意、基本满意或不满意 / satisfaction must be satisfied, basic or unsatisfied"
NOT_YOUR_UNIT = "该诉求不由您的单位承办 / the ticket is not with your unit"
TOO_MANY_FILES = "附件最多 {n} 个 / at most {n} attachments"
BAD_EXTENSION = "附件「{name}」类型不允许（允许：{allowed}）/ file type of {name} not allowed (allowed: {allowed})"
FILE_TOO_LARGE = "附件「{name}」超过 {mb} MB / {name} is larger than {mb} MB"
BAD_CONTENT = "附件「{name}」的内容与扩展名不符 / the content of {name} does not match its extension"
FILE_EMPTY = "附件「{name}」是空文件 / {name} is empty"

OBJECTION_CHANNEL: dict[str, str] = {Channel.WEB: Objection.Channel.WEB, Channel.CADRE: Objection.Channel.CADRE,
                                     Channel.HOTLINE: Objection.Channel.HOTLINE}
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


def tracking_code_new() -> str:
    """16 symbols of 32 (80 bits), in groups of four: unguessable, and readable over the phone."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def tracking_code_normalise(value: str) -> str:
    raw = "".join(ch for ch in value.upper() if ch.isalnum())
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


# --- attachments -----------------------------------------------------------------------------------


def attachments_read(files: Iterable[Any]) -> list[Upload]:
    """Read and check uploaded files (count, size, extension, first bytes); raise BadInput, write nothing."""
    return uploads_read(files, UploadRules(
        settings.FUPIN_HOTLINE_MAX_FILES, settings.FUPIN_HOTLINE_MAX_BYTES, settings.FUPIN_HOTLINE_EXTENSIONS,
        TOO_MANY_FILES, BAD_EXTENSION, FILE_TOO_LARGE, FILE_EMPTY, BAD_CONTENT))


def _store(ticket: Ticket, uploads: list[Upload], saved: list[str]) -> None:
    for item in uploads:
        stored_file_save(TicketAttachment(ticket=ticket), item, saved)


# --- notifications -----------------------------------------------------------------------------------


def _unit_users(ticket_units: Iterable[tuple[int, int | None, int | None, str, str]], *, escalate: bool
                ) -> dict[int, set[int]]:
    """ticket id -> user ids to tell, for (ticket id, department id, unit area id, ticket area path, category).

    The unit's handlers; with ``escalate`` also the district office (hotline.manage) over the ticket's place.
    A cadre-conduct complaint goes to the discipline inspectors over its place only. One query; the
    handlers are looked up by unit, so the work grows with tickets plus assignments, not their product.
    """
    rows = list(ticket_units)
    if not rows:
        return {}
    today = timezone.localdate()
    handle_roles = {r for r, caps in CAPABILITIES.items() if Cap.HOTLINE_HANDLE in caps}
    manage_roles = {r for r, caps in CAPABILITIES.items() if Cap.HOTLINE_MANAGE in caps}
    conduct_roles = {r for r, caps in CAPABILITIES.items() if Cap.HOTLINE_CONDUCT in caps}
    by_department: dict[int, set[int]] = {}
    by_area: dict[int, set[int]] = {}
    supervisors: list[tuple[int, str]] = []
    inspectors: list[tuple[int, str]] = []
    for user_id, role, a_dept, a_area, a_path in Assignment.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=today), valid_from__lte=today, user__is_active=True,
            role__in=handle_roles | manage_roles | conduct_roles,
    ).values_list("user_id", "role", "department_id", "area_id", "area__path"):
        if role in conduct_roles:
            inspectors.append((user_id, a_path))
            continue
        if role in handle_roles:
            (by_department.setdefault(a_dept, set()) if a_dept else by_area.setdefault(a_area, set())).add(user_id)
        if role in manage_roles and not a_dept:
            supervisors.append((user_id, a_path))
    result: dict[int, set[int]] = {}
    for ticket_id, dept_id, unit_area_id, path, category in rows:
        if category == Category.CONDUCT:
            result[ticket_id] = {u for u, p in inspectors if path.startswith(p)}
            continue
        users = set(by_department.get(dept_id, ()) if dept_id else by_area.get(unit_area_id or 0, ()))
        if escalate:
            users |= {u for u, p in supervisors if path.startswith(p)}
        result[ticket_id] = users
    return result


@dataclass(frozen=True)
class _Brief:
    """What notifying needs of a ticket, read without building model instances (the sweep handles thousands)."""

    pk: int
    department_id: int | None
    unit_area_id: int | None
    path: str
    category: str
    title: str
    unit: str = ""
    due_at: datetime | None = None

    @property
    def reference(self) -> str:
        return f"RX{self.pk:07d}"


def _brief(t: Ticket) -> _Brief:
    return _Brief(t.pk, t.department_id, t.unit_area_id, t.area.path, t.category, t.title)


def _notify(tickets: list[Ticket], kind: str, message: str, *, escalate: bool = False) -> int:
    return _notify_briefs([_brief(t) for t in tickets], kind, message, escalate=escalate)


def _notify_briefs(tickets: list[_Brief], kind: str, message: str, *, escalate: bool = False) -> int:
    targets = _unit_users(((t.pk, t.department_id, t.unit_area_id, t.path, t.category) for t in tickets),
                          escalate=escalate)
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [(t.pk, u, kind, message.format(ref=t.reference, title=t.title)[:300], at)
            for t in tickets for u in sorted(targets.get(t.pk, ()))]
    # The same notice in each recipient's inbox (站内消息), linking to the ticket.
    inbox_send_many((u, text, "", reverse("hotline:ticket-detail", args=[pk])) for pk, u, _kind, text, _at in rows)
    return insert_rows(TicketNotification, ["ticket_id", "user_id", "kind", "message", "created_at"], rows)


# --- intake ---------------------------------------------------------------------------------------------


def _intake_step(ticket: Ticket, action: str, actor: User | None, *, at: datetime, from_state: str | None, note: str = "",
                 to_unit: str = "") -> TicketStep:
    """A step written with the ticket as it is created (received, routed): creation, not a move."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return TicketStep.objects.create(ticket=ticket, action=action, from_state=from_state, to_state=ticket.status,
                                     actor=user, at=at, note=note, to_unit=to_unit[:100])


CONFIDENTIAL_KEEP = ("status", "action")


def _audit(actor: User | None, action: str, ticket: Ticket, changes: dict[str, Any]) -> None:
    """An audit entry for a ticket, labelled by its reference. A cadre-conduct complaint's entry says only that a
    confidential ticket changed (and its status): auditors and the district administrator read the audit log,
    and must learn nothing of these complaints there either."""
    audit_record(actor=actor, action=action, obj=ticket, object_label=ticket.reference, changes=_audit_view(ticket, changes)[1])


def _audit_view(ticket: Ticket, changes: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The label and changes the audit log shows of a ticket (see :func:`_audit`)."""
    if ticket.category == Category.CONDUCT:
        changes = {"confidential": True, **{k: v for k, v in changes.items() if k in CONFIDENTIAL_KEEP}}
    return ticket.reference, changes


def _validate_intake(*, channel: str, category: str, text: str, area: Area, household: Household | None,
                     notice: Notice | None) -> None:
    if channel not in Channel.values:
        raise BadInput(BAD_CHANNEL.format(value=channel), fields={"channel": [BAD_CHANNEL.format(value=channel)]})
    if category not in Category.values:
        message = BAD_CATEGORY.format(value=category)
        raise BadInput(message, fields={"category": [message]})
    if not text:
        raise BadInput(TEXT_REQUIRED, fields={"text": [TEXT_REQUIRED]})
    limit = settings.FUPIN_HOTLINE_TEXT_MAX
    if len(text) > limit:
        raise BadInput(TEXT_TOO_LONG.format(n=limit), fields={"text": [TEXT_TOO_LONG.format(n=limit)]})
    if channel == Channel.OBJECTION and notice is None:
        raise BadInput(NOTICE_REQUIRED, fields={"notice": [NOTICE_REQUIRED]})
    if category == Category.CONDUCT and notice is not None:  # objections are shown on the notice's page
        raise BadInput(CONDUCT_NOT_OBJECTION, fields={"notice": [CONDUCT_NOT_OBJECTION]})
    if household is not None and not household.village.path.startswith(area.path):
        raise BadInput(HOUSEHOLD_ELSEWHERE, fields={"household": [HOUSEHOLD_ELSEWHERE]})


@transaction.atomic
def ticket_create(*, channel: str, category: str, text: str, area: Area, actor: User | None, title: str = "",
                  citizen_name: str = "", citizen_phone: str = "", household: Household | None = None,
                  subject_type: str = "", subject_id: int | None = None, subject_label: str = "",
                  notice: Notice | None = None, files: Iterable[Any] = (), when: datetime | None = None,
                  is_demo: bool = False) -> Ticket:
    """Receive a ticket, route it, give it its deadline; ``actor=None`` is the public web form.

    Staff need ``hotline.intake`` and ``area`` in their scope (the caller checks the scope: pages and
    the API look the area up in the user's scope first). An objection (``channel="objection"``)
    names its ``notice`` and goes through ``objection_raise``, which refuses it outside the notice's
    display period. Input is validated here too, since the web form, the pages and the API share it.
    """
    if actor is not None:
        ensure_can(actor, Cap.HOTLINE_INTAKE)
    text, title = text.strip(), title.strip()
    source = channel
    if notice is not None:
        channel = Channel.OBJECTION
    _validate_intake(channel=channel, category=category, text=text, area=area, household=household, notice=notice)
    uploads = attachments_read(files)
    moment = step_moment(when)
    unit = route(category, area)
    limit = deadlines()[category]
    if household is not None and not subject_type:
        subject_type, subject_id, subject_label = "registry.household", household.pk, household.household_no
    ticket = Ticket(tracking_code=tracking_code_new(), channel=channel, category=category,
                    title=(title or text.splitlines()[0])[:120], text=text, citizen_name=citizen_name.strip()[:50],
                    citizen_phone=citizen_phone.strip()[:30], area=area, household=household,
                    subject_type=subject_type, subject_id=subject_id, subject_label=subject_label[:100],
                    department=unit.department, unit_area=unit.area, received_at=moment,
                    due_at=moment + limit.span, is_demo=is_demo,
                    entered_by=actor if getattr(actor, "is_authenticated", False) else None)
    if notice is not None:
        ticket.objection = objection_raise(
            notice, text=text, actor=actor if can(actor, Cap.NOTICES_OBJECT) else None,
            raised_by_name=ticket.citizen_name, contact=ticket.citizen_phone,
            channel=OBJECTION_CHANNEL.get(source, Objection.Channel.HOTLINE), when=when)
        ticket.subject_type, ticket.subject_id = "notices.notice", notice.pk
        ticket.subject_label = notice.title[:100]
    ticket.full_clean()
    ticket.save()
    if ticket.objection is not None:
        Objection.objects.filter(pk=ticket.objection.pk).update(external_ref=ticket.reference)
    saved: list[str] = []
    try:
        _store(ticket, uploads, saved)
    except Exception:
        for name in saved:  # the transaction rolls back: the files must not stay behind
            TicketAttachment.file.field.storage.delete(name)
        raise
    _intake_step(ticket, TicketStep.Action.RECEIVED, actor, at=moment, from_state=None,
                 note=str(Channel(channel).label))
    _intake_step(ticket, TicketStep.Action.ROUTED, actor, at=moment, from_state=ticket.status, to_unit=unit.label,
                 note=f"办理时限 {limit.days} 天 / {limit.days} days to answer")
    _audit(actor, Action.CREATE, ticket, changes={
        "channel": channel, "category": category, "unit": unit.label, "due_at": ticket.due_at,
        "objection": ticket.objection_id, "attachments": [f"{u.name} sha256:{u.sha256}" for u in uploads]})
    _notify([ticket], TicketStep.Action.ROUTED, "新诉求 {ref}「{title}」已分派给本单位")
    return ticket


# --- handling ---------------------------------------------------------------------------------------------


def ensure_handles(actor: User | None, ticket: Ticket) -> None:
    if actor is not None and not handles(actor, ticket):
        raise PermissionDenied(NOT_YOUR_UNIT)


MOVED_AWAY = "该诉求已被他人处理，请刷新 / someone else changed this ticket: reload it"
BEFORE_RECEIVED = "时间不能早于受理时间 / the time cannot be before the ticket was received"
REFUSALS: dict[str, str] = {  # the hotline's own words for a wrong-state step (the code stays WRONG_STATE)
    TicketStep.Action.CALLED_BACK: NOT_ANSWERED, TicketStep.Action.CLOSED: NOT_ANSWERED,
    TicketStep.Action.REOPENED: NOT_REOPENABLE}



def _refusal(move: Move, state: str | None) -> str:
    """The hotline's own words for a step the ticket's state does not allow (the code stays WRONG_STATE)."""
    if move.action in REFUSALS:
        return REFUSALS[move.action]
    return NOT_OPEN.format(status=Ticket.Status(state).label if state in Ticket.Status.values else state,
                           code=str(state).upper())


def _move(ticket: Ticket, action: str, *, actor: User | None, at: datetime | None = None, note: str = "",
          check: Callable[[Ticket], None] | None = None, changes: Any = None, row_fields: dict[str, Any] | None = None,
          effects: Any = None, audit: dict[str, Any] | None = None) -> Ticket:
    """Take a step on a ticket through the workflow core: the ticket must still be with the unit the caller
    saw and the acting user must handle it (checked on the locked ticket, with the module's own checks);
    the audit entry is labelled by the ticket's reference and says nothing of a cadre-conduct complaint but
    that it moved. ``ticket`` is updated in place and returned."""

    def checks(locked: Ticket) -> None:
        if (locked.department_id, locked.unit_area_id) != (ticket.department_id, ticket.unit_area_id):
            raise ConcurrentChange(MOVED_AWAY)  # transferred meanwhile: the caller saw another unit
        ensure_handles(actor, locked)
        if check is not None:
            check(locked)

    transition_apply(ticket, action, actor=actor, at=at, note=note, check=checks, changes=changes,
                     row_fields=row_fields, effects=effects, audit=audit, refusal=_refusal,
                     lock=lambda rows: rows.select_related("area", "unit_area"), audit_view=_audit_view)
    return ticket  # with its new state and fields


@transaction.atomic
def ticket_transfer(ticket: Ticket, *, actor: User | None, reason: str, department: Department | None = None,
                    area: Area | None = None, when: datetime | None = None) -> Ticket:
    """Hand the ticket to another unit (a department, or a township/village) with a reason; the deadline stays."""
    reason = reason.strip()
    if not reason:
        raise BadInput(REASON_REQUIRED, fields={"reason": [REASON_REQUIRED]})
    if (department is None) == (area is None):
        raise BadInput("须指定一个承办单位 / name one unit", fields={"to": ["须指定一个承办单位 / name one unit"]})
    moment = step_moment(when, not_before=ticket.received_at, too_early=BEFORE_RECEIVED)
    before, after = ticket.unit_label, Unit(department, area).label

    def another_unit(locked: Ticket) -> None:
        if (department is not None and department.pk == locked.department_id) or (
                area is not None and area.pk == locked.unit_area_id):
            raise DomainError(SAME_UNIT, code="SAME_UNIT")

    ticket = _move(ticket, TicketStep.Action.TRANSFERRED, actor=actor, at=moment, note=reason, check=another_unit,
                   changes={"department": department, "unit_area": area, "reminded_at": None},
                   row_fields={"from_unit": before[:100], "to_unit": after[:100]}, audit={"unit": [before, after]})
    _notify([ticket], TicketStep.Action.TRANSFERRED, "诉求 {ref}「{title}」已转给本单位办理")
    return ticket


@transaction.atomic
def ticket_reply(ticket: Ticket, *, actor: User | None, text: str, outcome: str = "", when: datetime | None = None) -> Ticket:
    """Answer the citizen. An objection's ticket needs an outcome and resolves the objection with the reply."""
    text = text.strip()
    if not text:
        raise BadInput(REPLY_REQUIRED, fields={"text": [REPLY_REQUIRED]})
    now = step_moment(when, not_before=ticket.received_at, too_early=BEFORE_RECEIVED)

    def objection_pending(locked: Ticket) -> bool:
        return locked.objection_id is not None and locked.objection is not None and locked.objection.is_pending

    def needs_outcome(locked: Ticket) -> None:
        if objection_pending(locked) and outcome not in Objection.Outcome.values:
            raise BadInput(OUTCOME_REQUIRED, fields={"outcome": [OUTCOME_REQUIRED]})

    def resolve(locked: Ticket, source: str | None, target: str | None) -> dict[str, Any]:
        if objection_pending(locked) and locked.objection is not None:
            objection_resolve(locked.objection, outcome=outcome, resolution=text,
                              actor=actor if can(actor, Cap.NOTICES_MANAGE) else None, when=when)
        return {}

    return _move(ticket, TicketStep.Action.REPLIED, actor=actor, at=now, note=text, check=needs_outcome,
                 changes={"reply": text, "answered_at": now}, effects=resolve,
                 audit={"late": now > ticket.due_at, "outcome": outcome})


@transaction.atomic
def ticket_callback(ticket: Ticket, *, actor: User | None, satisfaction: str, note: str = "",
                    when: datetime | None = None) -> Ticket:
    """Record the call-back (回访): satisfied closes the ticket, unsatisfied reopens it with a new deadline."""
    if satisfaction not in Ticket.Satisfaction.values:
        raise BadInput(BAD_SATISFACTION, fields={"satisfaction": [BAD_SATISFACTION]})
    now = step_moment(when, not_before=ticket.received_at, too_early=BEFORE_RECEIVED)
    label = str(Ticket.Satisfaction(satisfaction).label)
    ticket = _move(ticket, TicketStep.Action.CALLED_BACK, actor=actor, at=now, note=f"{label} {note.strip()}".strip(),
                   changes={"satisfaction": satisfaction, "called_back_at": now})
    if satisfaction == Ticket.Satisfaction.UNSATISFIED:
        return _reopen(ticket, actor=actor, reason=note.strip() or "回访不满意 / unsatisfied at call-back", now=now)
    return _move(ticket, TicketStep.Action.CLOSED, actor=actor, at=now, changes={"closed_at": now})


def _reopen(ticket: Ticket, *, actor: User | None, reason: str, now: datetime) -> Ticket:
    span = deadlines()[ticket.category].span

    def reopened(locked: Ticket) -> dict[str, Any]:
        return {"answered_at": None, "reply": "", "closed_at": None, "due_at": now + span, "reminded_at": None,
                "escalated_at": None, "reopen_count": locked.reopen_count + 1}

    ticket = _move(ticket, TicketStep.Action.REOPENED, actor=actor, at=now, note=reason, changes=reopened,
                   row_fields={"to_unit": ticket.unit_label[:100]})
    _notify([ticket], TicketStep.Action.REOPENED, "诉求 {ref}「{title}」重新办理")
    return ticket


@transaction.atomic
def ticket_reopen(ticket: Ticket, *, actor: User | None, reason: str) -> Ticket:
    """Reopen an answered or closed ticket (the citizen is not satisfied), with a new deadline."""
    reason = reason.strip()
    if not reason:
        raise BadInput(REASON_REQUIRED.replace("转办", "重新办理"), fields={"reason": [REASON_REQUIRED]})
    return _reopen(ticket, actor=actor, reason=reason, now=timezone.now())


@transaction.atomic
def ticket_note(ticket: Ticket, *, actor: User | None, text: str) -> Ticket:
    """A handling note (已联系当事人, 已现场核实...): recorded in the step history."""
    text = text.strip()
    if not text:
        raise BadInput(TEXT_REQUIRED, fields={"text": [TEXT_REQUIRED]})
    return _move(ticket, TicketStep.Action.NOTE, actor=actor, note=text)


# --- reminders and escalation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    reminded: int
    escalated: int
    notifications: int


@transaction.atomic
def hotline_sweep(*, now: datetime | None = None) -> SweepResult:
    """Remind units of tickets nearing their deadline and escalate overdue ones to the district office.

    Set-based: one conditional UPDATE claims the tickets of each kind (so a ticket is reminded and
    escalated once per deadline, however often the sweep runs, and two sweeps cannot both claim
    it), then the steps and notifications are inserted in bulk, with one audit entry per run.
    """
    now = now or timezone.now()
    limits = deadlines()
    near = Q(pk__in=[])
    for category, limit in limits.items():
        near |= Q(category=category, due_at__lte=now + limit.remind)
    due_soon = Q(status=Ticket.Status.OPEN, reminded_at__isnull=True, due_at__gt=now) & near
    overdue = Q(status=Ticket.Status.OPEN, escalated_at__isnull=True, due_at__lte=now)
    reminded = _claim(due_soon, "reminded_at", now)
    escalated = _claim(overdue, "escalated_at", now)
    at = connection.ops.adapt_datetimefield_value(now)

    def due(t: _Brief) -> str:
        return f"{timezone.localtime(t.due_at):%Y-%m-%d %H:%M}" if t.due_at else ""

    steps = [(t.pk, TicketStep.Action.REMINDED, at, t.unit[:100], f"办理时限 {due(t)}") for t in reminded]
    steps += [(t.pk, TicketStep.Action.ESCALATED, at, t.unit[:100], f"已超过办理时限 {due(t)}，报区扶贫办督办")
              for t in escalated]
    # The table's "reminded" and "escalated" moves (open → open) for every claimed ticket at once.
    open_ = Ticket.Status.OPEN.value
    insert_rows(TicketStep, ["ticket_id", "action", "from_state", "to_state", "at", "to_unit", "note", "from_unit"],
                ((pk, action, open_, open_, when, unit, note, "") for pk, action, when, unit, note in steps))
    sent = _notify_briefs(reminded, TicketStep.Action.REMINDED, "诉求 {ref}「{title}」临近办理时限，请及时答复")
    sent += _notify_briefs(escalated, TicketStep.Action.ESCALATED, "诉求 {ref}「{title}」已超期，督办", escalate=True)
    if reminded or escalated:
        audit_record(actor=None, action=Action.UPDATE, object_type="hotline.ticket", object_label="hotline-sweep",
                     changes={"reminded": [t.pk for t in reminded], "escalated": [t.pk for t in escalated]})
    return SweepResult(len(reminded), len(escalated), sent)


def _claim(condition: Q, field: str, now: datetime) -> list[_Brief]:
    """Stamp ``field`` with this run's ``now`` on every ticket meeting ``condition`` (which requires the field
    empty), in one UPDATE; the stamp then names the tickets this run claimed."""
    if not Ticket.objects.filter(condition).update(**{field: now}):
        return []
    rows = (Ticket.objects.filter(**{field: now}, status=Ticket.Status.OPEN).order_by("pk")
            .values_list("pk", "department_id", "unit_area_id", "area__path", "category", "title",
                         "department__name", "unit_area__name", "due_at"))
    return [_Brief(pk, dept, unit_area, path, category, title, dept_name or area_name or "", due_at)
            for pk, dept, unit_area, path, category, title, dept_name, area_name, due_at in rows]


def transfer_target(value: str) -> Unit:
    """``dept:<code>`` or ``area:<12-digit code>`` (the transfer forms' value) to a unit; BadInput otherwise."""
    kind, _, code = value.partition(":")
    if kind == "dept":
        department = Department.objects.filter(code=code).first()
        if department is not None:
            return Unit(department=department)
    if kind == "area":
        area = Area.objects.filter(code=code, valid_to__isnull=True, level__in=["township", "village", "county"]).first()
        if area is not None:
            return Unit(area=area)
    message = f"承办单位无效：{value} / unknown unit: {value}"
    raise BadInput(message, fields={"to": [message]})



# --- the routing table and deadlines (data, edited on the routing page) ---------------------------------

RULE_DUPLICATE = "该类别在该区域已有分派规则，请先删除 / a rule for this category and area exists: delete it first"


@transaction.atomic
def routing_rule_create(*, category: str, area: Area | None, to: str, actor: User | None) -> RoutingRule:
    """Add a rule; ``to`` is ``dept:<code>``, ``local:township`` or ``local:village``."""
    ensure_can(actor, Cap.HOTLINE_MANAGE)
    kind, _, value = to.partition(":")
    rule = RoutingRule(category=category, area=area)
    if kind == "local" and value in (RoutingRule.Local.TOWNSHIP, RoutingRule.Local.VILLAGE):
        rule.local = value
    else:
        unit = transfer_target(to)
        if unit.department is None:
            message = f"承办单位无效：{to} / unknown unit: {to}"
            raise BadInput(message, fields={"to": [message]})
        rule.department = unit.department
    if RoutingRule.objects.filter(category=category, area=area).exists():
        raise DomainError(RULE_DUPLICATE, code="RULE_DUPLICATE")
    rule.full_clean()
    rule.save()
    audit_record(actor=actor, action=Action.CREATE, obj=rule, changes={
        "category": category, "area": area.code if area else "", "to": to})
    return rule


@transaction.atomic
def routing_rule_delete(rule: RoutingRule, *, actor: User | None) -> None:
    ensure_can(actor, Cap.HOTLINE_MANAGE)
    audit_record(actor=actor, action=Action.DELETE, obj=rule, changes={
        "category": rule.category, "area": rule.area.code if rule.area else ""})
    rule.delete()


@transaction.atomic
def deadline_set(*, category: str, days: int, remind_hours: int, actor: User | None) -> CategoryDeadline:
    """Set a category's deadline; it applies to tickets received (or reopened) from now on."""
    ensure_can(actor, Cap.HOTLINE_MANAGE)
    if remind_hours >= days * 24:
        message = "提醒须早于时限内 / the reminder must fall inside the time allowed"
        raise BadInput(message, fields={"remind_hours": [message]})
    row, _ = CategoryDeadline.objects.update_or_create(category=category, defaults={
        "days": days, "remind_hours": remind_hours})
    audit_record(actor=actor, action=Action.UPDATE, obj=row, changes={"days": days, "remind_hours": remind_hours})
    return row
