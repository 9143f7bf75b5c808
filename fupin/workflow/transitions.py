"""The household workflow (RULES §3) as data: which action moves a household from which state to which.

Read it as a table; it is registered with the workflow core as the household's ``Machine`` (ADR
0017), and :func:`fupin.workflow.services.household_transition` applies it through
:func:`fupin.core.workflow.transition_apply`. ``None`` as a state is a monitored candidate
(一般农户) outside the register. The core needs each row's sources, target, capabilities and label
(its ``Move``); the rest of a row (the notice it publishes, what it waits for, what it requires)
is this module's.

| action | from | to | who | waits for | publishes |
|---|---|---|---|---|---|
| apply 农户申请 | candidate | APPLIED | village | | |
| village_review 村级评议 | APPLIED | VILLAGE_REVIEWED | village | | village notice (公示) |
| township_review 乡镇审核 | VILLAGE_REVIEWED | TOWNSHIP_REVIEWED | township | village notice run, no objection | township notice (公示) |
| county_approve 县级审定 | TOWNSHIP_REVIEWED | REGISTERED | county | township notice run, no objection | announcement (公告) |
| exit_propose 拟退出 | REGISTERED, RETURNED | EXIT_PROPOSED | village | EXIT_ELIGIBLE of the work year, consent, no objection | exit notice (公示) |
| exit_approve 批准退出 | EXIT_PROPOSED | EXITED | county | exit notice run, no objection, re-assessed eligible | exit announcement (公告) |
| return 返贫 | EXITED | RETURNED | county | note | |
| remove 剔除 | every state | REMOVED | county | reason (NATURAL / WRONGLY_IDENTIFIED) | |
| withdraw_application 撤回识别申请 | APPLIED, VILLAGE_REVIEWED, TOWNSHIP_REVIEWED | candidate | any level | note | |
| withdraw_exit 撤回拟退出 | EXIT_PROPOSED | the state before the proposal | any level | note | |

"No objection" means no objection still open and none upheld on the notice of the household's
current state: an upheld objection says the notice was wrong, so the household is withdrawn (or
removed) and the procedure starts again with a new notice. Steps that leave a state take its
notice down if it is still up.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from fupin.accounts.roles import Cap
from fupin.core.workflow import Machine, Move, machine_register
from fupin.notices.models import Notice
from fupin.registry.models import Household
from fupin.workflow.models import HouseholdTransition

A = HouseholdTransition.Action
S = Household.Status
K = Notice.Kind
CANDIDATE = None
PREVIOUS = "previous"  # the target of a withdrawal: the state the household had before the step withdrawn
ANY_LEVEL = (Cap.WORKFLOW_VILLAGE, Cap.WORKFLOW_TOWNSHIP, Cap.WORKFLOW_COUNTY)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str | None, ...]
    target: str | None
    capabilities: tuple[str, ...]  # the actor needs any one of these
    publishes: str | None = None  # the notice kind this step publishes
    waits_for_notice: bool = False  # the current notice must have run its full length
    halted_by_objection: bool = False  # an open or upheld objection on the current notice refuses it
    requires_note: bool = False
    requires_reason: bool = False
    requires_consent: bool = False
    requires_attribute: bool = False  # the household must end with a registered 户属性
    requires_assessment: bool = False  # a stored EXIT_ELIGIBLE assessment of the work year
    reruns_assessment: bool = False  # assess again now; refuse unless EXIT_ELIGIBLE
    sets_identified_year: bool = False
    sets_exit_year: bool = False

    @property
    def label(self) -> str:
        return str(A(self.action).label)

    @property
    def move(self) -> Move:
        """The row as the workflow core reads it."""
        return Move(self.action, self.sources, self.target, self.capabilities, A(self.action).label)


TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition(A.APPLY, (CANDIDATE,), S.APPLIED, (Cap.WORKFLOW_VILLAGE,)),
    Transition(A.VILLAGE_REVIEW, (S.APPLIED,), S.VILLAGE_REVIEWED, (Cap.WORKFLOW_VILLAGE,),
               publishes=K.IDENTIFICATION_VILLAGE),
    Transition(A.TOWNSHIP_REVIEW, (S.VILLAGE_REVIEWED,), S.TOWNSHIP_REVIEWED, (Cap.WORKFLOW_TOWNSHIP,),
               publishes=K.IDENTIFICATION_TOWNSHIP, waits_for_notice=True, halted_by_objection=True),
    Transition(A.COUNTY_APPROVE, (S.TOWNSHIP_REVIEWED,), S.REGISTERED, (Cap.WORKFLOW_COUNTY,),
               publishes=K.COUNTY_ANNOUNCEMENT, waits_for_notice=True, halted_by_objection=True,
               requires_attribute=True, sets_identified_year=True),
    Transition(A.EXIT_PROPOSE, (S.REGISTERED, S.RETURNED), S.EXIT_PROPOSED, (Cap.WORKFLOW_VILLAGE,),
               publishes=K.EXIT, halted_by_objection=True, requires_consent=True, requires_assessment=True),
    Transition(A.EXIT_APPROVE, (S.EXIT_PROPOSED,), S.EXITED, (Cap.WORKFLOW_COUNTY,),
               publishes=K.EXIT_ANNOUNCEMENT, waits_for_notice=True, halted_by_objection=True,
               reruns_assessment=True, sets_exit_year=True),
    Transition(A.RETURN, (S.EXITED,), S.RETURNED, (Cap.WORKFLOW_COUNTY,), requires_note=True),
    Transition(A.REMOVE, tuple(s for s in S.values if s != S.REMOVED), S.REMOVED, (Cap.WORKFLOW_COUNTY,),
               requires_reason=True),
    Transition(A.WITHDRAW_APPLICATION, (S.APPLIED, S.VILLAGE_REVIEWED, S.TOWNSHIP_REVIEWED), CANDIDATE, ANY_LEVEL,
               requires_note=True),
    Transition(A.WITHDRAW_EXIT, (S.EXIT_PROPOSED,), PREVIOUS, ANY_LEVEL, requires_note=True),
)}


MACHINE: Machine[Household] = machine_register(Machine(
    model=Household, moves={a: t.move for a, t in TRANSITIONS.items()}, ledger=HouseholdTransition,
    subject="household", field="status", noun="户", noun_en="household",
    state_labels={CANDIDATE: _("非贫困户(一般农户)"), **{s.value: s.label for s in S}}))


def table() -> dict[str | None, dict[str, str | None]]:
    """``{from_state: {action: to_state}}``, the same rules seen from the states."""
    result: dict[str | None, dict[str, str | None]] = {}
    for t in TRANSITIONS.values():
        for source in t.sources:
            result.setdefault(source, {})[t.action] = t.target
    return result


def actions_from(state: str | None) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if state in t.sources]
