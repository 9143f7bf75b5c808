"""The loops' proposals over the API (ADR 0026 §4): a household's proposals, and applying or dismissing one. The same
services as the household file's buttons; a household outside the caller's areas answers 404."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from fupin.accounts.access import ensure_can
from fupin.accounts.roles import Cap
from fupin.core.actors import acting_user
from fupin.core.api_types import BodyIn, Id, Text
from fupin.core.reads import personal_data_read
from fupin.registry import selectors
from fupin.registry.models import ProposedChange
from fupin.registry.proposals import proposal_apply, proposal_dismiss, proposal_get, proposal_list

router = Router(tags=["registry"])

Version = Annotated[int, Field(ge=1, le=2**31 - 1, description="所读到的户信息版本 / the household version read")]


class ProposalOut(Schema):
    id: int
    household_id: int
    household_no: str
    member_id: int | None
    member_name: str
    kind: str
    payload: dict[str, Any]
    valid_from: str | None
    source: str
    label: str
    state: str
    decided_by: str
    decided_at: str | None
    decision_note: str
    created_at: str


class ProposalApplyIn(BodyIn):
    version: Version


class ProposalDismissIn(BodyIn):
    reason: Text


def _out(p: ProposedChange) -> ProposalOut:
    return ProposalOut(
        id=p.pk, household_id=p.household_id, household_no=p.household.household_no, member_id=p.member_id, member_name=p.member.name if p.member else "",
        kind=p.kind, payload=dict(p.payload), valid_from=p.valid_from.isoformat() if p.valid_from else None,
        source=p.source, label=p.label_display, state=p.state, decided_by=str(p.decided_by or ""),
        decided_at=p.decided_at.isoformat() if p.decided_at else None, decision_note=p.decision_note,
        created_at=p.created_at.isoformat())


@router.get("/households/{household_id}/proposals", response=list[ProposalOut])
def proposal_list_api(request: HttpRequest, household_id: Id, state: Text = "") -> list[ProposalOut]:
    """本户的变更建议（state：open 待处理、applied 已应用、dismissed 不采纳；空为全部）/ a household's proposals."""
    ensure_can(request.user, Cap.REGISTRY_EDIT)
    household = selectors.household_get(request.user, household_id)
    personal_data_read(actor=acting_user(request), rows=[household], view="api.registry.proposals")
    return [_out(p) for p in proposal_list(request.user, household, state=state)]


@router.post("/proposals/{proposal_id}/apply", response=ProposalOut)
def proposal_apply_api(request: HttpRequest, proposal_id: Id, body: ProposalApplyIn) -> ProposalOut:
    """应用一条待处理的变更建议：按模板规则修改名册并记入变更记录（来源为建议的来源）；version 须为所读到的户信息版本，
    已变更则 409。/ Apply an open proposal through the editing service, on the household version read."""
    ensure_can(request.user, Cap.REGISTRY_EDIT)
    proposal = proposal_apply(proposal_get(request.user, proposal_id), actor=acting_user(request),
                              version=body.version)
    return _out(proposal_get(request.user, proposal.pk))


@router.post("/proposals/{proposal_id}/dismiss", response=ProposalOut)
def proposal_dismiss_api(request: HttpRequest, proposal_id: Id, body: ProposalDismissIn) -> ProposalOut:
    """不采纳一条待处理的变更建议（须说明理由，名册不变）/ Dismiss an open proposal with the reason."""
    ensure_can(request.user, Cap.REGISTRY_EDIT)
    proposal = proposal_dismiss(proposal_get(request.user, proposal_id), actor=acting_user(request),
                                reason=body.reason)
    return _out(proposal_get(request.user, proposal.pk))
