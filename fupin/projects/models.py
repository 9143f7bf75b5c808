"""Poverty-alleviation projects, their funds and the assets they form (REFERENCE §7).

A ``Project`` moves through the steps of :mod:`fupin.projects.transitions` (村申报 → 乡镇审核 →
县级审定入库 → 批复实施 → 开工 → 拨付 → 竣工验收 → 报账); ``ProjectStep`` is the insert-only ledger
of every step, money included: fund allocations (资金下达) and payments (拨付) are steps with an
amount and a fund source. Only :func:`fupin.projects.services.project_step` writes steps and the
project's status.

"Spent" (支出) is money paid to the contractor or to a beneficiary; a transfer to a township or a
department (转拨) is not spent (REFERENCE §7.3, the Chongqing expenditure definition). Neither is the
quality deposit (质保金): the share of the contractor's contract that settlement retains until the
warranty period after acceptance has ended; its release (质保金返还) is a payment to the contractor
and is spent from that day.

Invariants held by the database: a project has performance targets (no target, no entry); budget
amounts are not negative; a money step (allocation, payment, deposit release) has a positive amount
and a fund source, other steps have no fund source; only a payment or a deposit release names a payee
kind, and a release names the contractor; a retained deposit is positive and has its release date.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.models import Department
from fupin.areas.models import Area
from fupin.areas.scoping import InsertOnlyScopedQuerySet, ScopedQuerySet
from fupin.core.files import StoredFile, random_upload_name
from fupin.core.workflow import StepLedger
from fupin.notices.models import Notice
from fupin.registry.models import Household

ZERO = Decimal("0.00")
MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2}


class FundSource(models.TextChoices):
    CENTRAL = "central", _("中央财政")
    PROVINCIAL = "provincial", _("省级财政")
    CITY = "city", _("市级财政")
    DISTRICT = "district", _("区级财政")
    INTEGRATED = "integrated", _("统筹整合涉农资金")


BUDGET_FIELDS = {s: f"budget_{s}" for s in FundSource.values}
# Steps that move money (amount and fund source), and those of them that are spending when the
# payee is the contractor or a beneficiary (a transfer to a township or department is not).
MONEY_ACTIONS = ("allocate", "pay", "release")
PAYING_ACTIONS = ("pay", "release")
SPENDING_PAYEES = ("contractor", "beneficiary")


class Project(models.Model):
    class Category(models.TextChoices):
        INDUSTRY = "industry", _("产业发展")
        INFRASTRUCTURE = "infrastructure", _("基础设施")
        DRINKING_WATER = "drinking_water", _("饮水安全")
        EMPLOYMENT = "employment", _("就业扶贫")
        EDUCATION = "education", _("教育扶贫")
        HEALTH = "health", _("健康扶贫")
        HOUSING = "housing", _("危房改造")
        RELOCATION = "relocation", _("易地搬迁")
        OTHER = "other", _("其他")

    class Nature(models.TextChoices):
        NEW = "new", _("新建")
        EXPANSION = "expansion", _("扩建")
        RENOVATION = "renovation", _("改建")
        REPAIR = "repair", _("维修")
        PURCHASE = "purchase", _("购置")
        SUBSIDY = "subsidy", _("补助")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("村级申报")
        TOWNSHIP_REVIEWED = "township_reviewed", _("乡镇审核")
        PLANNED = "planned", _("县级审定入库")
        APPROVED = "approved", _("批复实施")
        STARTED = "started", _("已开工")
        ACCEPTED = "accepted", _("已验收")
        SETTLED = "settled", _("已报账")
        WITHDRAWN = "withdrawn", _("已出库")

    year = models.PositiveSmallIntegerField(_("计划年度"), db_index=True)
    name = models.CharField(_("项目名称"), max_length=200)
    category = models.CharField(_("项目类别"), max_length=20, choices=Category.choices)
    nature = models.CharField(_("建设性质"), max_length=20, choices=Nature.choices)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="projects", verbose_name=_("实施地点"))
    location = models.CharField(_("具体位置"), max_length=200, blank=True)
    planned_start = models.DateField(_("计划开工"))
    planned_end = models.DateField(_("计划完工"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="projects",
                                   verbose_name=_("责任单位"))
    tasks = models.TextField(_("建设任务"))
    budget_central = models.DecimalField(_("中央财政"), default=ZERO, **MONEY)
    budget_provincial = models.DecimalField(_("省级财政"), default=ZERO, **MONEY)
    budget_city = models.DecimalField(_("市级财政"), default=ZERO, **MONEY)
    budget_district = models.DecimalField(_("区级财政"), default=ZERO, **MONEY)
    budget_integrated = models.DecimalField(_("统筹整合涉农资金"), default=ZERO, **MONEY)
    benefit_mechanism = models.TextField(_("群众参与和带贫减贫机制"))
    performance_targets = models.TextField(_("绩效目标"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PROPOSED)
    # The amount the county approved for implementation (批复金额); set by the approval and by each
    # re-approval after an overspend. Spending beyond it by more than the policy ratio is refused.
    approved_total = models.DecimalField(_("批复金额"), null=True, blank=True, **MONEY)
    # The quality deposit (质保金) settlement retained from the contractor, and the first day it may be
    # released (acceptance + the warranty months in force at settlement). Both set by the settlement
    # step alone; the release is a step of its own (``ProjectStep.Action.RELEASE``).
    deposit = models.DecimalField(_("质保金"), null=True, blank=True, **MONEY)
    deposit_due = models.DateField(_("质保期满（可返还）日期"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("申报人"))
    created_at = models.DateTimeField(_("申报时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    area_scope = "area"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "pk"]
        verbose_name = _("扶贫项目")
        verbose_name_plural = _("扶贫项目")
        indexes = [models.Index(fields=["status", "year"])]
        constraints = [
            models.CheckConstraint(condition=~models.Q(performance_targets=""), name="project_has_targets"),
            models.CheckConstraint(condition=models.Q(planned_end__gte=models.F("planned_start")),
                                   name="project_schedule_ordered"),
            models.CheckConstraint(
                condition=models.Q(budget_central__gte=0, budget_provincial__gte=0, budget_city__gte=0,
                                   budget_district__gte=0, budget_integrated__gte=0),
                name="project_budget_not_negative"),
            models.CheckConstraint(
                condition=models.Q(deposit__isnull=True, deposit_due__isnull=True)
                | models.Q(deposit__gt=0, deposit_due__isnull=False),
                name="project_deposit_has_due_date"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def number(self) -> str:
        return f"XM{self.year}-{self.pk:05d}"

    @property
    def budget_total(self) -> Decimal:
        return sum((getattr(self, f) for f in BUDGET_FIELDS.values()), ZERO)

    def budget_by_source(self) -> list[tuple[str, str, Decimal]]:
        return [(s, str(FundSource(s).label), getattr(self, f)) for s, f in BUDGET_FIELDS.items()]


class ProjectStep(StepLedger):
    """One step of a project, money included: the project's ``StepLedger`` (ADR 0017). Insert-only
    (the row and the queryset refuse updates and deletes): the trail auditors read."""

    class Action(models.TextChoices):
        PROPOSE = "propose", _("村级申报并公示")
        TOWNSHIP_REVIEW = "township_review", _("乡镇审核并公示")
        COUNTY_APPROVE = "county_approve", _("县级审定入库并公告")
        APPROVE = "approve", _("批复实施并公示")
        START = "start", _("开工")
        ALLOCATE = "allocate", _("资金下达")
        PAY = "pay", _("拨付")
        REAPPROVE = "reapprove", _("追加批复")
        ACCEPT = "accept", _("竣工验收并公告")
        SETTLE = "settle", _("报账")
        ADJUST = "adjust", _("年度调整")
        WITHDRAW = "withdraw", _("出库")
        RELEASE = "release", _("质保金返还")

    class Payee(models.TextChoices):
        CONTRACTOR = "contractor", _("施工/供货单位")
        BENEFICIARY = "beneficiary", _("受益农户")
        TRANSFER = "transfer", _("转拨乡镇/部门(不计支出)")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="steps", verbose_name=_("项目"))
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    on = models.DateField(_("业务日期"), db_index=True)
    amount = models.DecimalField(_("金额"), null=True, blank=True, **MONEY)
    source = models.CharField(_("资金来源"), max_length=20, choices=FundSource.choices, blank=True)
    payee = models.CharField(_("收款方类型"), max_length=20, choices=Payee.choices, blank=True)
    payee_name = models.CharField(_("收款方"), max_length=100, blank=True)
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("受益户"))
    notice = models.ForeignKey(Notice, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("本步发布的公示"))

    area_scope = "project__area"
    objects = InsertOnlyScopedQuerySet.as_manager()

    class Meta(StepLedger.Meta):
        verbose_name = _("项目流程记录")
        verbose_name_plural = _("项目流程记录")
        indexes = [models.Index(fields=["project", "action"]), models.Index(fields=["action", "on"])]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(action__in=MONEY_ACTIONS) & models.Q(amount__gt=0) & ~models.Q(source=""))
                | (~models.Q(action__in=MONEY_ACTIONS) & models.Q(source="")),
                name="projectstep_money_has_amount_and_source"),
            models.CheckConstraint(condition=models.Q(action="pay", payee__in=["contractor", "beneficiary", "transfer"])
                                   | models.Q(action="release", payee="contractor")
                                   | (~models.Q(action__in=PAYING_ACTIONS) & models.Q(payee="")),
                                   name="projectstep_payee_only_on_payment"),
            models.UniqueConstraint(fields=["project"], condition=models.Q(action="release"),
                                    name="projectstep_deposit_released_once"),
        ]

    @property
    def is_spending(self) -> bool:
        return self.action in PAYING_ACTIONS and self.payee in SPENDING_PAYEES


def attachment_path(instance: ProjectAttachment, filename: str) -> str:
    return random_upload_name("projects", filename)


class ProjectAttachment(StoredFile):
    """Documents of a step (contracts, acceptance reports, vouchers, photos of the posted notice)."""

    step = models.ForeignKey(ProjectStep, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=255)

    area_scope = "step__project__area"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["step_id", "pk"]
        verbose_name = _("项目佐证材料")
        verbose_name_plural = _("项目佐证材料")


class Beneficiary(models.Model):
    """A registry household that benefits from a project, and how."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="beneficiaries")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="project_benefits",
                                  verbose_name=_("受益户"))
    benefit = models.CharField(_("受益方式"), max_length=200, blank=True)

    area_scope = "project__area"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project_id", "household__household_no"]
        verbose_name = _("受益户")
        verbose_name_plural = _("受益户")
        constraints = [models.UniqueConstraint(fields=["project", "household"], name="beneficiary_once")]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.household_id}"


