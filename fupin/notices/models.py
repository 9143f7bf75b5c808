"""Public notices (公示/公告) and the objections raised against them.

A notice is displayed in one area (a village's or township's 公开栏) for a period of whole calendar
days: ``starts_on`` is day 1 and ``ends_on`` is day N, both inclusive, so a notice of N days has
``ends_on = starts_on + (N - 1)``. It is *on display* on a day d when it is open and
``starts_on <= d <= ends_on``; it *has run its full length* on day d when d > ``ends_on`` and it
was not taken down (closed) before the end of its last day.

The subject is a plain reference (``subject_type`` such as ``"registry.household"`` plus
``subject_id``) rather than a foreign key: notices sit below every app that publishes them
(registry workflow, projects, monitoring), so they cannot point up at those tables.

Invariants held by the database:
- ``ends_on >= starts_on``; a closed notice has ``closed_at``, an open one does not;
- an open objection has no outcome and no resolution time; a resolved one has an outcome
  (upheld or dismissed), a resolution text and a resolution time.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.areas.models import Area
from fupin.areas.scoping import ScopedQuerySet
from fupin.core.sealed import SealedField


class Notice(models.Model):
    class Kind(models.TextChoices):
        # Later modules add their kinds here (a choices-only migration).
        IDENTIFICATION_VILLAGE = "identification_village", _("识别村级公示")
        IDENTIFICATION_TOWNSHIP = "identification_township", _("识别乡镇审核公示")
        COUNTY_ANNOUNCEMENT = "county_announcement", _("识别县级公告")
        EXIT = "exit", _("退出公示")
        EXIT_ANNOUNCEMENT = "exit_announcement", _("退出公告")
        PROJECT = "project", _("项目公示")
        # Projects and funds (issue 7): one notice per level of the project library, then before
        # the start and after completion (公告公示制度, REFERENCE §7.2).
        PROJECT_VILLAGE = "project_village", _("项目村级申报公示")
        PROJECT_TOWNSHIP = "project_township", _("项目乡镇审核公示")
        PROJECT_LIBRARY = "project_library", _("项目库县级公告")
        PROJECT_PRESTART = "project_prestart", _("项目实施前公示")
        PROJECT_COMPLETION = "project_completion", _("项目竣工公告")
        MONITORING = "monitoring", _("防返贫监测对象认定公示")

    class Status(models.TextChoices):
        OPEN = "open", _("张贴中")
        CLOSED = "closed", _("已撤下")

    kind = models.CharField(_("类型"), max_length=40, choices=Kind.choices)
    subject_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    subject_id = models.PositiveBigIntegerField(_("对象编号"), null=True, blank=True)
    subject_label = models.CharField(_("对象"), max_length=100, blank=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="notices", verbose_name=_("张贴地"))
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    starts_on = models.DateField(_("公示开始"))
    ends_on = models.DateField(_("公示截止"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("发布人"))
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("撤下人"))
    closed_at = models.DateTimeField(_("撤下时间"), null=True, blank=True)
    close_note = models.CharField(_("撤下说明"), max_length=200, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    area_scope = "area"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("公示公告")
        verbose_name_plural = _("公示公告")
        indexes = [
            models.Index(fields=["area", "status", "ends_on"]),
            models.Index(fields=["subject_type", "subject_id"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")),
                                   name="notice_ends_after_start"),
            models.CheckConstraint(
                condition=models.Q(status="open", closed_at__isnull=True)
                | models.Q(status="closed", closed_at__isnull=False),
                name="notice_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1

    def is_on_display(self, day: date) -> bool:
        return self.status == self.Status.OPEN and self.starts_on <= day <= self.ends_on

    def closed_early(self) -> bool:
        """Taken down before the end of its last day."""
        return self.closed_at is not None and timezone.localdate(self.closed_at) <= self.ends_on

    def has_run_full_length(self, day: date) -> bool:
        return day > self.ends_on and not self.closed_early()

    def days_left(self, day: date) -> int:
        """Display days left including ``day`` (0 once it has ended)."""
        return max(0, (self.ends_on - max(day, self.starts_on)).days + 1) if day <= self.ends_on else 0


class Objection(models.Model):
    """An objection (异议) to a notice. :func:`fupin.notices.services.objection_raise` is the one way in."""

    class Channel(models.TextChoices):
        CADRE = "cadre", _("干部代为登记")
        WEB = "web", _("网上提交")
        HOTLINE = "hotline", _("12317 热线")

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        RESOLVED = "resolved", _("已处理")

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="objections", verbose_name=_("公示"))
    raised_at = models.DateTimeField(_("提出时间"))
    raised_by_name = models.CharField(_("异议人"), max_length=50, blank=True)
    contact = SealedField(_("联系方式"), plain_max_length=50, blank=True)
    text = models.TextField(_("异议内容"))
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices, default=Channel.CADRE)
    external_ref = models.CharField(_("外部编号"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("登记人"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(_("处理结果"), max_length=10, choices=Outcome.choices, blank=True)
    resolution = models.TextField(_("处理意见"), blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("处理人"))
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    area_scope = "notice__area"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["raised_at", "pk"]
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        indexes = [models.Index(fields=["notice", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", outcome="", resolved_at__isnull=True)
                | (models.Q(status="resolved", outcome__in=["upheld", "dismissed"], resolved_at__isnull=False)
                   & ~models.Q(resolution="")),
                name="objection_resolution_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id}/{self.pk}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def masked_name(self) -> str:
        return (self.raised_by_name[:1] + "*" * (len(self.raised_by_name) - 1)) if self.raised_by_name else ""

    @property
    def masked_contact(self) -> str:
        c = self.contact
        return c[:3] + "*" * max(0, len(c) - 7) + c[-4:] if len(c) > 7 else "*" * len(c)
