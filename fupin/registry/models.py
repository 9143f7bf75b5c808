"""The registry (建档立卡): households, members, yearly incomes.

Invariants held by the database:
- one head (户主) per household; an ID number belongs to one member in the whole registry;
- one income row per household and year; amounts are never negative;
- a household outside the register (一般农户, a monitored candidate) has no workflow state.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fupin.accounts.access import can
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.areas.scoping import NO_ROWS, InsertOnlyScopedQuerySet, ScopedQuerySet, visibility_of
from fupin.core import idnumber, sealed
from fupin.core.actors import Viewer
from fupin.core.sealed import BlindIndexField, SealedField
from fupin.core.workflow import InsertOnlyModel
from fupin.registry import codes
from fupin.registry.selections import members_selected

CENT = Decimal("0.01")
VERSION_MAX = 2_147_483_647
"""The largest ``Household.version`` (a PositiveIntegerField on both engines): a form or an API body naming a larger
one is refused as it is parsed, never sent to the database (where it would overflow)."""


def _and(base: models.Q | None, condition: models.Q) -> models.Q:
    return condition if base is None else base & condition


class HouseholdQuerySet(ScopedQuerySet["Household"]):
    """Households in the user's areas; for a department officer, only those with a member its programmes
    serve (``User.member_selections``, ADR 0025)."""

    @classmethod
    def visibility(cls, model: type[models.Model], user: Viewer | None, prefix: str = "") -> models.Q | None:
        base = super().visibility(model, user, prefix)
        selections = getattr(user, "member_selections", None)
        if selections is None or base == NO_ROWS or "all" in selections:
            return base
        if not selections:
            return NO_ROWS
        served = Member.objects.filter(members_selected(selections, timezone.localdate())).values("household_id")
        return _and(base, models.Q(**{f"{prefix}pk__in": served}))


class MemberQuerySet(ScopedQuerySet["Member"]):
    """Members in the user's areas; for a department officer, only the members its programmes serve."""

    @classmethod
    def visibility(cls, model: type[models.Model], user: Viewer | None, prefix: str = "") -> models.Q | None:
        base = super().visibility(model, user, prefix)
        selections = getattr(user, "member_selections", None)
        if selections is None or base == NO_ROWS:
            return base
        return _and(base, members_selected(selections, timezone.localdate(), prefix))


class IncomeQuerySet(ScopedQuerySet["IncomeRecord"]):
    """Income lines of the households the user sees, for readers of incomes only."""

    @classmethod
    def visibility(cls, model: type[models.Model], user: Viewer | None, prefix: str = "") -> models.Q | None:
        if not can(user, Cap.SEES_INCOMES):
            return NO_ROWS
        return visibility_of(Household, user, f"{prefix}household__")


class CodeLabels(models.Model):
    """``get_<field>_display`` in the viewer's language. The registry's code labels (``codes``) are the import
    template's Chinese values, which the import, the export and the blank template need as they are; the English
    catalogue translates them where they are shown."""

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: models.Field) -> str:  # type: ignore[type-arg]
        shown = str(super()._get_FIELD_display(field))  # type: ignore[misc]
        return gettext(shown) if shown else shown


