"""Loops: changes of the registry that other modules' work implies, offered and never applied silently (ADR 0026 §4).

A module whose work shows that a registry fact changed (the village confirmed a cross-check finding, a house
renovation was finished) calls :func:`proposal_create` in its own transaction. The household's file lists the open
proposals; a person who may edit the household applies one in a single step (:func:`proposal_apply`), which runs
the editing service it names, so the edit meets the template's rules and leaves the history like any page edit,
with ``Change.source`` the proposal's source (``finding:12``), or dismisses it with a reason
(:func:`proposal_dismiss`). A refused apply (the rules, a stale page) changes nothing: the proposal stays open.

Creating a proposal checks no capability: it happens inside the source module's own step, which checked its
actor. A proposal that would change nothing (the registry already says so) is not created.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from fupin.accounts.access import ensure_can
from fupin.accounts.models import User
from fupin.accounts.roles import Cap
from fupin.areas.scoping import get_visible_or_404
from fupin.core.actors import Viewer
from fupin.core.audit import Action, audit_record
from fupin.core.errors import BadInput, ConcurrentChange
from fupin.registry import editing
from fupin.registry.models import Household, Member, ProposedChange

Kind = ProposedChange.Kind
DECIDED = ("该变更建议已处理（{state}），请刷新页面 / this proposal was already decided ({state_code}): reload the page")
REASON_REQUIRED = "请填写不采纳的理由 / give the reason for dismissing the proposal"
REASON_TOO_LONG = "理由最多 200 个字符 / the reason has at most 200 characters"
MEMBER_LEFT = ("该成员已不在本户（已减少），无法应用此建议 / the member is no longer in the household: the proposal "
               "cannot be applied")


def proposal_create(household: Household, kind: str, payload: Mapping[str, Any], *, source: str, label: str,
                    member: Member | None = None, valid_from: date | None = None,
                    actor: User | None = None) -> ProposedChange | None:
    """Offer a change of ``household`` (or of its ``member``): ``kind`` names the editing service, ``payload`` what
    it takes (see :class:`~fupin.registry.models.ProposedChange`). Returns the open proposal, the one already open
    for the same source, kind and household, or None when the registry already holds what it would change."""
    _check_shape(kind, payload, member)
    if not _would_change(household, kind, payload, member):
        return None
    existing = ProposedChange.objects.filter(source=source, household=household, kind=kind,
                                             state=ProposedChange.State.OPEN).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            proposal = ProposedChange.objects.create(household=household, member=member, kind=kind,
                                                     payload=dict(payload), valid_from=valid_from, source=source,
                                                     label=label[:200])
    except IntegrityError:  # the same source offered it meanwhile
        return ProposedChange.objects.get(source=source, household=household, kind=kind,
                                          state=ProposedChange.State.OPEN)
    audit_record(actor=actor, action=Action.CREATE, obj=proposal, changes={
        "household": household.household_no, "member": member.pk if member else None, "kind": kind,
        "payload": dict(payload), "valid_from": valid_from, "source": source})
    return proposal


def proposal_apply(proposal: ProposedChange, *, actor: User | None, version: int | None) -> ProposedChange:
    """Apply an open proposal through its editing service, on the household ``version`` the caller's page or API
    call read: the template's rules and the edit's own, the history with ``source`` the proposal's origin. Refused
    (``EditRefused``, ``ConcurrentChange``, ``PermissionDenied``): nothing changes and the proposal stays open."""
    if actor is not None:
        ensure_can(actor, Cap.REGISTRY_EDIT)
    with transaction.atomic():
        locked = _lock_open(proposal)
        edit = editing.Edit(actor=actor, version=version, valid_from=locked.valid_from,
                            reason=locked.label[:200], source=locked.source)
        household = Household.objects.select_related("village").get(pk=locked.household_id)
        if locked.kind == Kind.HOUSEHOLD_UPDATE:
            editing.household_update(household, locked.payload, edit)
        else:
            member = Member.objects.filter(pk=locked.member_id or 0).select_related("household").first()
            if member is None:
                raise BadInput(MEMBER_LEFT, code="PROPOSAL_MEMBER_LEFT")
            if locked.kind == Kind.MEMBER_UPDATE:
                editing.member_update(member, locked.payload, edit)
            else:
                editing.member_remove(member, str(locked.payload.get("reason_code", "")), edit)
        _decide(locked, ProposedChange.State.APPLIED, actor, "")
    return locked


def proposal_dismiss(proposal: ProposedChange, *, actor: User | None, reason: str) -> ProposedChange:
    """Dismiss an open proposal (不采纳) with the reason; the registry is not changed."""
    reason = reason.strip()
    if not reason:
        raise BadInput(REASON_REQUIRED, code="REASON_REQUIRED", fields={"reason": [REASON_REQUIRED]})
    if len(reason) > 200:
        raise BadInput(REASON_TOO_LONG, code="REASON_TOO_LONG", fields={"reason": [REASON_TOO_LONG]})
    if actor is not None:
        ensure_can(actor, Cap.REGISTRY_EDIT)
        if not Household.objects.visible_to(actor).filter(pk=proposal.household_id).exists():
            raise PermissionDenied("household outside the actor's areas")
    with transaction.atomic():
        locked = _lock_open(proposal)
        _decide(locked, ProposedChange.State.DISMISSED, actor, reason)
    return locked


# --- reading -------------------------------------------------------------------------------------------

def proposal_list(user: Viewer, household: Household, *, state: str = "") -> QuerySet[ProposedChange]:
    """The proposals of a household ``user`` sees, newest first (``state``: only those in it)."""
    qs = ProposedChange.objects.visible_to(user).filter(household=household)
    if state:
        qs = qs.filter(state=state)
    return qs.select_related("household", "member", "decided_by").order_by("-created_at", "-pk")


def proposal_get(user: Viewer, pk: int) -> ProposedChange:
    """One proposal of a household ``user`` sees; the same 404 for "absent" and "not yours"."""
    return get_visible_or_404(ProposedChange.objects.select_related("household", "member"), user, pk=pk)


def proposals_of_source(user: Viewer, source: str) -> QuerySet[ProposedChange]:
    """The proposals an origin (``finding:12``) made, those ``user`` sees."""
    return ProposedChange.objects.visible_to(user).filter(source=source).select_related("household", "member")


# --- inside --------------------------------------------------------------------------------------------

def _lock_open(proposal: ProposedChange) -> ProposedChange:
    locked = ProposedChange.objects.select_for_update().get(pk=proposal.pk)
    if locked.state != ProposedChange.State.OPEN:
        raise ConcurrentChange(DECIDED.format(state=locked.get_state_display(), state_code=locked.state),
                               code="PROPOSAL_DECIDED")
    return locked


def _decide(locked: ProposedChange, state: str, actor: User | None, note: str) -> None:
    locked.state = state
    locked.decided_by = actor if actor is not None and actor.is_authenticated else None
    locked.decided_at = timezone.now()
    locked.decision_note = note
    locked.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    audit_record(actor=actor, action=Action.UPDATE, obj=locked, changes={
        "state": [ProposedChange.State.OPEN.value, state], "source": locked.source, "note": note})


def _check_shape(kind: str, payload: Mapping[str, Any], member: Member | None) -> None:
    """A programming error, not a user's: a loop that offers what no editing service takes."""
    if kind == Kind.HOUSEHOLD_UPDATE:
        fields: tuple[str, ...] = editing.HOUSEHOLD_FIELDS
    elif kind == Kind.MEMBER_UPDATE:
        fields = editing.MEMBER_FIELDS
    elif kind == Kind.MEMBER_REMOVE:
        fields = ("reason_code",)
        if payload.get("reason_code") not in Member.Removal.values:
            raise ValueError(f"member_remove needs a reason_code of {Member.Removal.values}")
    else:
        raise ValueError(f"unknown proposal kind {kind!r}")
    if kind != Kind.HOUSEHOLD_UPDATE and member is None:
        raise ValueError(f"{kind} needs the member")
    unknown = set(payload) - set(fields)
    if unknown or not payload:
        raise ValueError(f"{kind} cannot change {sorted(unknown) or 'nothing'}")


def _would_change(household: Household, kind: str, payload: Mapping[str, Any], member: Member | None) -> bool:
    if kind == Kind.MEMBER_REMOVE:
        return member is not None and member.removed_on is None
    row: Household | Member = household if kind == Kind.HOUSEHOLD_UPDATE else member  # type: ignore[assignment]
    return any(getattr(row, name) != value for name, value in payload.items())
