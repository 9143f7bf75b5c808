"""Writes to notices: publishing and closing notices, raising and resolving objections.

:func:`objection_raise` is the one entry point for objections. Today a cadre records an objection
on a resident's behalf (channel ``cadre``); the public web form and the 12317 hotline (issue 9)
will call the same function with their channel and their ticket number in ``external_ref``, so
every rule about objections (only while the notice is on display, halting the workflow until
resolved) holds whatever the channel.

Capabilities: the objection services check the actor's capability themselves (``actor=None`` is
the system, for integrations); publishing and closing are called by the owners of the subject
(the household workflow, later projects), which check their own capabilities first, and by the
notice pages, which check ``notices.manage``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from fupin.accounts.access import ensure_can
from fupin.accounts.models import User
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.core.audit import Action, audit_record
from fupin.core.errors import BadInput, DomainError
from fupin.notices.models import Notice, Objection

NOT_ON_DISPLAY = ("「{title}」不在公示期内（{starts} 至 {ends}{closed}），不能登记异议 / "
                  "the notice is not on display ({starts} to {ends}{closed_en}); objections are taken only while it is")
ALREADY_CLOSED = "该公示已撤下 / the notice is already closed"
ALREADY_RESOLVED = "该异议已处理 / this objection is already resolved"
TEXT_REQUIRED = "须填写异议内容 / the objection needs a text"
RESOLUTION_REQUIRED = "须填写处理意见 / a resolution note is required"
BAD_OUTCOME = "处理结果须为「异议成立」或「异议不成立」 / the outcome must be upheld or dismissed"
BAD_DAYS = "公示天数须至少为 1 天 / a notice lasts at least one day"
IN_FUTURE = "时间不能晚于现在 / the time cannot be in the future"


def notice_period(starts_on: date, days: int) -> tuple[date, date]:
    """A notice of N days covers N calendar days: day 1 is ``starts_on``, day N is ``ends_on``."""
    if days < 1:
        raise BadInput(BAD_DAYS, fields={"days": [BAD_DAYS]})
    return starts_on, starts_on + timedelta(days=days - 1)


def _moment(when: datetime | None) -> datetime:
    now = timezone.now()
    if when is None:
        return now
    if when > now + timedelta(minutes=1):
        raise BadInput(IN_FUTURE)
    return when


@transaction.atomic
def notice_publish(*, kind: str, area: Area, title: str, starts_on: date, days: int, actor: User | None,
                   body: str = "", subject_type: str = "", subject_id: int | None = None,
                   subject_label: str = "", is_demo: bool = False) -> Notice:
    """Publish a notice displayed in ``area`` for ``days`` calendar days from ``starts_on``."""
    starts, ends = notice_period(starts_on, days)
    notice = Notice(kind=kind, area=area, title=title, body=body, starts_on=starts, ends_on=ends,
                    subject_type=subject_type, subject_id=subject_id, subject_label=subject_label,
                    published_by=actor if getattr(actor, "is_authenticated", False) else None,
                    published_at=timezone.now(), is_demo=is_demo)
    notice.full_clean()
    notice.save()
    audit_record(actor=actor, action=Action.CREATE, obj=notice, changes={
        "kind": kind, "area": area.code, "starts_on": starts, "ends_on": ends,
        "subject": f"{subject_type}:{subject_id}" if subject_type else "",
    })
    return notice


@transaction.atomic
def notice_close(notice: Notice, *, actor: User | None, note: str = "", when: datetime | None = None) -> Notice:
    """Take a notice down. Closing before the end of its last day means it did not run its full length."""
    moment = _moment(when)
    user = actor if getattr(actor, "is_authenticated", False) else None
    updated = Notice.objects.filter(pk=notice.pk, status=Notice.Status.OPEN).update(
        status=Notice.Status.CLOSED, closed_at=moment, closed_by=user, close_note=note.strip()[:200])
    if updated != 1:
        raise DomainError(ALREADY_CLOSED, code="NOTICE_CLOSED")
    notice.refresh_from_db()
    audit_record(actor=actor, action=Action.UPDATE, obj=notice,
                 changes={"status": ["open", "closed"], "note": note.strip()[:200]})
    return notice


@transaction.atomic
def objection_raise(notice: Notice, *, text: str, actor: User | None, raised_by_name: str = "", contact: str = "",
                    channel: str = Objection.Channel.CADRE, external_ref: str = "",
                    when: datetime | None = None) -> Objection:
    """Record an objection to a notice; refused unless the notice is on display at ``when`` (now)."""
    if actor is not None:
        ensure_can(actor, Cap.NOTICES_OBJECT)
    text = text.strip()
    if not text:
        raise BadInput(TEXT_REQUIRED, fields={"text": [TEXT_REQUIRED]})
    moment = _moment(when)
    locked = Notice.objects.select_for_update().get(pk=notice.pk)  # serialises with notice_close
    if not locked.is_on_display(timezone.localdate(moment)):
        closed = locked.status == Notice.Status.CLOSED
        raise DomainError(NOT_ON_DISPLAY.format(
            title=locked.title, starts=locked.starts_on, ends=locked.ends_on,
            closed="，已撤下" if closed else "", closed_en=", taken down" if closed else ""),
            code="NOTICE_NOT_ON_DISPLAY")
    objection = Objection(notice=locked, raised_at=moment, raised_by_name=raised_by_name.strip(),
                          contact=contact.strip(), text=text, channel=channel, external_ref=external_ref.strip(),
                          recorded_by=actor if getattr(actor, "is_authenticated", False) else None)
    objection.full_clean()
    objection.save()
    # Who objected stays out of the audit log's changes: the objection row holds it, masked on pages.
    audit_record(actor=actor, action=Action.CREATE, obj=objection,
                 changes={"notice": locked.pk, "channel": channel, "external_ref": objection.external_ref})
    return objection


@transaction.atomic
def objection_resolve(objection: Objection, *, outcome: str, resolution: str, actor: User | None,
                      when: datetime | None = None, owner_checked: bool = False) -> Objection:
    """Resolve an open objection: upheld (异议成立) or dismissed (异议不成立), with a note.

    ``owner_checked``: the owner of the notice's subject has already checked that ``actor`` may resolve
    objections to it (a project's responsible unit, see ``fupin.projects.services``); the actor is
    recorded as the one who resolved it, whether or not they manage notices."""
    if actor is not None and not owner_checked:
        ensure_can(actor, Cap.NOTICES_MANAGE)
    if outcome not in Objection.Outcome.values:
        raise BadInput(BAD_OUTCOME, fields={"outcome": [BAD_OUTCOME]})
    resolution = resolution.strip()
    if not resolution:
        raise BadInput(RESOLUTION_REQUIRED, fields={"resolution": [RESOLUTION_REQUIRED]})
    moment = _moment(when)
    updated = Objection.objects.filter(pk=objection.pk, status=Objection.Status.OPEN).update(
        status=Objection.Status.RESOLVED, outcome=outcome, resolution=resolution, resolved_at=moment,
        resolved_by=actor if getattr(actor, "is_authenticated", False) else None)
    if updated != 1:
        raise DomainError(ALREADY_RESOLVED, code="OBJECTION_RESOLVED")
    objection.refresh_from_db()
    audit_record(actor=actor, action=Action.UPDATE, obj=objection,
                 changes={"status": ["open", "resolved"], "outcome": outcome})
    return objection