class Household(CodeLabels):
    class Status(models.TextChoices):
        APPLIED = "applied", _("申请")
        VILLAGE_REVIEWED = "village_reviewed", _("村级评议")
        TOWNSHIP_REVIEWED = "township_reviewed", _("乡镇审核")
        REGISTERED = "registered", _("建档立卡(未脱贫)")
        EXIT_PROPOSED = "exit_proposed", _("拟退出")
        EXITED = "exited", _("已脱贫")
        RETURNED = "returned", _("返贫")
        REMOVED = "removed", _("已剔除")

    household_no = models.CharField(_("户编号"), max_length=32, unique=True)
    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="households", verbose_name=_("行政村"))
    attribute = models.CharField(_("户属性"), max_length=20, choices=codes.Attribute.choices)
    main_cause = models.CharField(_("主要致贫原因"), max_length=20, choices=codes.Cause.choices, blank=True)
    other_causes = models.JSONField(_("其他致贫原因"), default=list, blank=True)
    identified_year = models.PositiveSmallIntegerField(_("识别年度"), null=True, blank=True)
    # NULL, not "": a monitored candidate (一般农户) has no workflow state at all.
    status = models.CharField(  # noqa: DJ001
        _("状态"), max_length=20, choices=Status.choices, null=True, blank=True, db_index=True
    )
    exit_year = models.PositiveSmallIntegerField(_("脱贫年度"), null=True, blank=True)
    food_secure = models.BooleanField(_("不愁吃"), null=True, blank=True)
    clothing_secure = models.BooleanField(_("不愁穿"), null=True, blank=True)
    housing_grade = models.CharField(_("住房安全等级"), max_length=1, choices=codes.HousingGrade.choices, blank=True)
    housing_renovated = models.BooleanField(_("危房改造"), null=True, blank=True)
    relocated = models.BooleanField(_("易地搬迁"), null=True, blank=True)
    safe_water = models.BooleanField(_("饮水安全"), null=True, blank=True)
    phone = SealedField(_("联系电话"), plain_max_length=20, blank=True)
    address = models.CharField(_("家庭住址"), max_length=100, blank=True, default="", db_default="")
    # Where the household's subsidies are paid (一卡通): personal data, sealed at rest like the phone (ADR 0024).
    bank_name = models.CharField(_("开户银行"), max_length=50, blank=True, default="", db_default="")
    bank_account = SealedField(_("银行账号"), plain_max_length=30, blank=True, default="", db_default="")
    is_demo = models.BooleanField(_("演示数据"), default=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Raised by every write to the household, its members or its incomes (edit, import, loop): an edit carries the
    # version it was made on and is refused when it is no longer the current one (ADR 0026).
    version = models.PositiveIntegerField(_("版本"), default=1, db_default=1)

    area_scope = "village"
    objects = HouseholdQuerySet.as_manager()
    member_total: int  # the household's size, annotated by ``registry.selectors.household_get``

    class Meta:
        ordering = ["household_no"]
        verbose_name = _("贫困户")
        verbose_name_plural = _("贫困户")
        indexes = [models.Index(fields=["village", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(exit_year__isnull=True) | models.Q(identified_year__isnull=True)
                | models.Q(exit_year__gte=models.F("identified_year")),
                name="household_exit_after_identification",
            ),
            models.CheckConstraint(
                condition=~models.Q(attribute=codes.Attribute.ORDINARY) | models.Q(status__isnull=True)
                | ~models.Q(status__in=["registered", "exit_proposed", "exited", "returned"]),
                name="household_candidate_not_registered",
            ),
        ]

    def __str__(self) -> str:
        return self.household_no

    @property
    def poverty_status_label(self) -> str:
        """The template's 脱贫状态, derived from the workflow state."""
        return poverty_status_of(self.status)


def poverty_status_of(status: str | None) -> str:
    """The template's 脱贫状态 for a workflow state (a plain value, so exports need no instances)."""
    if status == Household.Status.EXITED:
        return "已脱贫"
    if status == Household.Status.RETURNED:
        return "返贫"
    if status in (Household.Status.REGISTERED, Household.Status.EXIT_PROPOSED):
        return "未脱贫"
    return "非贫困户"


class CurrentMemberManager(models.Manager["Member"]):
    """``Member.objects``: the household's members today. A member who left (died, married out, moved out) keeps
    their row, with ``removed_on`` (their measures, loans and history still point at it); they are read through
    ``Member.everyone``. Related managers (``household.members``) and prefetches use this one."""

    def get_queryset(self) -> MemberQuerySet:
        return MemberQuerySet(self.model, using=self._db).filter(removed_on__isnull=True)

    def visible_to(self, user: Viewer | None) -> ScopedQuerySet[Member]:
        return self.get_queryset().visible_to(user)


class Member(CodeLabels):
    class Removal(models.TextChoices):
        """Why a member left the household (自然减少 and the others, REFERENCE.md)."""

        DEATH = "death", _("死亡")
        MARRIED_OUT = "married_out", _("婚嫁迁出")
        MOVED_OUT = "moved_out", _("户籍迁出")
        OTHER = "other", _("其他自然减少")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("姓名"), max_length=30, db_index=True)  # searched by its start (张, 张三)
    name_pinyin = models.CharField(max_length=200, blank=True, db_index=True)
    name_initials = models.CharField(max_length=60, blank=True, db_index=True)
    id_number = SealedField(_("身份证号"), plain_max_length=18, index="id_index")
    # Keyed indexes of the sealed number (ADR 0024): the whole number (unique), and the parts search finds.
    id_index = BlindIndexField(source="id_number", kind=sealed.ID, db_index=True)  # unique among current members
    id_head6 = BlindIndexField(source="id_number", kind=sealed.ID_HEAD6, max_length=sealed.PART_HEX, db_index=True)
    id_head10 = BlindIndexField(source="id_number", kind=sealed.ID_HEAD10, max_length=sealed.PART_HEX, db_index=True)
    id_tail6 = BlindIndexField(source="id_number", kind=sealed.ID_TAIL6, max_length=sealed.PART_HEX, db_index=True)
    sex = models.CharField(_("性别"), max_length=1, choices=[("M", _("男")), ("F", _("女"))])
    birth_date = models.DateField(_("出生日期"))
    relation = models.CharField(_("与户主关系"), max_length=20, choices=codes.Relation.choices)
    ethnicity = models.CharField(_("民族"), max_length=10, blank=True)
    education = models.CharField(_("文化程度"), max_length=20, choices=codes.Education.choices, blank=True)
    schooling = models.CharField(_("在校生状况"), max_length=25, choices=codes.Schooling.choices, blank=True)
    home_schooling = models.BooleanField(_("送教上门"), null=True, blank=True)
    health = models.CharField(_("健康状况"), max_length=10, choices=codes.Health.choices, blank=True)
    disability_level = models.CharField(_("残疾等级"), max_length=1, choices=codes.DisabilityLevel.choices, blank=True)
    labour = models.CharField(_("劳动能力"), max_length=10, choices=codes.Labour.choices, blank=True)
    work_location = models.CharField(_("务工状况"), max_length=20, choices=codes.WorkLocation.choices, blank=True)
    work_months = models.PositiveSmallIntegerField(_("务工时间(月)"), null=True, blank=True)
    medical_insurance = models.BooleanField(_("参加基本医保"), null=True, blank=True)
    serious_illness_insurance = models.BooleanField(_("参加大病保险"), null=True, blank=True)
    pension_insurance = models.BooleanField(_("参加养老保险"), null=True, blank=True)
    dibao = models.BooleanField(_("享受低保"), null=True, blank=True)
    extreme_poverty_support = models.BooleanField(_("特困供养"), null=True, blank=True)
    removed_on = models.DateField(_("减少日期"), null=True, blank=True)
    removal_reason = models.CharField(_("减少原因"), max_length=20, choices=Removal.choices, blank=True,
                                      default="", db_default="")

    area_scope = "household__village"
    scope_through = "household"  # seen by who sees the household (its rule: ADR 0025)
    objects = CurrentMemberManager()
    everyone = MemberQuerySet.as_manager()
    """Current members and those who left."""

    class Meta:
        ordering = ["household_id", "pk"]
        base_manager_name = "everyone"
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        constraints = [
            # An ID number belongs to one current member in the whole registry; a person who left one household
            # (married out) may be a member of another.
            models.UniqueConstraint(fields=["id_index"], condition=models.Q(removed_on__isnull=True),
                                    name="member_one_current_per_id"),
            models.CheckConstraint(condition=models.Q(removed_on__isnull=True) | ~models.Q(removal_reason=""),
                                   name="member_removed_has_reason"),
            models.UniqueConstraint(fields=["household"],
                                    condition=models.Q(relation="head", removed_on__isnull=True),
                                    name="member_one_head_per_household"),
            models.CheckConstraint(condition=models.Q(work_months__isnull=True) | models.Q(work_months__lte=12),
                                   name="member_work_months_0_12"),
            models.CheckConstraint(condition=~models.Q(health="disabled") | ~models.Q(disability_level=""),
                                   name="member_disabled_has_level"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id(self) -> str:
        return idnumber.mask(self.id_number)

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        return years - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))


class IncomeRecord(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="incomes")
    year = models.PositiveSmallIntegerField(_("年度"))
    wage_income = models.DecimalField(_("工资性收入"), max_digits=12, decimal_places=2)
    business_income = models.DecimalField(_("生产经营性收入"), max_digits=12, decimal_places=2)
    property_income = models.DecimalField(_("财产性收入"), max_digits=12, decimal_places=2)
    transfer_income = models.DecimalField(_("转移性收入"), max_digits=12, decimal_places=2)
    business_expense = models.DecimalField(_("生产经营性支出"), max_digits=12, decimal_places=2)
    medical_out_of_pocket = models.DecimalField(_("医疗自付支出"), max_digits=12, decimal_places=2, null=True, blank=True)
    education_expense = models.DecimalField(_("教育支出"), max_digits=12, decimal_places=2, null=True, blank=True)
    disaster_loss = models.DecimalField(_("灾害损失"), max_digits=12, decimal_places=2, null=True, blank=True)

    area_scope = "household__village"
    scope_through = "household"  # seen by who sees the household (its rule: ADR 0025)
    objects = IncomeQuerySet.as_manager()

    AMOUNT_FIELDS = ("wage_income", "business_income", "property_income", "transfer_income", "business_expense",
                     "medical_out_of_pocket", "education_expense", "disaster_loss")

    class Meta:
        ordering = ["household_id", "year"]
        verbose_name = _("收支情况")
        verbose_name_plural = _("收支情况")
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="income_one_row_per_household_year"),
            models.CheckConstraint(condition=models.Q(year__gte=2013, year__lte=2030), name="income_year_range"),
        ] + [
            models.CheckConstraint(condition=models.Q(**{f"{f}__gte": 0}) | models.Q(**{f"{f}__isnull": True}),
                                   name=f"income_{f}_not_negative")
            for f in ("wage_income", "business_income", "property_income", "transfer_income", "business_expense",
                      "medical_out_of_pocket", "education_expense", "disaster_loss")
        ]

    def __str__(self) -> str:
        return f"{self.household_id}/{self.year}"

    @property
    def net_income(self) -> Decimal:
        return (self.wage_income + self.business_income + self.property_income + self.transfer_income
                - self.business_expense)

    def per_capita(self, members: int) -> Decimal:
        return (self.net_income / members).quantize(CENT, rounding=ROUND_HALF_UP)


