"""Department lists, cross-check runs and their findings (the work queue).

Invariants held by the database:
- a list row belongs to one load; the latest load of a dataset is the one that counts;
- at most one open (not closed) finding per year, dataset, code, ID number and household
  (``open_key``, a partial unique index): re-running a cross-check cannot duplicate open findings;
- a closed finding has a disposition; a verified or closed one a verification time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.models import Department
from fupin.areas.models import Area
from fupin.areas.scoping import InsertOnlyScopedQuerySet, ScopedQuerySet
from fupin.core import idnumber, sealed
from fupin.core.sealed import BlindIndexField, SealedField
from fupin.core.workflow import StepLedger
from fupin.crosscheck.datasets import FINDING_LABELS, Dataset, Kind
from fupin.registry.models import Household


class ListLoad(models.Model):
    """One load of a department list: the dataset, who handed it over, when, and how many rows."""

    dataset = models.CharField(_("数据集"), max_length=20, choices=Dataset.choices)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="list_loads", verbose_name=_("部门"))
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("所属区域"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("上传人"))
    loaded_at = models.DateTimeField(_("导入时间"), default=timezone.now)
    file_name = models.CharField(_("文件"), max_length=200)
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    rows_left_out = models.PositiveIntegerField(_("未导入行数"), default=0)

    class Meta:
        ordering = ["-loaded_at", "-pk"]
        verbose_name = _("部门名单导入")
        verbose_name_plural = _("部门名单导入")
        indexes = [models.Index(fields=["dataset", "-loaded_at"])]

    def __str__(self) -> str:
        return f"{self.get_dataset_display()} #{self.pk}"


class ListRow(models.Model):
    """One row of a department list. The generic columns are used per dataset (see datasets.SHEETS);
    amounts are integer cents (exact comparisons), ID numbers normalised to 18 characters, upper-case X."""

    id = models.BigAutoField(primary_key=True)
    load = models.ForeignKey(ListLoad, on_delete=models.CASCADE, related_name="rows")
    row_no = models.PositiveIntegerField(_("行号"))
    id_number = SealedField(_("身份证号"), plain_max_length=18, index="id_index")
    id_index = BlindIndexField(source="id_number", kind=sealed.ID)
    name = models.CharField(_("姓名"), max_length=30)
    event_date = models.DateField(null=True, blank=True)
    amount_cents = models.BigIntegerField(null=True, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    text_a = models.CharField(max_length=200, blank=True)
    text_b = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["load_id", "row_no"]
        indexes = [models.Index(fields=["load", "id_index"])]

    def __str__(self) -> str:
        return f"{self.load_id}/{self.row_no}"


class CrosscheckRun(models.Model):
    """One cross-check of the registry against the latest loads: what was used, what was found."""

    year = models.PositiveSmallIntegerField(_("年度"))
    as_of = models.DateField(_("基准日"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    loads = models.JSONField(default=dict, help_text="dataset -> ListLoad id used")
    params = models.JSONField(default=dict)
    counts = models.JSONField(default=dict, help_text="finding code -> findings found by this run")
    found = models.PositiveIntegerField(default=0)
    raised = models.PositiveIntegerField(default=0, help_text="new open findings")
    already_open = models.PositiveIntegerField(default=0)
    kept_closed = models.PositiveIntegerField(default=0, help_text="found again, closed as not confirmed")

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("比对批次")
        verbose_name_plural = _("比对批次")

    def __str__(self) -> str:
        return f"{self.year} #{self.pk}"


class Finding(models.Model):
    """A cross-check finding in the village's work queue: raised → (assigned) → verified → closed."""

    class Status(models.TextChoices):
        OPEN = "open", _("待核实")
        VERIFIED = "verified", _("已核实")
        CLOSED = "closed", _("已办结")

    class Disposition(models.TextChoices):
        CONFIRMED = "confirmed", _("属实，已整改")
        NOT_CONFIRMED = "not_confirmed", _("不属实")

    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    dataset = models.CharField(_("数据集"), max_length=20, choices=Dataset.choices)
    code = models.CharField(_("比对结果"), max_length=30)
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices)
    id_number = SealedField(_("身份证号"), plain_max_length=18, index="id_index")
    id_index = BlindIndexField(source="id_number", kind=sealed.ID, db_index=True)
    list_name = models.CharField(_("名单姓名"), max_length=30, blank=True)
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="crosscheck_findings", verbose_name=_("户"))
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属村"))
    detail = models.CharField(_("说明"), max_length=300, blank=True)
    run = models.ForeignKey(CrosscheckRun, on_delete=models.PROTECT, related_name="findings",
                            help_text="the run that raised it")
    last_run = models.ForeignKey(CrosscheckRun, on_delete=models.PROTECT, related_name="+",
                                 help_text="the latest run that found it while it was not closed")
    load = models.ForeignKey(ListLoad, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    open_key = models.CharField(max_length=100)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    raised_at = models.DateTimeField(_("发现时间"), default=timezone.now)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("核实人"))
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    verification_note = models.TextField(_("核实情况"), blank=True)
    disposition = models.CharField(_("处理结果"), max_length=15, choices=Disposition.choices, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    note = models.TextField(_("办结说明"), blank=True)

    area_scope = "area"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = _("比对疑点")
        verbose_name_plural = _("比对疑点")
        indexes = [models.Index(fields=["year", "status"]), models.Index(fields=["area", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["open_key"], condition=~models.Q(status="closed"),
                                    name="finding_one_open_per_key"),
            models.CheckConstraint(condition=~models.Q(status="closed") | ~models.Q(disposition=""),
                                   name="finding_closed_has_disposition"),
            models.CheckConstraint(condition=models.Q(status="open") | models.Q(verified_at__isnull=False),
                                   name="finding_verified_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {idnumber.mask(self.id_number)}"

    @property
    def code_label(self) -> str:
        return str(FINDING_LABELS.get(self.code, self.code))

    @property
    def masked_id(self) -> str:
        return idnumber.mask(self.id_number)


class FindingStep(StepLedger):
    """One step of a finding in the work queue (assigned, verified, closed). Insert-only."""

    class Action(models.TextChoices):
        ASSIGN = "assign", _("分派")
        VERIFY = "verify", _("登记核实")
        CLOSE = "close", _("办结")

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="steps", verbose_name=_("比对疑点"))
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)

    area_scope = "finding__area"
    objects = InsertOnlyScopedQuerySet.as_manager()

    class Meta(StepLedger.Meta):
        verbose_name = _("疑点办理记录")
        verbose_name_plural = _("疑点办理记录")


def open_key(year: int, dataset: str, code: str, id_number: str, household_id: int | None) -> str:
    """The key that may be open only once (a finding found again while open is not raised again); it names
    the ID number by its keyed index, never in clear (ADR 0024)."""
    return f"{year}:{dataset}:{code}:{sealed.blind(sealed.ID, id_number)}:{household_id or '-'}"
