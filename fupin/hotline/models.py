"""Hotline tickets (公共服务热线 / 12317): every call, web form, cadre report and notice objection.

A ticket lives in an area (the village or township the matter concerns, or the county) and is
handled by one unit at a time: a department (``department``) or a local government (``unit_area``,
a township or village). Exactly one of the two is set. Routing rules and category deadlines are data
(``RoutingRule``, ``CategoryDeadline``) edited on the routing page.

``TicketStep`` is the ticket's insert-only ledger (``fupin.core.workflow.StepLedger``): every step of a
ticket (received, routed, transferred, reminded, escalated, replied, called back, reopened, closed, a
note) writes one row with the state it left and reached, written only by :mod:`fupin.hotline.services`
(the table is :mod:`fupin.hotline.transitions`), together with the ticket's new state and an audit entry
(the sweep writes one audit entry per run for all the reminders and escalations it recorded).

Cadre-conduct complaints (``category == "conduct"``) are seen only by users holding
``hotline.conduct`` (the discipline inspection role): ``Ticket.objects.visible_to(user)`` is the whole
rule (:class:`TicketQuerySet`), and steps, notifications and attachments are seen through their ticket
(``scope_through``), so every read drops them for everyone else.

A subject the ticket is about is a household (a real foreign key: the registry sits below) or a
plain reference (``subject_type``/``subject_id``, as notices do) for things of apps above or beside
this one (projects).

Invariants held by the database: exactly one handling unit; an open ticket has no reply time and a
replied one has a reply; a satisfaction is recorded with its call-back time.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.models import Department
from fupin.accounts.roles import CAPABILITIES, Cap
from fupin.areas.models import Area
from fupin.areas.scoping import NO_ROWS, InsertOnlyScopedQuerySet, ScopedQuerySet
from fupin.core.actors import Viewer
from fupin.core.files import StoredFile, random_upload_name
from fupin.core.sealed import SealedField
from fupin.core.workflow import StepLedger
from fupin.notices.models import Objection
from fupin.registry.models import Household


class Category(models.TextChoices):
    POLICY = "policy", _("政策咨询")
    BENEFIT = "benefit", _("待遇未落实")
    DISPUTE = "dispute", _("识别退出争议")
    PROJECT = "project", _("项目资金投诉")
    CONDUCT = "conduct", _("干部作风问题")
    OTHER = "other", _("其他")


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("12317 热线")
    WEB = "web", _("网上提交")
    CADRE = "cadre", _("村干部代为反映")
    OBJECTION = "objection", _("公示异议")


def _assignment_q(assignment: Any, prefix: str) -> models.Q | None:
    caps = CAPABILITIES.get(assignment.role, frozenset())
    if Cap.HOTLINE_VIEW not in caps:
        return None
    place = models.Q(**{f"{prefix}area__path__startswith": assignment.area.path})
    if Cap.HOTLINE_CONDUCT in caps:
        return place
    if assignment.department_id:
        place &= models.Q(**{f"{prefix}department_id": assignment.department_id})
    return place & ~models.Q(**{f"{prefix}category": Category.CONDUCT})


class TicketQuerySet(ScopedQuerySet["Ticket"]):
    """Tickets are seen per role assignment, not by the user's area scope alone:

    - an assignment with a department (行业部门) sees the tickets its department handles, in its area;
    - any other assignment holding ``hotline.view`` sees the tickets about places in its area;
    - cadre-conduct complaints (干部作风) are seen **only** through an assignment whose role holds
      ``hotline.conduct`` (纪检监察). Not the district administrator, not a superuser, not an auditor.
    """

    @classmethod
    def visibility(cls, model: type[models.Model], user: Viewer | None, prefix: str = "") -> models.Q | None:
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return NO_ROWS
        if user.is_superuser:
            return ~models.Q(**{f"{prefix}category": Category.CONDUCT})
        parts = [q for q in (_assignment_q(a, prefix) for a in user.active_assignments) if q is not None]
        return reduce(operator.or_, parts) if parts else NO_ROWS


class Ticket(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("办理中")
        ANSWERED = "answered", _("已答复待回访")
        CLOSED = "closed", _("已办结")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        BASIC = "basic", _("基本满意")
        UNSATISFIED = "unsatisfied", _("不满意")

    tracking_code = models.CharField(_("查询码"), max_length=24, unique=True)
    channel = models.CharField(_("渠道"), max_length=12, choices=Channel.choices)
    category = models.CharField(_("类别"), max_length=12, choices=Category.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    title = models.CharField(_("摘要"), max_length=120)
    text = models.TextField(_("诉求内容"))
    citizen_name = models.CharField(_("反映人"), max_length=50, blank=True)
    citizen_phone = SealedField(_("联系电话"), plain_max_length=30, blank=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("所涉区域"))
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                  verbose_name=_("所涉农户"))
    subject_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    subject_id = models.PositiveBigIntegerField(_("对象编号"), null=True, blank=True)
    subject_label = models.CharField(_("对象"), max_length=100, blank=True)
    objection = models.OneToOneField(Objection, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="ticket", verbose_name=_("公示异议"))
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("承办部门"))
    unit_area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("承办乡镇/村"))
    received_at = models.DateTimeField(_("受理时间"), default=timezone.now, db_index=True)
    due_at = models.DateTimeField(_("办理时限"))
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    reply = models.TextField(_("答复内容"), blank=True)
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices, blank=True)
    called_back_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("登记人"))
    is_demo = models.BooleanField(_("演示数据"), default=False)

    area_scope = "area"
    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("热线诉求")
        verbose_name_plural = _("热线诉求")
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["department", "status"]),
            models.Index(fields=["unit_area", "status"]),
            models.Index(fields=["category", "received_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(department__isnull=False, unit_area__isnull=True)
                | models.Q(department__isnull=True, unit_area__isnull=False),
                name="ticket_one_handling_unit"),
            models.CheckConstraint(
                condition=models.Q(status="open", answered_at__isnull=True)
                | (models.Q(status__in=["answered", "closed"], answered_at__isnull=False) & ~models.Q(reply="")),
                name="ticket_answer_complete"),
            models.CheckConstraint(
                condition=models.Q(satisfaction="") | models.Q(called_back_at__isnull=False),
                name="ticket_satisfaction_has_callback"),
            models.CheckConstraint(condition=models.Q(due_at__gte=models.F("received_at")),
                                   name="ticket_due_after_received"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"RX{self.pk:07d}" if self.pk else "RX"

    @property
    def unit_label(self) -> str:
        unit: Any = self.department if self.department_id else self.unit_area
        return str(unit) if unit is not None else ""

    @property
    def is_confidential(self) -> bool:
        return self.category == Category.CONDUCT

    def is_overdue(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.status == self.Status.OPEN and self.due_at < now

    @property
    def masked_name(self) -> str:
        n = self.citizen_name
        return (n[:1] + "*" * (len(n) - 1)) if n else ""

    @property
    def masked_phone(self) -> str:
        c = self.citizen_phone
        return c[:3] + "*" * max(0, len(c) - 7) + c[-4:] if len(c) > 7 else "*" * len(c)


class TicketStep(StepLedger):
    """One step of a ticket, with the state it left and reached (``fupin.core.workflow``). Insert-only."""

    class Action(models.TextChoices):
        RECEIVED = "received", _("受理")
        ROUTED = "routed", _("分派")
        TRANSFERRED = "transferred", _("转办")
        REMINDED = "reminded", _("临期提醒")
        ESCALATED = "escalated", _("超期督办")
        REPLIED = "replied", _("答复")
        CALLED_BACK = "called_back", _("回访")
        REOPENED = "reopened", _("重新办理")
        CLOSED = "closed", _("办结")
        NOTE = "note", _("办理记录")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("环节"), max_length=12, choices=Action.choices)
    from_unit = models.CharField(_("原承办单位"), max_length=100, blank=True)
    to_unit = models.CharField(_("承办单位"), max_length=100, blank=True)

    area_scope = "ticket__area"
    scope_through = "ticket"
    objects = InsertOnlyScopedQuerySet.as_manager()

    class Meta(StepLedger.Meta):
        verbose_name = _("办理环节")
        verbose_name_plural = _("办理环节")
        indexes = [models.Index(fields=["ticket", "at"]), models.Index(fields=["action", "at"])]
        constraints = [
            models.CheckConstraint(condition=~models.Q(action="transferred") | ~models.Q(note=""),
                                   name="ticket_step_transfer_has_reason"),
        ]


class TicketNotification(models.Model):
    """A message for one user about a ticket (assigned, reminder, escalation): shown on "my tickets"."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="notifications")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类型"), max_length=12, choices=TicketStep.Action.choices)
    message = models.CharField(_("内容"), max_length=300)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    area_scope = "ticket__area"
    scope_through = "ticket"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("诉求提醒")
        verbose_name_plural = _("诉求提醒")
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.message


