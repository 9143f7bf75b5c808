"""Policy parameter versions and exit-assessment runs (RULES.md §1–§2).

Every run keeps the year, the parameter values used and the rule-set version, and per household
the facts used, each indicator's outcome and reason, and the verdict, so a decision can be
replayed. Outcomes are columns (not JSON) so dashboards and poverty measures can count them in SQL.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.areas.models import Area
from fupin.areas.scoping import ScopedQuerySet
from fupin.registry.models import Household


class PolicyVersion(models.Model):
    """One version of the parameter set of a year, platform-wide (region NULL) or for a region."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    year = models.PositiveSmallIntegerField(_("年度"))
    region = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("适用区域"))
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    values = models.JSONField(_("参数值"), default=dict)
    reason = models.CharField(_("修订说明"), max_length=500)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["year", "region_id", "-number"]
        verbose_name = _("政策参数版本")
        verbose_name_plural = _("政策参数版本")
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], condition=models.Q(region__isnull=True),
                                    name="policy_version_number_unique"),
            models.UniqueConstraint(fields=["year", "region", "number"], condition=models.Q(region__isnull=False),
                                    name="policy_region_version_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.year} v{self.number}"


class AssessmentRun(models.Model):
    class Scope(models.TextChoices):
        COUNTY = "county", _("全区评估")
        HOUSEHOLD = "household", _("单户评估")
        DRAFT = "draft", _("草稿参数试算")

    year = models.PositiveSmallIntegerField(_("年度"))
    scope = models.CharField(_("范围"), max_length=10, choices=Scope.choices)
    params = models.JSONField(_("所用参数"), default=dict)
    """{"default": {...values...}, "regions": {"<area code>": {...values...}}} as used by the run."""
    policy_versions = models.JSONField(default=list)
    draft = models.ForeignKey(PolicyVersion, null=True, blank=True, on_delete=models.CASCADE, related_name="runs",
                              verbose_name=_("试算的草稿版本"))
    ruleset_version = models.CharField(_("规则版本"), max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    households = models.PositiveIntegerField(default=0)
    totals = models.JSONField(default=dict)
    """Households per verdict."""

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("评估批次")
        verbose_name_plural = _("评估批次")

    def __str__(self) -> str:
        return f"{self.year} #{self.pk}"


class Outcome(models.TextChoices):
    PASS = "PASS", _("达标")
    FAIL = "FAIL", _("未达标")
    UNKNOWN = "UNKNOWN", _("数据缺失")


class Verdict(models.TextChoices):
    EXIT_ELIGIBLE = "EXIT_ELIGIBLE", _("可退出")
    NOT_ELIGIBLE = "NOT_ELIGIBLE", _("不可退出")
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA", _("数据不全")


INDICATORS: tuple[tuple[str, Any], ...] = (
    ("INCOME", _("收入稳定超过扶贫标准")),
    ("FOOD_CLOTHING", _("不愁吃、不愁穿")),
    ("EDUCATION", _("义务教育有保障")),
    ("MEDICAL", _("基本医疗有保障")),
    ("HOUSING", _("住房安全有保障")),
    ("WATER", _("饮水安全有保障")),
)
"""(code, label): labels are lazy translations (Chinese source), rendered in the viewer's language."""
INDICATOR_CODES = tuple(code for code, _label in INDICATORS)
INDICATOR_LABELS = dict(INDICATORS)


class HouseholdAssessment(models.Model):
    # Written only by ``services._store`` from ids read in the same transaction; no database
    # constraint (checking 300,000 rows twice at commit costs PostgreSQL seconds) and no index of
    # their own (the two composite indexes lead with them). Django still cascades deletes.
    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="results", db_index=False,
                            db_constraint=False)
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="assessments",
                                  db_index=False, db_constraint=False)
    year = models.PositiveSmallIntegerField(_("年度"))
    verdict = models.CharField(_("结论"), max_length=20, choices=Verdict.choices)
    failed_codes = models.CharField(max_length=100, blank=True)
    unknown_codes = models.CharField(max_length=100, blank=True)
    members = models.PositiveSmallIntegerField(_("家庭人口"))
    per_capita_income = models.DecimalField(_("人均纯收入"), max_digits=12, decimal_places=2, null=True)
    poverty_line = models.DecimalField(_("扶贫标准"), max_digits=12, decimal_places=2, null=True)
    income = models.CharField(max_length=8, choices=Outcome.choices)
    food_clothing = models.CharField(max_length=8, choices=Outcome.choices)
    education = models.CharField(max_length=8, choices=Outcome.choices)
    medical = models.CharField(max_length=8, choices=Outcome.choices)
    housing = models.CharField(max_length=8, choices=Outcome.choices)
    water = models.CharField(max_length=8, choices=Outcome.choices)
    legacy_reasons = models.JSONField(default=dict, blank=True)
    """Results stored before ADR 0011 only: {indicator code: the Chinese reason sentence}. Later
    results leave it empty; their reasons are rendered from ``facts`` (``fupin.assessment.reasons``)."""
    facts = models.JSONField(default=dict)
    """The facts the rules read and the reasons are rendered from (ADR 0011): members, school-age
    members, net income in cents, the food / clothing / water answers, housing grade, relocation,
    renovation, and under "named" (only when there are some) the members a failing or unknown
    education or medical indicator names. Per-capita income and the line are the columns above;
    the reference date is in the run's parameters."""
    household_version = models.PositiveIntegerField(_("户信息版本"), null=True, blank=True)
    """The ``Household.version`` the facts were read at (ADR 0026 §5): a household whose version is higher now was
    changed after this result, which its file then shows as being reassessed. Empty on results stored before."""

    area_scope = "household__village"
    scope_through = "household"  # seen by who sees the household (its rule: ADR 0025)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("户退出评估结果")
        verbose_name_plural = _("户退出评估结果")
        indexes = [models.Index(fields=["household", "year", "run"], name="assessment_latest_idx"),
                   models.Index(fields=["run", "verdict"], name="assessment_run_verdict_idx")]

    def __str__(self) -> str:
        return f"{self.household_id}/{self.year}: {self.verdict}"

    @property
    def failed(self) -> list[str]:
        return self.failed_codes.split(";") if self.failed_codes else []

    @property
    def unknown(self) -> list[str]:
        return self.unknown_codes.split(";") if self.unknown_codes else []

    @property
    def created_at(self) -> Any:
        return self.run.finished_at or self.run.started_at

    @property
    def outcomes(self) -> dict[str, str]:
        return {code: getattr(self, code.lower()) for code in INDICATOR_CODES}

    def reason_list(self) -> list[Any]:
        """Each indicator's reason (``fupin.assessment.reasons.Reason``) in the active language."""
        from fupin.assessment.reasons import cents, indicator_reasons  # reasons imports this module

        facts = dict(self.facts) | {"per_capita_cents": cents(self.per_capita_income),
                                    "line_cents": cents(self.poverty_line)}
        return indicator_reasons(self.outcomes, facts, self.year, self.legacy_reasons)

    @property
    def reasons(self) -> dict[str, str]:
        """{indicator code: the reason sentence in the active language}."""
        return {r.indicator: r.text for r in self.reason_list()}

    @property
    def indicators(self) -> list[dict[str, Any]]:
        """Per indicator: code, label, outcome, reason (text), reason_code and figures."""
        return [{"code": r.indicator, "label": r.label, "outcome": r.outcome, "reason": r.text,
                 "reason_code": r.code, "figures": r.figures} for r in self.reason_list()]


