"""Reads for the household workflow: the timeline and the actions open to a user."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from fupin.areas.scoping import get_visible_or_404, scope_of
from fupin.assessment import services as assessment
from fupin.core.actors import Viewer
from fupin.notices.models import Notice, Objection
from fupin.registry.models import Household
from fupin.workflow import services
from fupin.workflow.models import HouseholdTransition, TransitionAttachment
from fupin.workflow.transitions import PREVIOUS, actions_from


@dataclass(frozen=True)
class ActionOption:
    """One step the user may take on the household now, with what its form must ask."""

    action: str
    label: str
    target_label: str
    publishes: str
    requires_note: bool
    requires_reason: bool
    requires_consent: bool
    requires_attribute: bool
    blocked: str  # why the step would be refused today ("" when nothing known stops it)


def household_timeline(household: Household) -> QuerySet[HouseholdTransition]:
    """The household's steps, oldest first, with actor, evidence and each notice's objection counts."""
    return (HouseholdTransition.objects.filter(household_id=household.pk)
            .select_related("actor", "notice", "assessment")
            .prefetch_related(Prefetch("attachments", queryset=TransitionAttachment.objects.order_by("pk")))
            .annotate(objection_count=Count("notice__objections", distinct=True),
                      open_objection_count=Count("notice__objections",
                                                 filter=Q(notice__objections__status=Objection.Status.OPEN),
                                                 distinct=True))
            .order_by("at", "pk"))


def household_current_notice(household: Household) -> Notice | None:
    return services.current_notice(household)


def household_actions(user: Viewer, household: Household) -> list[ActionOption]:
    """The steps of the table open to ``user`` from the household's state, each with a known refusal, if any.

    Only checks that need no input and change nothing are previewed (state, notice period,
    objections, stored assessment); the re-run of the exit assessment happens on submission.
    """
    if not user.is_authenticated or not scope_of(user).covers(household.village):
        return []
    notice = services.current_notice(household)
    today = timezone.localdate()
    options = []
    for spec in actions_from(household.status):
        try:
            services.ensure_can_transition(user, spec)
        except PermissionDenied:
            continue
        problem = services.notice_check(spec, notice, today)
        blocked = problem.message if problem else ""
        if not blocked and spec.requires_assessment:
            blocked = _assessment_problem(spec, household)
        target = "" if spec.target == PREVIOUS else services.state_label(spec.target)
        options.append(ActionOption(
            action=spec.action, label=spec.label, target_label=target or "退回拟退出前的状态",
            publishes=str(Notice.Kind(spec.publishes).label) if spec.publishes else "",
            requires_note=spec.requires_note, requires_reason=spec.requires_reason,
            requires_consent=spec.requires_consent, requires_attribute=spec.requires_attribute, blocked=blocked))
    return options


def _assessment_problem(spec: Any, household: Household) -> str:
    year = assessment.work_year()
    result = assessment.household_latest_assessment(household.pk, year)
    if result is None:
        return services.refuse(services.NO_ASSESSMENT, spec, year=year).message
    if result.verdict != services.ELIGIBLE:
        return services.refuse(services.NOT_ELIGIBLE, spec, **services.verdict_values(result, year)).message
    return ""


def transition_list(user: Viewer, household_id: int) -> tuple[Household, QuerySet[HouseholdTransition]]:
    household = get_visible_or_404(Household.objects.select_related("village"), user, pk=household_id)
    return household, household_timeline(household)


def attachment_get(user: Viewer, pk: int) -> TransitionAttachment:
    return get_visible_or_404(TransitionAttachment.objects.select_related("transition", "transition__household"),
                              user, pk=pk)