class Asset(models.Model):
    """An asset formed by a project (扶贫项目资产, 国办函〔2021〕51号), by class."""

    class Kind(models.TextChoices):
        OPERATING = "operating", _("经营性资产")
        PUBLIC_WELFARE = "public_welfare", _("公益性资产")
        HOUSEHOLD = "household", _("到户类资产")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="assets", verbose_name=_("形成项目"))
    name = models.CharField(_("资产名称"), max_length=200)
    kind = models.CharField(_("资产类别"), max_length=20, choices=Kind.choices)
    value = models.DecimalField(_("资产原值"), **MONEY)
    owner = models.CharField(_("所有权人"), max_length=100)
    custodian = models.CharField(_("管护责任人"), max_length=100)
    formed_on = models.DateField(_("形成日期"))
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("到户农户"))
    created_at = models.DateTimeField(default=timezone.now)

    area_scope = "project__area"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project_id", "pk"]
        verbose_name = _("项目资产")
        verbose_name_plural = _("项目资产")
        constraints = [
            models.CheckConstraint(condition=models.Q(value__gte=0), name="asset_value_not_negative"),
            models.CheckConstraint(condition=~models.Q(kind="household") | models.Q(household__isnull=False),
                                   name="asset_household_kind_names_household"),
        ]

    def __str__(self) -> str:
        return self.name


class AssetPayout(models.Model):
    """Income of an asset distributed to one household in one year (收益分配), on the household's file."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="payouts", verbose_name=_("资产"))
    year = models.PositiveSmallIntegerField(_("年度"))
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="asset_payouts",
                                  verbose_name=_("农户"))
    amount = models.DecimalField(_("分配金额"), **MONEY)
    paid_on = models.DateField(_("发放日期"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    area_scope = "asset__project__area"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["asset_id", "year", "pk"]
        verbose_name = _("资产收益分配")
        verbose_name_plural = _("资产收益分配")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payout_amount_positive"),
            models.UniqueConstraint(fields=["asset", "year", "household"], name="payout_once_a_year"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id}:{self.year}:{self.household_id}"


class PublicSubmission(models.Model):
    """An objection raised on the public pages, for rate limiting: a keyed hash of the sender's
    address (never the address itself) and the time. Rows older than a day are of no use."""

    sender = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("公众提交记录")
        verbose_name_plural = _("公众提交记录")

    def __str__(self) -> str:
        return f"{self.sender[:8]}@{self.at:%Y-%m-%d %H:%M}"
