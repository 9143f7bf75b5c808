"""Help measures (精准帮扶): programmes as data, the measures ledger, suggestion decisions and the
爱心超市 points ledger.

Invariants held by the database: a measure ends on or after it starts; amounts and quantities are
not negative; a household's points balance is never negative (redeeming locks the account row);
a household decides on a programme's suggestion once (accept or dismiss, with a reason).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.models import Department
from fupin.areas.scoping import ScopedQuerySet
from fupin.measures.catalogue import CATEGORIES
from fupin.registry.models import Household, Member

MONEY: dict[str, Any] = {"max_digits": 12, "decimal_places": 2}


class Programme(models.Model):
    class Target(models.TextChoices):
        HOUSEHOLD = "household", _("户")
        MEMBER = "member", _("人")

    class Period(models.TextChoices):
        NONE = "", _("不按期")
        MONTH = "month", _("按月")
        SEMESTER = "semester", _("按学期")
        YEAR = "year", _("按年")

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    category = models.CharField(_("类别"), max_length=20, choices=CATEGORIES)
    department_code = models.CharField(_("实施部门代码"), max_length=40)
    target = models.CharField(_("帮扶对象"), max_length=10, choices=Target.choices)
    rule = models.CharField(_("资格规则"), max_length=30, blank=True)
    causes = models.JSONField(_("对应致贫原因"), default=list)
    indicators = models.JSONField(_("对应退出指标"), default=list)
    period = models.CharField(_("周期"), max_length=10, choices=Period.choices, blank=True)
    limit_param = models.CharField(_("金额上限参数"), max_length=60, blank=True)
    entitled = models.BooleanField(_("应享尽享"), default=False)
    unit = models.CharField(_("单位"), max_length=10, default="元")
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("帮扶项目")
        verbose_name_plural = _("帮扶项目")

    def __str__(self) -> str:
        return self.name


class Measure(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("计划")
        DELIVERING = "delivering", _("实施中")
        DONE = "done", _("已落实")
        CANCELLED = "cancelled", _("已取消")

    class Source(models.TextChoices):
        MANUAL = "manual", _("录入")
        SUGGESTION = "suggestion", _("采纳建议")
        FILE = "file", _("部门名单")
        DEMO = "demo", _("演示")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="measures",
                                  verbose_name=_("贫困户"))
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.CASCADE, related_name="measures",
                               verbose_name=_("受益成员"))
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="measures",
                                  verbose_name=_("帮扶项目"))
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("实施部门"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    amount = models.DecimalField(_("金额(元)"), null=True, blank=True, **MONEY)
    quantity = models.PositiveIntegerField(_("数量"), null=True, blank=True)
    evidence = models.CharField(_("佐证说明"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DONE)
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices, default=Source.MANUAL)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    is_demo = models.BooleanField(default=False)

    area_scope = "household__village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("帮扶措施")
        verbose_name_plural = _("帮扶措施")
        indexes = [models.Index(fields=["household", "programme"]), models.Index(fields=["programme", "starts_on"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                                   name="measure_ends_after_start"),
            models.CheckConstraint(condition=models.Q(amount__isnull=True) | models.Q(amount__gte=0),
                                   name="measure_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} · {self.household_id}"


class SuggestionDecision(models.Model):
    class Decision(models.TextChoices):
        ACCEPTED = "accepted", _("已采纳")
        DISMISSED = "dismissed", _("不采纳")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("处理"), max_length=10, choices=Decision.choices)
    reason = models.CharField(_("理由"), max_length=300, blank=True)
    measure = models.ForeignKey(Measure, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    area_scope = "household__village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-decided_at"]
        constraints = [
            models.UniqueConstraint(fields=["household", "programme"], name="suggestion_decided_once"),
            models.CheckConstraint(condition=~models.Q(decision="dismissed") | ~models.Q(reason=""),
                                   name="suggestion_dismissal_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} · {self.household_id}: {self.decision}"


class PointRule(models.Model):
    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("积分事项"), max_length=60)
    category = models.CharField(_("类别"), max_length=30)
    points = models.PositiveSmallIntegerField(_("积分"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class PointAccount(models.Model):
    household = models.OneToOneField(Household, on_delete=models.CASCADE, related_name="point_account")
    balance = models.IntegerField(_("积分余额"), default=0)

    area_scope = "household__village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(balance__gte=0), name="points_never_negative")]

    def __str__(self) -> str:
        return f"{self.household_id}: {self.balance}"


class PointEntry(models.Model):
    class Kind(models.TextChoices):
        EARN = "earn", _("获得")
        REDEEM = "redeem", _("兑换")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="point_entries")
    kind = models.CharField(_("类型"), max_length=6, choices=Kind.choices)
    rule = models.ForeignKey(PointRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    points = models.PositiveIntegerField(_("积分"))
    goods = models.CharField(_("兑换物品"), max_length=100, blank=True)
    on = models.DateField(_("日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    area_scope = "household__village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(points__gt=0), name="point_entry_positive"),
            models.CheckConstraint(condition=~models.Q(kind="earn") | models.Q(rule__isnull=False),
                                   name="point_earn_has_rule"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.kind} {self.points}"