class Change(InsertOnlyModel):
    """One changed value of the registry (变更记录, ADR 0026): who, when, which field of which row, from what to what,
    since when it holds, why and from where. Insert-only; written by every way the registry changes (page, API,
    import, a loop from another module), in the transaction of the change.

    A row is the household's (``member`` and ``year`` empty), a member's (``member``) or an income line's
    (``year``). ``field`` "*" is the row itself: created (``old`` empty) with its values as ``new``. A member's
    leaving is the change of its ``removed_on`` and ``removal_reason``. ``old``/``new`` hold stored values (codes,
    not labels; a sealed field's sealed text). ``batch`` groups the rows of one save or one import."""

    class Event(models.TextChoices):
        EDIT = "edit", _("信息变更")
        APPLICANT = "applicant", _("新增申请户")
        BIRTH = "birth", _("新生儿")
        MARRIED_IN = "married_in", _("婚入")
        MOVED_IN = "moved_in", _("迁入")
        REMOVED = "removed", _("成员减少")
        HEAD_CHANGE = "head_change", _("变更户主")
        INCOME = "income", _("收支情况")
        IMPORT = "import", _("模板导入")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="changes",
                                  verbose_name=_("贫困户"))
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.CASCADE, related_name="changes",
                               verbose_name=_("家庭成员"))
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    field = models.CharField(_("字段"), max_length=40)
    old = models.JSONField(_("原值"), null=True, blank=True)
    new = models.JSONField(_("新值"), null=True, blank=True)
    valid_from = models.DateField(_("生效日期"))
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("操作人"))
    event = models.CharField(_("变更类型"), max_length=20, choices=Event.choices)
    reason = models.CharField(_("变更原因"), max_length=200, blank=True)
    source = models.CharField(_("来源"), max_length=40)
    batch = models.UUIDField(_("批次"), db_index=True)

    area_scope = "household__village"
    scope_through = "household"  # seen by who sees the household (its rule: ADR 0025)
    objects = InsertOnlyScopedQuerySet.as_manager()

    class Meta:
        ordering = ["household_id", "-recorded_at", "-pk"]
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        indexes = [models.Index(fields=["household", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.household_id}.{self.field}@{self.valid_from}"


class HelperAssignment(models.Model):
    """A household's helper (帮扶责任人), with history.

    Invariants held by the database: at most one current helper per household (the one with no
    ``ends_on``); an ended assignment ends on or after the day it started. A replacement ends the
    previous assignment on the day the new one starts (the handover day).
    """

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="helper_assignments",
                                  verbose_name=_("贫困户"))
    name = models.CharField(_("帮扶责任人"), max_length=30)
    department = models.ForeignKey("accounts.Department", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("所在部门"))
    unit = models.CharField(_("工作单位"), max_length=100, blank=True)
    phone = SealedField(_("联系电话"), plain_max_length=20, blank=True)
    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("系统账号"))
    starts_on = models.DateField(_("帮扶开始"))
    ends_on = models.DateField(_("帮扶结束"), null=True, blank=True)
    end_note = models.CharField(_("结束说明"), max_length=200, blank=True)

    area_scope = "household__village"
    scope_through = "household"  # seen by who sees the household (its rule: ADR 0025)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["household_id", "-starts_on", "-pk"]
        verbose_name = _("帮扶责任人")
        verbose_name_plural = _("帮扶责任人")
        constraints = [
            models.UniqueConstraint(fields=["household"], condition=models.Q(ends_on__isnull=True),
                                    name="helper_one_current_per_household"),
            models.CheckConstraint(condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                                   name="helper_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_current(self) -> bool:
        return self.ends_on is None

    @property
    def unit_label(self) -> str:
        return self.unit or (self.department.name if self.department_id and self.department else "")


class WorkTeam(models.Model):
    """A resident work team (驻村工作队) dispatched to a village by a unit, for a period."""

    village = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="work_teams", verbose_name=_("行政村"))
    dispatching_unit = models.CharField(_("派驻单位"), max_length=100)
    department = models.ForeignKey("accounts.Department", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("派驻部门"))
    starts_on = models.DateField(_("派驻开始"))
    ends_on = models.DateField(_("派驻结束"), null=True, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    area_scope = "village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["village_id", "-starts_on", "-pk"]
        verbose_name = _("驻村工作队")
        verbose_name_plural = _("驻村工作队")
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                                   name="workteam_ends_after_start"),
            models.UniqueConstraint(fields=["village"], condition=models.Q(ends_on__isnull=True),
                                    name="workteam_one_current_per_village"),
        ]

    def __str__(self) -> str:
        return f"{self.village} · {self.dispatching_unit}"

    @property
    def is_current(self) -> bool:
        return self.ends_on is None


