"""The action plan as data: plans, their measures with lead and cooperating units, tasks, and the units'
progress reports.

A *unit* is whoever the plan holds responsible: a district department (or another organisational unit the
plan names, such as 区委办公室 or the power company), a township's government, or a group the text names at
once (各镇人民政府, 区脱贫攻坚领导小组各成员单位), which stands for several units. Units report on their tasks
every quarter and every year; what they owe is computed from the plan, never stored as "missing" rows.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.models import Department
from fupin.areas.models import Area
from fupin.areas.scoping import InsertOnlyScopedQuerySet, ScopedQuerySet
from fupin.core.files import StoredFile
from fupin.core.workflow import StepLedger


class Unit(models.Model):
    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("区直单位")
        TOWNSHIP = "township", _("乡镇")
        GROUP = "group", _("单位组")

    class Expands(models.TextChoices):
        NONE = "", _("不展开")
        TOWNSHIPS = "townships", _("各乡镇")
        DEPARTMENTS = "departments", _("各区直单位")

    code = models.SlugField(_("代码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices)
    department = models.OneToOneField(Department, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="plan_unit", verbose_name=_("部门"))
    # A township unit's township; a department's or group's area is the county (so scoping shows them there).
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="plan_units", verbose_name=_("区划"))
    expands = models.CharField(_("包含"), max_length=12, choices=Expands.choices, blank=True)

    area_scope = "area"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("责任单位")
        verbose_name_plural = _("责任单位")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="department", department__isnull=False)
                | models.Q(kind="township", department__isnull=True)
                | models.Q(kind="group", department__isnull=True),
                name="plan_unit_department_kind"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def files_reports(self) -> bool:
        """Whether the unit itself files reports (a group does not: its members do)."""
        return self.kind != self.Kind.GROUP


class Plan(models.Model):
    code = models.SlugField(_("代码"), max_length=60, unique=True)
    title = models.CharField(_("名称"), max_length=200)
    issuer = models.CharField(_("印发单位"), max_length=100, blank=True)
    issued_on = models.DateField(_("印发日期"), null=True, blank=True)
    starts_year = models.PositiveSmallIntegerField(_("起始年度"))
    ends_year = models.PositiveSmallIntegerField(_("截止年度"))
    source = models.CharField(_("来源"), max_length=200, blank=True)
    # Set by every change made in the UI: re-running `fupin seed-reference` leaves such a plan's head alone.
    edited_at = models.DateTimeField(_("页面修改时间"), null=True, blank=True)
    report_due_days = models.PositiveSmallIntegerField(
        _("报告期限（期末后天数）"), default=10,
        help_text=_("季度报告和年度报告在季度末、年末后多少天内报送"))

    class Meta:
        ordering = ["-starts_year", "code"]
        verbose_name = _("规划")
        verbose_name_plural = _("规划")
        constraints = [models.CheckConstraint(condition=models.Q(ends_year__gte=models.F("starts_year")),
                                              name="plan_years_in_order")]

    def __str__(self) -> str:
        return self.title

    @property
    def years(self) -> range:
        return range(self.starts_year, self.ends_year + 1)


class Measure(models.Model):
    """A measure (举措) of a plan, or a sub-item of one (``parent``). ``order`` runs through the whole plan in
    reading order (a measure, then its sub-items), so listing by ``order`` shows the tree.

    ``source`` tells a measure loaded from the plan's data file from one added in the UI; ``edited_at`` is set by
    every change made in the UI, after which `fupin seed-reference` leaves the measure (and its units) alone."""

    class Source(models.TextChoices):
        PLAN = "plan", _("规划文本")
        MANUAL = "manual", _("页面新增")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="measures", verbose_name=_("规划"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children",
                               verbose_name=_("上级举措"))
    code = models.CharField(_("编号"), max_length=20)
    label = models.CharField(_("序号"), max_length=30, blank=True)
    title = models.CharField(_("举措"), max_length=200)
    text = models.TextField(_("内容"), blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    units = models.ManyToManyField(Unit, through="MeasureUnit", related_name="measures")
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.PLAN)
    edited_at = models.DateTimeField(_("页面修改时间"), null=True, blank=True)

    class Meta:
        ordering = ["plan_id", "order"]
        verbose_name = _("举措")
        verbose_name_plural = _("举措")
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="plan_measure_code_unique")]

    def __str__(self) -> str:
        return f"{self.label} {self.title}".strip()


class MeasureUnit(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("牵头责任单位")
        COOPERATING = "cooperating", _("协同责任单位")

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="responsibilities")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="responsibilities")
    role = models.CharField(_("责任"), max_length=12, choices=Role.choices)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["measure_id", "role", "order"]
        constraints = [models.UniqueConstraint(fields=["measure", "unit", "role"], name="plan_measure_unit_unique")]

    def __str__(self) -> str:
        return f"{self.measure.code} {self.get_role_display()} {self.unit}"


class Task(models.Model):
    """A task of the plan with its deadline and lead unit. A task is open, done (through its lead unit's report), or
    retired (撤销) by the district office: a retired task is owed by nobody, but stays with the reports that
    name it. ``edited_at`` is set by every change made in the UI, after which `fupin seed-reference` leaves the
    task alone."""

    class Status(models.TextChoices):
        OPEN = "open", _("进行中")
        DONE = "done", _("已完成")
        RETIRED = "retired", _("已撤销")

    class Source(models.TextChoices):
        PLAN = "plan", _("规划")
        MANUAL = "manual", _("新增")
        MEETING = "meeting", _("会议决定")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("规划"))
    measure = models.ForeignKey(Measure, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks",
                                verbose_name=_("举措"))
    code = models.CharField(_("编号"), max_length=30)
    title = models.CharField(_("任务"), max_length=300)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True,
                                            help_text=_("每年都有的任务，每年一条"))
    deadline = models.DateField(_("完成时限"))
    lead = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="led_tasks", verbose_name=_("牵头单位"))
    cooperating = models.ManyToManyField(Unit, blank=True, related_name="cooperating_tasks",
                                         verbose_name=_("协同单位"))
    target = models.CharField(_("目标"), max_length=300, blank=True,
                              help_text=_("可衡量的目标，如“680 人脱贫”“覆盖全部贫困村”"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    retired_on = models.DateField(_("撤销日期"), null=True, blank=True)
    retired_reason = models.CharField(_("撤销理由"), max_length=300, blank=True)
    edited_at = models.DateTimeField(_("页面修改时间"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.PLAN)
    meeting = models.ForeignKey("Meeting", null=True, blank=True, on_delete=models.PROTECT, related_name="decisions",
                                verbose_name=_("会议"))

    area_scope = "lead__area"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["plan_id", "deadline", "code"]
        verbose_name = _("任务")
        verbose_name_plural = _("任务")
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="plan_task_code_unique"),
            models.CheckConstraint(condition=models.Q(status="open", done_on__isnull=True)
                                   | models.Q(status="done", done_on__isnull=False)
                                   | models.Q(status="retired", done_on__isnull=True),
                                   name="plan_task_done_has_date"),
            models.CheckConstraint(condition=~models.Q(status="retired") | models.Q(retired_on__isnull=False),
                                   name="plan_task_retired_has_date"),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, day: date | None = None) -> bool:
        return self.status == self.Status.OPEN and self.deadline < (day or timezone.localdate())


class Period(models.TextChoices):
    Q1 = "Q1", _("一季度")
    Q2 = "Q2", _("二季度")
    Q3 = "Q3", _("三季度")
    YEAR = "Y", _("全年")


PERIOD_END = {"Q1": (3, 31), "Q2": (6, 30), "Q3": (9, 30), "Y": (12, 31)}


def period_due(plan: Plan, year: int, period: str) -> date:
    month, day = PERIOD_END[period]
    return date(year, month, day) + timedelta(days=plan.report_due_days)


def report_path(instance: ReportAttachment, filename: str) -> str:
    """A random name under plan-reports/<year>/: the unit's file name is kept in the row only."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"plan-reports/{timezone.localdate():%Y}/{uuid.uuid4().hex}{suffix}"


class ProgressReport(models.Model):
    """A unit's report for one period of one plan year (工作进展报告)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="reports", verbose_name=_("规划"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="reports", verbose_name=_("报送单位"))
    year = models.PositiveSmallIntegerField(_("年度"))
    period = models.CharField(_("报告期"), max_length=2, choices=Period.choices)
    summary = models.TextField(_("工作进展"))
    submitted_at = models.DateTimeField(_("报送时间"), default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("报送人"))
    due_on = models.DateField(_("应报日期"))
    is_demo = models.BooleanField(default=False)

    area_scope = "unit__area"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-period", "unit_id"]
        verbose_name = _("进展报告")
        verbose_name_plural = _("进展报告")
        constraints = [models.UniqueConstraint(fields=["plan", "unit", "year", "period"],
                                               name="plan_report_one_per_period")]

    def __str__(self) -> str:
        return f"{self.unit} {self.year} {self.get_period_display()}"

    @property
    def is_late(self) -> bool:
        return timezone.localtime(self.submitted_at).date() > self.due_on


class ReportLine(models.Model):
    """Progress on one task in a report: what was done, how far along (percent), whether it is finished."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="lines")
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="report_lines", verbose_name=_("任务"))
    progress = models.TextField(_("进展情况"), blank=True)
    percent = models.PositiveSmallIntegerField(_("完成进度（%）"), null=True, blank=True)
    finished = models.BooleanField(_("已完成"), default=False)

    class Meta:
        ordering = ["report_id", "task__deadline", "task_id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "task"], name="plan_report_line_unique"),
            models.CheckConstraint(condition=models.Q(percent__isnull=True) | models.Q(percent__lte=100),
                                   name="plan_report_line_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.report} · {self.task}"


class ReportAttachment(StoredFile):
    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=report_path, max_length=255)

    area_scope = "report__unit__area"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["report_id", "pk"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")


class Inspection(models.Model):
    """A 督查巡查 (mostly unannounced, 暗访): who was inspected, when, what was found."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="inspections", verbose_name=_("规划"))
    # The area inspected: a township, or the county for a district-wide round (seen at the county only).
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="plan_inspections", verbose_name=_("督查范围"))
    title = models.CharField(_("督查事项"), max_length=200)
    held_on = models.DateField(_("督查日期"))
    unannounced = models.BooleanField(_("暗访"), default=True)
    inspectors = models.CharField(_("督查组"), max_length=200, blank=True)
    summary = models.TextField(_("督查情况"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    is_demo = models.BooleanField(default=False)

    area_scope = "area"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("督查巡查")
        verbose_name_plural = _("督查巡查")

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.title}"


class Finding(models.Model):
    """A problem an inspection found, for one unit to rectify by a deadline; the district office verifies."""

    class Status(models.TextChoices):
        OPEN = "open", _("待整改")
        RECTIFIED = "rectified", _("已整改待核验")
        VERIFIED = "verified", _("核验通过")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings",
                                   verbose_name=_("督查巡查"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="findings", verbose_name=_("整改单位"))
    problem = models.TextField(_("发现问题"))
    deadline = models.DateField(_("整改时限"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    rectification = models.TextField(_("整改情况"), blank=True)
    rectified_on = models.DateField(_("整改完成日期"), null=True, blank=True)
    rectified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    verified_on = models.DateField(_("核验日期"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    verification_note = models.TextField(_("核验意见"), blank=True)

    area_scope = "unit__area"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("督查发现问题")
        verbose_name_plural = _("督查发现问题")
        constraints = [
            models.CheckConstraint(condition=models.Q(status="open") | models.Q(rectified_on__isnull=False),
                                   name="plan_finding_rectified_has_date"),
            models.CheckConstraint(condition=~models.Q(status="verified") | models.Q(verified_on__isnull=False),
                                   name="plan_finding_verified_has_date"),
        ]

    def __str__(self) -> str:
        return self.problem[:60]

    def is_overdue(self, day: date | None = None) -> bool:
        """Not rectified by its deadline (a rectification sent back counts from the deadline too)."""
        today = day or timezone.localdate()
        if self.status == self.Status.OPEN:
            return self.deadline < today
        return False

    @property
    def rectified_on_time(self) -> bool | None:
        if self.rectified_on is None:
            return None
        return self.rectified_on <= self.deadline


class FindingStep(StepLedger):
    """Every step on a finding: rectification reported, verification passed or sent back. Insert-only."""

    class Action(models.TextChoices):
        RECTIFY = "rectify", _("报送整改")
        ACCEPT = "accept", _("核验通过")
        REJECT = "reject", _("核验退回")

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)

    area_scope = "finding__unit__area"
    objects = InsertOnlyScopedQuerySet.as_manager()

    class Meta(StepLedger.Meta):
        verbose_name = _("整改办理记录")
        verbose_name_plural = _("整改办理记录")


class Accountability(models.Model):
    """An accountability record (问责): for a finding not rectified, or a consequence of the yearly assessment."""

    class Kind(models.TextChoices):
        TALK = "talk", _("约谈")
        NO_PROMOTION = "no_promotion", _("主要领导不得提拔重用")
        ORGANISATIONAL = "organisational", _("组织处理")
        CRITICISM = "criticism", _("通报批评")
        COMMENDATION = "commendation", _("表彰奖励")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="accountabilities", verbose_name=_("单位"))
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    finding = models.ForeignKey(Finding, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="accountabilities", verbose_name=_("督查问题"))
    reason = models.CharField(_("依据"), max_length=300)
    decided_on = models.DateField(_("决定日期"), default=timezone.localdate)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    automatic = models.BooleanField(_("按规则自动生成"), default=False)

    area_scope = "unit__area"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "unit_id", "kind"]
        verbose_name = _("问责记录")
        verbose_name_plural = _("问责记录")

    def __str__(self) -> str:
        return f"{self.year} {self.unit} {self.get_kind_display()}"


class Grade(models.TextChoices):
    GOOD = "good", _("好")
    FAIRLY_GOOD = "fairly_good", _("较好")
    AVERAGE = "average", _("一般")
    POOR = "poor", _("差")


class Indicator(models.Model):
    """One indicator of the yearly assessment for one kind of unit (township or department)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="indicators")
    unit_kind = models.CharField(_("考核对象"), max_length=12,
                                 choices=[(Unit.Kind.TOWNSHIP, _("乡镇")), (Unit.Kind.DEPARTMENT, _("区直单位"))])
    code = models.SlugField(_("代码"), max_length=40)
    name = models.CharField(_("指标"), max_length=100)
    weight = models.DecimalField(_("权重"), max_digits=5, decimal_places=2)
    computed = models.BooleanField(_("由平台数据计算"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["plan_id", "unit_kind", "order"]
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        constraints = [models.UniqueConstraint(fields=["plan", "unit_kind", "code"], name="plan_indicator_unique"),
                       models.CheckConstraint(condition=models.Q(weight__gt=0), name="plan_indicator_weight_positive")]

    def __str__(self) -> str:
        return self.name


class Review(models.Model):
    """The yearly assessment (年度考核) of the plan's townships and departments."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("评分中")
        FINAL = "final", _("已定等次")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("规划"))
    year = models.PositiveSmallIntegerField(_("年度"))
    good_min = models.DecimalField(_("“好”最低分"), max_digits=5, decimal_places=2, default=90)
    fairly_good_min = models.DecimalField(_("“较好”最低分"), max_digits=5, decimal_places=2, default=80)
    average_min = models.DecimalField(_("“一般”最低分"), max_digits=5, decimal_places=2, default=60)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.DRAFT)
    finalised_at = models.DateTimeField(_("定等时间"), null=True, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("年度考核")
        verbose_name_plural = _("年度考核")
        constraints = [
            models.UniqueConstraint(fields=["plan", "year"], name="plan_review_one_per_year"),
            models.CheckConstraint(condition=models.Q(good_min__gt=models.F("fairly_good_min"),
                                                      fairly_good_min__gt=models.F("average_min")),
                                   name="plan_review_cutoffs_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.plan}"

    def grade_of(self, total: Any) -> str:
        if total >= self.good_min:
            return Grade.GOOD
        if total >= self.fairly_good_min:
            return Grade.FAIRLY_GOOD
        if total >= self.average_min:
            return Grade.AVERAGE
        return Grade.POOR


class Score(models.Model):
    """One unit's score (0-100) on one indicator; computed ones carry the figures they came from, entered ones
    their evidence. ``score`` null: the indicator does not apply to the unit this year (no target, nothing due)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="scores")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="scores")
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    basis = models.CharField(_("依据"), max_length=300, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)

    area_scope = "unit__area"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["review_id", "unit_id", "indicator__order"]
        constraints = [
            models.UniqueConstraint(fields=["review", "unit", "indicator"], name="plan_score_unique"),
            models.CheckConstraint(condition=models.Q(score__isnull=True) | models.Q(score__gte=0, score__lte=100),
                                   name="plan_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.indicator} {self.score}"


class Result(models.Model):
    """A unit's total, grade and rank among units of its kind, fixed when the review is finalised."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="results")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="results")
    total = models.DecimalField(_("总分"), max_digits=5, decimal_places=2)
    grade = models.CharField(_("等次"), max_length=12, choices=Grade.choices)
    rank = models.PositiveSmallIntegerField(_("名次"))
    task_completed = models.BooleanField(_("完成年度脱贫任务"))

    area_scope = "unit__area"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["review_id", "unit__kind", "rank"]
        constraints = [models.UniqueConstraint(fields=["review", "unit"], name="plan_result_unique")]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_grade_display()}"

    @property
    def failed(self) -> bool:
        """差, or the year's poverty-alleviation tasks not completed: what the seed's consequences hang on."""
        return self.grade == Grade.POOR or not self.task_completed


class Agreement(models.Model):
    """A yearly responsibility agreement (脱贫攻坚责任书) between the district and a township or unit: it lists the
    unit's tasks of the year (those it leads falling due that year) and is signed on a date."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="agreements", verbose_name=_("规划"))
    year = models.PositiveSmallIntegerField(_("年度"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="agreements", verbose_name=_("责任单位"))
    targets = models.TextField(_("目标任务"), blank=True)
    signed_on = models.DateField(_("签订日期"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    area_scope = "unit__area"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "unit__kind", "unit__code"]
        verbose_name = _("责任书")
        verbose_name_plural = _("责任书")
        constraints = [models.UniqueConstraint(fields=["plan", "year", "unit"], name="plan_agreement_one_per_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.unit}"


class Meeting(models.Model):
    """A meeting the plan requires (三（二）): quarterly standing-committee and executive meetings on poverty
    alleviation, quarterly dispatch meetings of the responsible units, quarterly consultations; minutes and
    decisions (which become tasks)."""

    class Kind(models.TextChoices):
        STANDING = "standing", _("区委常委会、政府常务会专题会议")
        DISPATCH = "dispatch", _("区直责任单位调度会")
        CONSULTATION = "consultation", _("季度会商")
        CONFERENCE = "conference", _("推进大会、现场观摩")

    QUARTERLY = (Kind.STANDING, Kind.DISPATCH, Kind.CONSULTATION)

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("规划"))
    kind = models.CharField(_("会议类别"), max_length=14, choices=Kind.choices)
    held_on = models.DateField(_("召开日期"))
    title = models.CharField(_("会议名称"), max_length=200)
    minutes = models.TextField(_("会议纪要"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    is_demo = models.BooleanField(default=False)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("会议")
        verbose_name_plural = _("会议")

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.title}"


class Survey(models.Model):
    """A satisfaction survey (群众满意度调查) of a township's residents or a department's service users in a year;
    its share of satisfied answers is the unit's satisfaction score in the yearly review."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="surveys", verbose_name=_("规划"))
    year = models.PositiveSmallIntegerField(_("年度"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("被调查单位"))
    method = models.CharField(_("调查方式"), max_length=100, default="入户问卷")
    respondents = models.PositiveIntegerField(_("有效样本数"))
    satisfied = models.PositiveIntegerField(_("满意（含基本满意）"))
    held_on = models.DateField(_("调查日期"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    area_scope = "unit__area"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "unit_id", "-held_on"]
        verbose_name = _("满意度调查")
        verbose_name_plural = _("满意度调查")
        constraints = [
            models.CheckConstraint(condition=models.Q(respondents__gt=0), name="plan_survey_has_respondents"),
            models.CheckConstraint(condition=models.Q(satisfied__lte=models.F("respondents")),
                                   name="plan_survey_satisfied_within_respondents"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.unit} {self.satisfied}/{self.respondents}"
