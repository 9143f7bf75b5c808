"""The household workflow over JSON: a household's steps and the steps open to the caller, and taking one.

``POST …/transitions`` is multipart (form fields plus optional ``files``), so evidence can travel
with the step, as on the household page.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.urls import reverse
from ninja import File, Form, Router, Schema, Status, UploadedFile

from fupin.accounts.access import ensure_can
from fupin.accounts.roles import Cap
from fupin.core.actors import acting_user
from fupin.core.api_types import BodyIn, Id, Text
from fupin.core.workflow import UNSET
from fupin.workflow import selectors
from fupin.workflow.models import HouseholdTransition
from fupin.workflow.services import household_transition

router = Router(tags=["workflow"])


class EvidenceOut(Schema):
    id: int
    name: str
    size: int
    sha256: str
    url: str


class TransitionOut(Schema):
    id: int
    action: str
    action_label: str
    from_state: str | None
    to_state: str | None
    actor: str
    at: datetime
    note: str
    reason: str
    consent_by: str
    work_year: int | None
    notice_id: int | None
    attachments: list[EvidenceOut]


class ActionOut(Schema):
    action: str
    label: str
    requires_note: bool
    requires_reason: bool
    requires_consent: bool
    requires_attribute: bool
    blocked: str


class HouseholdWorkflowOut(Schema):
    household_id: int
    household_no: str
    status: str | None
    transitions: list[TransitionOut]
    actions: list[ActionOut]


class TransitionIn(BodyIn):
    action: Text
    note: Text = ""
    reason: Text = ""
    consent_by: Text = ""
    attribute: Text = ""
    seen_status: Text | None = None  # the state the client acted on; a different current state → 409


def _transition_out(t: HouseholdTransition) -> TransitionOut:
    return TransitionOut(
        id=t.pk, action=t.action, action_label=str(t.get_action_display()), from_state=t.from_state,
        to_state=t.to_state, actor=str(t.actor) if t.actor_id else "system", at=t.at, note=t.note, reason=t.reason,
        consent_by=t.consent_by, work_year=t.work_year, notice_id=t.notice_id,
        attachments=[EvidenceOut(id=a.pk, name=a.original_name, size=a.size, sha256=a.sha256,
                                   url=reverse("workflow:attachment-download", args=[a.pk]))
                     for a in t.attachments.all()])


@router.get("/households/{household_id}", response=HouseholdWorkflowOut,
            summary="户的流程记录与可办理的操作 / a household's steps and the actions open to you")
def transition_list(request: HttpRequest, household_id: Id) -> HouseholdWorkflowOut:
    ensure_can(request.user, Cap.REGISTRY_VIEW)
    household, timeline = selectors.transition_list(request.user, household_id)
    actions = selectors.household_actions(request.user, household)
    return HouseholdWorkflowOut(household_id=household.pk, household_no=household.household_no, status=household.status,
                                transitions=[_transition_out(t) for t in timeline],
                                actions=[ActionOut(**{k: getattr(a, k) for k in ActionOut.model_fields})
                                         for a in actions])


@router.post("/households/{household_id}/transitions", response={201: TransitionOut},
             summary="办理一步流程（拒绝时不作任何更改）/ take a workflow step (a refusal changes nothing)")
def transition_create(request: HttpRequest, household_id: Id, payload: Form[TransitionIn],
                      files: File[list[UploadedFile]] = None) -> Status[TransitionOut]:  # type: ignore[assignment]
    household, _ = selectors.transition_list(request.user, household_id)
    seen = UNSET if payload.seen_status is None else payload.seen_status or None
    transition = household_transition(household, payload.action, actor=acting_user(request), expected=seen, note=payload.note,
                                      reason=payload.reason, consent_by=payload.consent_by,
                                      attribute=payload.attribute, files=files or ())
    return Status(201, _transition_out(transition))