def attachment_path(instance: TicketAttachment, filename: str) -> str:
    return random_upload_name("hotline", filename)


class TicketAttachment(StoredFile):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=255)

    area_scope = "ticket__area"
    scope_through = "ticket"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["ticket_id", "pk"]
        verbose_name = _("诉求附件")
        verbose_name_plural = _("诉求附件")


class RoutingRule(models.Model):
    """Who handles a category of ticket in an area (and everywhere below it).

    The most specific rule wins: the deepest ``area`` (an empty area means the whole installation),
    then a rule naming the category over one for every category. The unit is a department, or the
    local government of the ticket's place: its township, or its village (a ticket at township
    level goes to the township either way).
    """

    class Local(models.TextChoices):
        DEPARTMENT = "", _("部门")
        TOWNSHIP = "township", _("所在乡镇")
        VILLAGE = "village", _("所在村")

    category = models.CharField(_("类别"), max_length=12, choices=Category.choices, blank=True)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("适用区域"))
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                                   verbose_name=_("承办部门"))
    local = models.CharField(_("属地承办"), max_length=10, choices=Local.choices, blank=True)

    class Meta:
        ordering = ["category", "area__path", "pk"]
        verbose_name = _("分派规则")
        verbose_name_plural = _("分派规则")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(department__isnull=False, local="")
                | models.Q(department__isnull=True, local__in=["township", "village"]),
                name="routing_rule_one_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.category or '*'}@{self.area_id or '*'}"


class CategoryDeadline(models.Model):
    """How long a unit has to answer a ticket of a category, and when the reminder goes out."""

    category = models.CharField(_("类别"), max_length=12, choices=Category.choices, unique=True)
    days = models.PositiveSmallIntegerField(_("办理时限（天）"))
    remind_hours = models.PositiveSmallIntegerField(_("提前提醒（小时）"))

    class Meta:
        ordering = ["category"]
        verbose_name = _("办理时限")
        verbose_name_plural = _("办理时限")
        constraints = [models.CheckConstraint(condition=models.Q(days__gte=1), name="deadline_at_least_a_day")]

    def __str__(self) -> str:
        return f"{self.category}: {self.days}"