class PoorVillage(models.Model):
    """A village on the list of poor villages (贫困村), and the year it was declared out of poverty."""

    village = models.OneToOneField(Area, on_delete=models.PROTECT, related_name="poor_village",
                                   verbose_name=_("行政村"))
    designated_year = models.PositiveSmallIntegerField(_("认定年度"))
    exit_year = models.PositiveSmallIntegerField(_("退出年度"), null=True, blank=True)

    area_scope = "village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["village__code"]
        verbose_name = _("贫困村")
        verbose_name_plural = _("贫困村")
        constraints = [models.CheckConstraint(
            condition=models.Q(exit_year__isnull=True) | models.Q(exit_year__gte=models.F("designated_year")),
            name="poor_village_exit_after_designation")]

    def __str__(self) -> str:
        return str(self.village)


class VillageFacts(models.Model):
    """The facts of the village exit standard (REFERENCE.md §2.3, Henan) for one village and year.
    Blank means not recorded (unknown), never no."""

    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("行政村"))
    year = models.PositiveSmallIntegerField(_("年度"))
    population = models.PositiveIntegerField(_("全村人口"), null=True, blank=True)
    hardened_road = models.BooleanField(_("通村公路硬化"), null=True, blank=True)
    bus_service = models.BooleanField(_("通客运班车"), null=True, blank=True)
    safe_water = models.BooleanField(_("饮水安全"), null=True, blank=True)
    power = models.BooleanField(_("生产生活用电"), null=True, blank=True)
    broadband = models.BooleanField(_("通宽带"), null=True, blank=True)
    television = models.BooleanField(_("广播电视户户通"), null=True, blank=True)
    cultural_centre = models.BooleanField(_("综合性文化服务中心"), null=True, blank=True)
    clinic = models.BooleanField(_("标准化卫生室"), null=True, blank=True)
    qualified_doctor = models.BooleanField(_("合格乡村医生"), null=True, blank=True)
    collective_income = models.DecimalField(_("村集体经济收入(元)"), max_digits=12, decimal_places=2, null=True,
                                            blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    area_scope = "village"
    objects = ScopedQuerySet.as_manager()

    FACILITIES = ("hardened_road", "bus_service", "safe_water", "power", "broadband", "television",
                  "cultural_centre", "clinic", "qualified_doctor")

    class Meta:
        ordering = ["village__code", "year"]
        verbose_name = _("村退出指标")
        verbose_name_plural = _("村退出指标")
        constraints = [models.UniqueConstraint(fields=["village", "year"], name="village_facts_one_per_year")]

    def __str__(self) -> str:
        return f"{self.village_id}/{self.year}"


class Target(models.Model):
    """A yearly exit target of the district or a township: people (blank = all remaining) and villages."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("区域"))
    year = models.PositiveSmallIntegerField(_("年度"))
    people = models.PositiveIntegerField(_("脱贫人口目标"), null=True, blank=True,
                                         help_text=_("留空表示剩余贫困人口全部脱贫"))
    villages = models.PositiveIntegerField(_("贫困村退出目标"), default=0)
    source = models.CharField(_("依据"), max_length=200, blank=True)

    area_scope = "area"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["year", "area__code"]
        verbose_name = _("年度目标")
        verbose_name_plural = _("年度目标")
        constraints = [models.UniqueConstraint(fields=["area", "year"], name="target_one_per_area_year")]

    def __str__(self) -> str:
        return f"{self.area_id}/{self.year}"
