"""Help measures (精准帮扶): programmes as data, the measures ledger, suggestion decisions and the
爱心超市 points ledger.

Invariants held by the database: a measure ends on or after it starts; amounts and quantities are
not negative; a household's points balance is never negative (redeeming locks the account row);
a household decides on a programme's suggestion once (accept or dismiss, with a reason).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.models import Department
from fupin.areas.scoping import InsertOnlyScopedQuerySet, ScopedQuerySet
from fupin.core.workflow import StepLedger
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
    scope_through = "household"  # seen by who sees the household (its rule: ADR 0025)
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


class MeasureStep(StepLedger):
    """One step of a measure after it was recorded (delivering, done, cancelled). Insert-only."""

    class Action(models.TextChoices):
        DELIVER = "deliver", _("开始实施")
        COMPLETE = "complete", _("落实")
        CANCEL = "cancel", _("取消")

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="steps", verbose_name=_("帮扶措施"))
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)

    area_scope = "measure__household__village"
    objects = InsertOnlyScopedQuerySet.as_manager()

    class Meta(StepLedger.Meta):
        verbose_name = _("措施办理记录")
        verbose_name_plural = _("措施办理记录")


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
    scope_through = "household"  # seen by who sees the household (its rule: ADR 0025)
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
    scope_through = "household"  # seen by who sees the household (its rule: ADR 0025)
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
    scope_through = "household"  # seen by who sees the household (its rule: ADR 0025)
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


# --- 扶贫小额信贷, 信用评级, 自强之星 (REFERENCE §8.2, §8.10; docs/adr/0015) --------------------------


class Loan(models.Model):
    """A micro-credit loan (扶贫小额信贷) to a household, with the measure that records it in the ledger.

    Invariants held by the database: the amount is positive; the principal repaid is between zero and
    the amount (a repayment locks the loan row); the loan is settled (``settled_on``) exactly when the
    whole principal is repaid; the due date follows the disbursement. The loan's state (正常, 逾期,
    已结清, 展期) is derived from these and the instalments on the day it is read, never stored.
    """

    class Use(models.TextChoices):
        PLANTING = "planting", _("种植业")
        BREEDING = "breeding", _("养殖业")
        PROCESSING = "processing", _("农产品加工")
        TRADE = "trade", _("商贸流通")
        TOURISM = "tourism", _("乡村旅游")
        OTHER = "other_industry", _("其他产业")

    class Method(models.TextChoices):
        BULLET = "bullet", _("到期一次还本")
        ANNUAL = "annual", _("按年等额还本")

    class State(models.TextChoices):
        NORMAL = "normal", _("正常")
        OVERDUE = "overdue", _("逾期")
        SETTLED = "settled", _("已结清")
        EXTENDED = "extended", _("展期")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="loans", verbose_name=_("贫困户"))
    borrower = models.ForeignKey(Member, on_delete=models.RESTRICT, related_name="loans", verbose_name=_("借款人"))
    measure = models.OneToOneField(Measure, on_delete=models.RESTRICT, related_name="loan",
                                   verbose_name=_("帮扶措施"))
    bank = models.CharField(_("放贷银行"), max_length=60)
    contract_no = models.CharField(_("合同编号"), max_length=40, blank=True)
    amount = models.DecimalField(_("贷款金额(元)"), **MONEY)
    term_months = models.PositiveSmallIntegerField(_("期限(月)"))
    interest_rate = models.DecimalField(_("年利率"), max_digits=7, decimal_places=5)
    use = models.CharField(_("用途"), max_length=20, choices=Use.choices)
    method = models.CharField(_("还款方式"), max_length=10, choices=Method.choices, default=Method.BULLET)
    disbursed_on = models.DateField(_("放款日期"))
    due_on = models.DateField(_("到期日期"))
    credit_grade = models.CharField(_("授信时信用等级"), max_length=4, blank=True)
    principal_repaid = models.DecimalField(_("已还本金(元)"), default=0, **MONEY)
    interest_repaid = models.DecimalField(_("已还利息(元)"), default=0, **MONEY)
    settled_on = models.DateField(_("结清日期"), null=True, blank=True)
    extended_on = models.DateField(_("展期日期"), null=True, blank=True)
    original_due_on = models.DateField(_("原到期日期"), null=True, blank=True)
    extension_reason = models.CharField(_("展期原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    is_demo = models.BooleanField(default=False)

    area_scope = "household__village"
    scope_through = "household"  # seen by who sees the household (its rule: ADR 0025)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-disbursed_on", "-pk"]
        verbose_name = _("扶贫小额信贷")
        verbose_name_plural = _("扶贫小额信贷")
        indexes = [models.Index(fields=["household", "settled_on"]), models.Index(fields=["due_on"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="loan_amount_positive"),
            models.CheckConstraint(condition=models.Q(term_months__gt=0), name="loan_term_positive"),
            models.CheckConstraint(condition=models.Q(interest_rate__gte=0), name="loan_rate_not_negative"),
            models.CheckConstraint(condition=models.Q(due_on__gt=models.F("disbursed_on")), name="loan_due_after_disbursal"),
            models.CheckConstraint(condition=models.Q(principal_repaid__gte=0)
                                   & models.Q(principal_repaid__lte=models.F("amount")),
                                   name="loan_repaid_within_amount"),
            models.CheckConstraint(condition=models.Q(interest_repaid__gte=0), name="loan_interest_not_negative"),
            models.CheckConstraint(condition=models.Q(settled_on__isnull=True, principal_repaid__lt=models.F("amount"))
                                   | models.Q(settled_on__isnull=False, principal_repaid=models.F("amount")),
                                   name="loan_settled_when_repaid"),
        ]

    def __str__(self) -> str:
        return f"{self.bank} {self.contract_no or self.pk} · {self.household_id}"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.principal_repaid

    @property
    def rate_percent(self) -> Decimal:
        return self.interest_rate * 100


class LoanInstalment(models.Model):
    """One principal instalment of a loan's schedule; ``cumulative`` is the principal due by this
    instalment, so the first instalment not covered by the principal repaid is the one with
    ``cumulative`` above it (one indexed look-up, no window function)."""

    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveSmallIntegerField(_("期次"))
    due_on = models.DateField(_("应还日期"))
    principal = models.DecimalField(_("应还本金(元)"), **MONEY)
    cumulative = models.DecimalField(_("累计应还本金(元)"), **MONEY)

    class Meta:
        ordering = ["loan", "number"]
        indexes = [models.Index(fields=["loan", "cumulative"])]
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="loan_instalment_unique"),
            models.CheckConstraint(condition=models.Q(principal__gt=0), name="loan_instalment_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} #{self.number} {self.due_on}"


class LoanRepayment(models.Model):
    loan = models.ForeignKey(Loan, on_delete=models.CASCADE, related_name="repayments")
    paid_on = models.DateField(_("还款日期"))
    principal = models.DecimalField(_("本金(元)"), **MONEY)
    interest = models.DecimalField(_("利息(元)"), **MONEY)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    area_scope = "loan__household__village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["paid_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(principal__gte=0) & models.Q(interest__gte=0)
                                   & (models.Q(principal__gt=0) | models.Q(interest__gt=0)),
                                   name="loan_repayment_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.paid_on} {self.principal}+{self.interest}"


class CreditRating(models.Model):
    """A household's credit rating (评级授信, 村评户): grade, date, by whom, valid until. The rating in
    force on a day is the latest one whose period covers it; AAA, AA and A make a 信用户."""

    class Grade(models.TextChoices):
        AAA = "AAA", _("AAA 级信用户")
        AA = "AA", _("AA 级信用户")
        A = "A", _("A 级信用户")
        NONE = "none", _("不予评定")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="credit_ratings",
                                  verbose_name=_("贫困户"))
    grade = models.CharField(_("信用等级"), max_length=4, choices=Grade.choices)
    rated_on = models.DateField(_("评定日期"))
    valid_until = models.DateField(_("有效期至"))
    evaluator = models.CharField(_("评定组织"), max_length=60)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("录入人"))
    created_at = models.DateTimeField(default=timezone.now)
    is_demo = models.BooleanField(default=False)

    area_scope = "household__village"
    scope_through = "household"  # seen by who sees the household (its rule: ADR 0025)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-rated_on", "-pk"]
        indexes = [models.Index(fields=["household", "rated_on"])]
        constraints = [
            models.UniqueConstraint(fields=["household", "rated_on"], name="credit_rating_once_a_day"),
            models.CheckConstraint(condition=models.Q(valid_until__gte=models.F("rated_on")),
                                   name="credit_rating_valid_after_rating"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.grade} {self.rated_on}"


CREDIT_GRADES = (CreditRating.Grade.AAA, CreditRating.Grade.AA, CreditRating.Grade.A)


class AwardCategory(models.Model):
    """A kind of yearly award (自强之星, 星级评定 …), as data; an award of a category with a points rule
    earns that rule's 爱心超市 points."""

    class Kind(models.TextChoices):
        TITLE = "title", _("荣誉称号")
        STARS = "stars", _("星级")

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    kind = models.CharField(_("形式"), max_length=6, choices=Kind.choices)
    max_stars = models.PositiveSmallIntegerField(_("最高星级"), default=5)
    point_rule = models.ForeignKey(PointRule, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="award_categories", verbose_name=_("积分事项"))
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class Award(models.Model):
    """A yearly award to a household: once per category and year (the database holds it)."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="awards",
                                  verbose_name=_("贫困户"))
    category = models.ForeignKey(AwardCategory, on_delete=models.PROTECT, related_name="awards",
                                 verbose_name=_("评定类别"))
    year = models.PositiveSmallIntegerField(_("年度"))
    stars = models.PositiveSmallIntegerField(_("星级"), null=True, blank=True)
    title = models.CharField(_("称号"), max_length=60)
    reason = models.CharField(_("事迹"), max_length=300)
    awarded_on = models.DateField(_("授予日期"))
    approving_unit = models.CharField(_("批准单位"), max_length=60)
    point_entry = models.OneToOneField(PointEntry, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="award")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    is_demo = models.BooleanField(default=False)

    area_scope = "household__village"
    scope_through = "household"  # seen by who sees the household (its rule: ADR 0025)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-awarded_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["household", "category", "year"], name="award_once_a_year"),
            models.CheckConstraint(condition=models.Q(stars__isnull=True) | models.Q(stars__gte=1),
                                   name="award_stars_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.title}"
