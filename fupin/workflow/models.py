"""The household workflow's ledger: one insert-only row per step, with its evidence.

``HouseholdTransition`` is the household's ``StepLedger`` (ADR 0017): written only by the workflow
core, through :func:`fupin.workflow.services.household_transition`, together with the household's
new state, the notice the step publishes and an audit entry. The rows are the timeline on the
household page and the source of workflow statistics; they are never updated or deleted (the row
and the queryset refuse it; they go only with their household).

Invariants held by the database: a removal carries a reason (自然减少 or 错评剔除) and no other step
does; an exit proposal names who signed the household's consent (户认可).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.areas.scoping import InsertOnlyScopedQuerySet, ScopedQuerySet
from fupin.assessment.models import HouseholdAssessment
from fupin.core.files import StoredFile, random_upload_name
from fupin.core.workflow import StepLedger
from fupin.notices.models import Notice
from fupin.registry.models import Household


class HouseholdTransition(StepLedger):
    class Action(models.TextChoices):
        APPLY = "apply", _("农户申请")
        VILLAGE_REVIEW = "village_review", _("村级评议并公示")
        TOWNSHIP_REVIEW = "township_review", _("乡镇审核并公示")
        COUNTY_APPROVE = "county_approve", _("县级审定并公告")
        EXIT_PROPOSE = "exit_propose", _("拟退出并公示")
        EXIT_APPROVE = "exit_approve", _("批准退出并公告")
        RETURN = "return", _("返贫")
        REMOVE = "remove", _("剔除")
        WITHDRAW_APPLICATION = "withdraw_application", _("撤回识别申请")
        WITHDRAW_EXIT = "withdraw_exit", _("撤回拟退出")

    class Reason(models.TextChoices):
        NATURAL = "NATURAL", _("自然减少")
        WRONGLY_IDENTIFIED = "WRONGLY_IDENTIFIED", _("错评剔除")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="transitions",
                                  verbose_name=_("贫困户"))
    action = models.CharField(_("操作"), max_length=30, choices=Action.choices)
    reason = models.CharField(_("剔除原因"), max_length=30, choices=Reason.choices, blank=True)
    consent_by = models.CharField(_("户认可签字人"), max_length=30, blank=True)
    work_year = models.PositiveSmallIntegerField(_("工作年度"), null=True, blank=True)
    notice = models.ForeignKey(Notice, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("本步发布的公示"))
    # The assessment the step relied on (the stored one for an exit proposal, the re-run for an exit
    # approval). RESTRICT: it cannot be deleted while a step cites it, except with its household.
    assessment = models.ForeignKey(HouseholdAssessment, null=True, blank=True, on_delete=models.RESTRICT,
                                   related_name="+", verbose_name=_("所依据的退出评估"))

    area_scope = "household__village"
    scope_through = "household"  # seen by who sees the household (its rule: ADR 0025)
    objects = InsertOnlyScopedQuerySet.as_manager()

    class Meta(StepLedger.Meta):
        verbose_name = _("流程记录")
        verbose_name_plural = _("流程记录")
        indexes = [models.Index(fields=["household", "at"]), models.Index(fields=["action", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(action="remove") & models.Q(reason__in=["NATURAL", "WRONGLY_IDENTIFIED"]))
                | (~models.Q(action="remove") & models.Q(reason="")),
                name="transition_reason_only_and_always_on_removal",
            ),
            models.CheckConstraint(condition=~models.Q(action="exit_propose") | ~models.Q(consent_by=""),
                                   name="transition_exit_proposal_has_consent"),
        ]


def evidence_path(instance: TransitionAttachment, filename: str) -> str:
    return random_upload_name("evidence", filename)


class TransitionAttachment(StoredFile):
    """Evidence for a step (signed forms, meeting minutes, photos of the posted notice)."""

    transition = models.ForeignKey(HouseholdTransition, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=evidence_path, max_length=255)

    area_scope = "transition__household__village"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["transition_id", "pk"]
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