class WorkTeamMember(models.Model):
    """A member of a work team. At most one current (no ``ends_on``) 第一书记 per team, held by the database."""

    class Role(models.TextChoices):
        FIRST_SECRETARY = "first_secretary", _("第一书记")
        LEADER = "leader", _("队长")
        MEMBER = "member", _("队员")

    team = models.ForeignKey(WorkTeam, on_delete=models.CASCADE, related_name="members", verbose_name=_("工作队"))
    name = models.CharField(_("姓名"), max_length=30)
    unit = models.CharField(_("工作单位"), max_length=100, blank=True)
    role = models.CharField(_("职务"), max_length=20, choices=Role.choices)
    phone = SealedField(_("联系电话"), plain_max_length=20, blank=True)
    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("系统账号"))
    starts_on = models.DateField(_("驻村开始"))
    ends_on = models.DateField(_("驻村结束"), null=True, blank=True)

    area_scope = "team__village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["team_id", "role", "-starts_on", "pk"]  # role codes sort 第一书记, 队长, 队员
        verbose_name = _("工作队员")
        verbose_name_plural = _("工作队员")
        constraints = [
            models.UniqueConstraint(fields=["team"], condition=models.Q(role="first_secretary", ends_on__isnull=True),
                                    name="workteam_one_current_first_secretary"),
            models.CheckConstraint(condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                                   name="workteam_member_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"

    @property
    def is_current(self) -> bool:
        return self.ends_on is None


class ProposedChange(models.Model):
    """A change of the registry that another module's work implies (a loop, ADR 0026 §4): a confirmed cross-check
    finding, a finished help measure. It is offered on the household's file and applied by a person in one step
    through the editing services (:func:`fupin.registry.proposals.proposal_apply`: the same rules, the same history,
    with ``source`` naming the origin), or dismissed with a reason; never applied silently.

    ``payload`` is what the editing service takes: for ``household_update`` and ``member_update`` the values keyed by
    model field names (codes, booleans), for ``member_remove`` ``{"reason_code": …}``. ``label`` is the Chinese text
    of what the source found, a message of the translation catalogue (shown in the viewer's language). Invariants
    held by the database: at most one open proposal of a kind per source and household; a decided proposal has the
    time it was decided."""

    class Kind(models.TextChoices):
        HOUSEHOLD_UPDATE = "household_update", _("户信息变更")
        MEMBER_UPDATE = "member_update", _("成员信息变更")
        MEMBER_REMOVE = "member_remove", _("成员减少")

    class State(models.TextChoices):
        OPEN = "open", _("待处理")
        APPLIED = "applied", _("已应用")
        DISMISSED = "dismissed", _("不采纳")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="proposals",
                                  verbose_name=_("贫困户"))
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.CASCADE, related_name="proposals",
                               verbose_name=_("家庭成员"))
    kind = models.CharField(_("变更类型"), max_length=20, choices=Kind.choices)
    payload = models.JSONField(_("变更内容"), default=dict)
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=40)
    label = models.CharField(_("说明"), max_length=200)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("处理人"))
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_note = models.CharField(_("处理说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("提出时间"), default=timezone.now)

    area_scope = "household__village"
    scope_through = "household"  # seen by who sees the household (its rule: ADR 0025)
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["household_id", "-created_at", "-pk"]
        verbose_name = _("变更建议")
        verbose_name_plural = _("变更建议")
        indexes = [models.Index(fields=["household", "state"]), models.Index(fields=["source"])]
        constraints = [
            models.UniqueConstraint(fields=["source", "household", "kind"], condition=models.Q(state="open"),
                                    name="proposal_one_open_per_source_kind"),
            models.CheckConstraint(condition=models.Q(state="open") | models.Q(decided_at__isnull=False),
                                   name="proposal_decided_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id}:{self.kind}@{self.source}"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    @property
    def label_display(self) -> str:
        return gettext(self.label)

    @property
    def source_kind(self) -> str:
        """The kind of the origin: ``finding``, ``measure``, … (the part of ``source`` before the colon)."""
        return self.source.partition(":")[0]

    @property
    def source_id(self) -> int | None:
        tail = self.source.partition(":")[2]
        return int(tail) if tail.isdigit() else None

    def values_display(self) -> list[tuple[str, str]]:
        """(field label, new value) of each change the proposal makes, in the viewer's language."""
        if self.kind == self.Kind.MEMBER_REMOVE:
            reason = str(self.payload.get("reason_code", ""))
            return [(str(Member._meta.get_field("removal_reason").verbose_name),
                     gettext(str(dict(Member.Removal.choices).get(reason, reason))))]
        model: type[models.Model] = Household if self.kind == self.Kind.HOUSEHOLD_UPDATE else Member
        shown = []
        for name, value in self.payload.items():
            field = model._meta.get_field(name)
            shown.append((str(getattr(field, "verbose_name", name)), _value_display(field, value)))
        return shown


def _value_display(field: Any, value: Any) -> str:
    """A stored value as a page shows it: a code by its label, a flag as 是/否, blank as —."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("是") if value else gettext("否")
    if field.choices:
        return gettext(str(dict(field.flatchoices).get(value, value)))
    return str(value)
