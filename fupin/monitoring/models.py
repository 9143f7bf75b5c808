"""Return-to-poverty monitoring (RULES.md §4): runs, per-household results, and monitoring cases.

A run keeps the year, the parameter values used and the rule-set version; its results are the
households with at least one risk. A case follows one household through 发现 → 入户核实 → 认定
(with a public notice) → 帮扶 → 风险消除; every step is a row of ``CaseStep`` (actor, time, note).

Invariants held by the database: at most one open case per household (an open case is one not yet
eliminated or dismissed); a closed case has its closing time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.areas.scoping import InsertOnlyScopedQuerySet, ScopedQuerySet
from fupin.core.workflow import StepLedger
from fupin.notices.models import Notice
from fupin.registry.models import Household


class Category(models.TextChoices):
    UNSTABLE_EXITED = "UNSTABLE_EXITED", _("脱贫不稳定户")
    EDGE = "EDGE", _("边缘易致贫户")
    SUDDEN_HARDSHIP = "SUDDEN_HARDSHIP", _("突发严重困难户")


class Risk(models.TextChoices):
    """The risk codes of RULES.md §4 (``fupin.monitoring.rules.RISK_CODES``) with their labels."""

    DEPT_SIGNAL = "DEPT_SIGNAL", _("部门预警")
    EDUCATION = "EDUCATION", _("义务教育出现问题")
    HOUSING = "HOUSING", _("住房安全出现问题")
    INCOME_BELOW_LINE = "INCOME_BELOW_LINE", _("收入低于监测线")
    INCOME_DROP = "INCOME_DROP", _("收入大幅缩减")
    MEDICAL = "MEDICAL", _("基本医疗出现问题")
    RIGID_EXPENSE = "RIGID_EXPENSE", _("刚性支出过大")
    WATER = "WATER", _("饮水安全出现问题")


def risk_labels(risks: str) -> list[tuple[str, str]]:
    labels = dict(Risk.choices)
    return [(c, str(labels.get(c, c))) for c in risks.split(";") if c]


class MonitoringRun(models.Model):
    class Scope(models.TextChoices):
        COUNTY = "county", _("全区监测")
        HOUSEHOLDS = "households", _("变更户监测")

    year = models.PositiveSmallIntegerField(_("年度"))
    # A run over the households a registry write changed (ADR 0026 §5) never stands for the county's run.
    scope = models.CharField(_("范围"), max_length=10, choices=Scope.choices, default=Scope.COUNTY)
    params = models.JSONField(_("所用参数"), default=dict)
    policy_versions = models.JSONField(default=list)
    ruleset_version = models.CharField(_("规则版本"), max_length=20)
    signal_households = models.PositiveIntegerField(_("部门预警户数"), default=0)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    households = models.PositiveIntegerField(_("监测户数"), default=0)
    at_risk = models.PositiveIntegerField(_("有风险户数"), default=0)
    cases_opened = models.PositiveIntegerField(_("新增预警"), default=0)
    totals = models.JSONField(default=dict)
    """Households per category."""

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("监测批次")
        verbose_name_plural = _("监测批次")

    def __str__(self) -> str:
        return f"{self.year} #{self.pk}"


class MonitoringResult(models.Model):
    """A household with at least one risk in a run."""

    run = models.ForeignKey(MonitoringRun, on_delete=models.CASCADE, related_name="results")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="monitoring_results")
    year = models.PositiveSmallIntegerField(_("年度"))
    category = models.CharField(_("监测类别"), max_length=20, choices=Category.choices)
    risks = models.CharField(_("风险"), max_length=200)
    per_capita_income = models.DecimalField(_("人均纯收入"), max_digits=12, decimal_places=2, null=True)
    monitoring_line = models.DecimalField(_("监测线"), max_digits=12, decimal_places=2, null=True)
    details = models.JSONField(default=dict)
    """The figures the rules read, for replay (cents): per-capita Y and Y−1, rigid spending, reference income."""

    area_scope = "household__village"
    scope_through = "household"  # seen by who sees the household (its rule: ADR 0025)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("监测结果")
        verbose_name_plural = _("监测结果")
        indexes = [models.Index(fields=["run", "category"], name="monitoring_run_category_idx"),
                   models.Index(fields=["household", "year"], name="monitoring_household_idx")]

    def __str__(self) -> str:
        return f"{self.household_id}/{self.year}: {self.risks}"

    @property
    def risk_list(self) -> list[str]:
        return self.risks.split(";") if self.risks else []

    @property
    def risk_labels(self) -> list[tuple[str, str]]:
        return risk_labels(self.risks)


class MonitoringCase(models.Model):
    class Step(models.TextChoices):
        ALERT = "alert", _("发现预警")
        VERIFIED = "verified", _("入户核实")
        IDENTIFIED = "identified", _("认定监测对象")
        ASSISTING = "assisting", _("落实帮扶")
        ELIMINATED = "eliminated", _("风险消除")
        DISMISSED = "dismissed", _("核实不属实")

    OPEN_STEPS = ("alert", "verified", "identified", "assisting")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="monitoring_cases",
                                  verbose_name=_("农户"))
    step = models.CharField(_("当前环节"), max_length=12, choices=Step.choices, default=Step.ALERT)
    year = models.PositiveSmallIntegerField(_("年度"))
    category = models.CharField(_("监测类别"), max_length=20, choices=Category.choices)
    risks = models.CharField(_("风险"), max_length=200)
    opened_run = models.ForeignKey(MonitoringRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField(_("发现时间"), default=timezone.now)
    identified_on = models.DateField(_("认定日期"), null=True, blank=True)
    notice = models.ForeignKey(Notice, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("认定公示"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    is_demo = models.BooleanField(default=False)

    area_scope = "household__village"
    scope_through = "household"  # seen by who sees the household (its rule: ADR 0025)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("监测案例")
        verbose_name_plural = _("监测案例")
        indexes = [models.Index(fields=["step"]), models.Index(fields=["opened_at"]),
                   models.Index(fields=["closed_at"])]
        constraints = [
            models.UniqueConstraint(fields=["household"], condition=models.Q(step__in=["alert", "verified",
                                                                                      "identified", "assisting"]),
                                    name="monitoring_one_open_case_per_household"),
            models.CheckConstraint(
                condition=models.Q(step__in=["eliminated", "dismissed"], closed_at__isnull=False)
                | models.Q(step__in=["alert", "verified", "identified", "assisting"], closed_at__isnull=True),
                name="monitoring_case_closed_has_time"),
            models.CheckConstraint(
                condition=models.Q(step__in=["alert", "verified", "dismissed"]) | models.Q(identified_on__isnull=False),
                name="monitoring_case_identified_has_date"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}:{self.step}"

    @property
    def is_open(self) -> bool:
        return self.step in self.OPEN_STEPS

    @property
    def risk_labels(self) -> list[tuple[str, str]]:
        return risk_labels(self.risks)


class CaseStep(StepLedger):
    """One step a person took on a case: who, when, with what note; the case's ``StepLedger`` (ADR
    0017), insert-only (the row and the queryset refuse updates and deletes). The opening (发现) is
    the case row itself: ``opened_run`` and ``opened_at``."""

    class Action(models.TextChoices):
        VERIFY = "verify", _("入户核实")
        DISMISS = "dismiss", _("核实不属实")
        IDENTIFY = "identify", _("认定并公示")
        ASSIST = "assist", _("落实帮扶")
        ELIMINATE = "eliminate", _("风险消除")

    case = models.ForeignKey(MonitoringCase, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("操作"), max_length=12, choices=Action.choices)

    area_scope = "case__household__village"
    objects = InsertOnlyScopedQuerySet.as_manager()

    class Meta(StepLedger.Meta):
        verbose_name = _("监测环节记录")
        verbose_name_plural = _("监测环节记录")


class CaseMeasure(models.Model):
    """A help measure recorded on a case (the full help-measure ledger is a later module)."""

    class Kind(models.TextChoices):
        INDUSTRY = "industry", _("产业帮扶")
        EMPLOYMENT = "employment", _("就业帮扶")
        EDUCATION = "education", _("教育帮扶")
        HEALTH = "health", _("健康帮扶")
        HOUSING = "housing", _("住房保障")
        SOCIAL = "social", _("兜底保障")
        OTHER = "other", _("其他")

    case = models.ForeignKey(MonitoringCase, on_delete=models.CASCADE, related_name="measures")
    kind = models.CharField(_("措施类型"), max_length=12, choices=Kind.choices)
    description = models.CharField(_("措施内容"), max_length=300)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("完成日期"), null=True, blank=True)
    done = models.BooleanField(_("已落实"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    area_scope = "case__household__village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["case_id", "starts_on", "pk"]
        verbose_name = _("帮扶措施")
        verbose_name_plural = _("帮扶措施")
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                                   name="case_measure_ends_after_start"),
            models.CheckConstraint(condition=models.Q(done=False) | models.Q(ends_on__isnull=False),
                                   name="case_measure_done_has_end"),
        ]

    def __str__(self) -> str:
        return self.description
