"""The project sequence (先规划再实施、先启动再拨付、先验收再报账) as data.

Read it as a table; it is registered with the workflow core as the project's ``Machine`` (ADR
0017), and :func:`fupin.projects.services.project_step` applies it through
:func:`fupin.core.workflow.transition_apply` (a proposal creates the project in its first state).
The core needs each row's sources, target, capabilities and label (its ``Move``); the rest of a
row (the notice it publishes and where, what it waits for, money) is this module's.

| action | from | to | who | waits for | publishes / money |
|---|---|---|---|---|---|
| propose 村级申报 | (new) | PROPOSED | village (or county) | | village notice (公示) |
| township_review 乡镇审核 | PROPOSED | TOWNSHIP_REVIEWED | township | village notice run, no objection | township notice |
| county_approve 县级审定入库 | TOWNSHIP_REVIEWED | PLANNED | county | township notice run, no objection | library announcement (公告) |
| approve 批复实施 | PLANNED | APPROVED | county | | pre-start notice (实施前公示); approved total = budget |
| start 开工 | APPROVED | STARTED | responsible unit or county | pre-start notice run, no objection | |
| allocate 资金下达 | APPROVED, STARTED, ACCEPTED | same | funds (报账中心) | | amount ≤ approved total in all |
| pay 拨付 | STARTED, ACCEPTED | same | funds | no payment before the start | spending ≤ approved × (1 + overspend ratio) |
| reapprove 追加批复 | APPROVED, STARTED, ACCEPTED | same | county | note | a new, higher approved total |
| accept 竣工验收 | STARTED | ACCEPTED | responsible unit or county | | completion announcement (竣工公告) |
| settle 报账 | ACCEPTED | SETTLED | funds | no settlement before acceptance; some spending | retains the quality deposit (质保金) |
| release 质保金返还 | SETTLED | same | funds | a deposit held; the warranty has ended | the deposit, paid to the contractor |
| adjust 年度调整 | PROPOSED, TOWNSHIP_REVIEWED, PLANNED | same | county | note | new year and/or budget |
| withdraw 出库 | PROPOSED … APPROVED | WITHDRAWN | county | note | |

"No objection": no objection still open and none upheld on the notice the project's current state
was published with. Steps that leave a state take its notice down if it is still up, except the
announcements (公告), which stay on the public pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from fupin.accounts.roles import Cap
from fupin.core.workflow import SAME, Machine, Move, machine_register
from fupin.notices.models import Notice
from fupin.projects.models import Project, ProjectStep

A = ProjectStep.Action
S = Project.Status
K = Notice.Kind
# SAME (the core's): money steps and adjustments leave the status as it is.
NEW = ""  # the source of a proposal: the project does not exist yet

# Announcements stay up after the next step: the library entry and the completion are public records.
LASTING_KINDS = (K.PROJECT_LIBRARY, K.PROJECT_COMPLETION)
PROJECT_KINDS = (K.PROJECT_VILLAGE, K.PROJECT_TOWNSHIP, K.PROJECT_LIBRARY, K.PROJECT_PRESTART,
                 K.PROJECT_COMPLETION)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    capabilities: tuple[str, ...]  # the actor needs any one of these
    publishes: str | None = None
    notice_level: str = "project"  # where the notice is posted: the project's area, its township, the county
    waits_for_notice: bool = False  # the current notice must have run its full length
    halted_by_objection: bool = False  # an open or upheld objection on the current notice refuses it
    money: bool = False  # amount and fund source required
    requires_note: bool = False
    unit_may: bool = False  # the responsible unit's officers may take it for their own projects

    @property
    def label(self) -> str:
        return str(A(self.action).label)

    @property
    def move(self) -> Move:
        """The row as the workflow core reads it."""
        return Move(self.action, self.sources, self.target, self.capabilities, A(self.action).label)


BEFORE_START = (S.PROPOSED, S.TOWNSHIP_REVIEWED, S.PLANNED, S.APPROVED)

TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition(A.PROPOSE, (NEW,), S.PROPOSED, (Cap.PROJECTS_PROPOSE,), publishes=K.PROJECT_VILLAGE),
    Transition(A.TOWNSHIP_REVIEW, (S.PROPOSED,), S.TOWNSHIP_REVIEWED, (Cap.PROJECTS_TOWNSHIP, Cap.PROJECTS_COUNTY),
               publishes=K.PROJECT_TOWNSHIP, notice_level="township", waits_for_notice=True,
               halted_by_objection=True),
    Transition(A.COUNTY_APPROVE, (S.TOWNSHIP_REVIEWED,), S.PLANNED, (Cap.PROJECTS_COUNTY,),
               publishes=K.PROJECT_LIBRARY, notice_level="county", waits_for_notice=True, halted_by_objection=True),
    Transition(A.APPROVE, (S.PLANNED,), S.APPROVED, (Cap.PROJECTS_COUNTY,), publishes=K.PROJECT_PRESTART),
    Transition(A.START, (S.APPROVED,), S.STARTED, (Cap.PROJECTS_IMPLEMENT,), waits_for_notice=True,
               halted_by_objection=True, unit_may=True),
    Transition(A.ALLOCATE, (S.APPROVED, S.STARTED, S.ACCEPTED), SAME, (Cap.PROJECTS_FUNDS,), money=True),
    Transition(A.PAY, (S.STARTED, S.ACCEPTED), SAME, (Cap.PROJECTS_FUNDS,), money=True),
    Transition(A.REAPPROVE, (S.APPROVED, S.STARTED, S.ACCEPTED), SAME, (Cap.PROJECTS_COUNTY,), requires_note=True),
    Transition(A.ACCEPT, (S.STARTED,), S.ACCEPTED, (Cap.PROJECTS_IMPLEMENT,), publishes=K.PROJECT_COMPLETION,
               unit_may=True),
    Transition(A.SETTLE, (S.ACCEPTED,), S.SETTLED, (Cap.PROJECTS_FUNDS,)),
    Transition(A.RELEASE, (S.SETTLED,), SAME, (Cap.PROJECTS_FUNDS,), money=True),
    Transition(A.ADJUST, (S.PROPOSED, S.TOWNSHIP_REVIEWED, S.PLANNED), SAME, (Cap.PROJECTS_COUNTY,),
               requires_note=True),
    Transition(A.WITHDRAW, BEFORE_START, S.WITHDRAWN, (Cap.PROJECTS_COUNTY,), requires_note=True),
)}


MACHINE: Machine[Project] = machine_register(Machine(
    model=Project, moves={a: t.move for a, t in TRANSITIONS.items()}, ledger=ProjectStep, subject="project",
    field="status", noun="项目", noun_en="project", state_labels={s.value: s.label for s in S}))


def actions_from(status: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if status in t.sources]
