"""An inspection finding's rectification as data (read it as a table; :mod:`fupin.plan.services` applies it
through :func:`fupin.core.workflow.transition_apply`).

| action | from | to | who |
|---|---|---|---|
| rectify 报送整改 | OPEN | RECTIFIED | an officer of the finding's own unit (checked by the service) |
| accept 核验通过 | RECTIFIED | VERIFIED | the district office (plan manage) |
| reject 核验退回 | RECTIFIED | OPEN | the district office (plan manage), with the reason |
"""

from __future__ import annotations

from fupin.accounts.roles import Cap
from fupin.core.workflow import Machine, Move, machine_register
from fupin.plan.models import Finding, FindingStep

A = FindingStep.Action
S = Finding.Status
MANAGE = (Cap.PLAN_MANAGE,)

MOVES = {m.action: m for m in (
    # No capability here: the rule is "an officer of this unit", which the service checks on the locked row.
    Move(A.RECTIFY, (S.OPEN,), S.RECTIFIED, (), A.RECTIFY.label),
    Move(A.ACCEPT, (S.RECTIFIED,), S.VERIFIED, MANAGE, A.ACCEPT.label),
    Move(A.REJECT, (S.RECTIFIED,), S.OPEN, MANAGE, A.REJECT.label),
)}

FINDING_MACHINE = machine_register(Machine(
    model=Finding, moves=MOVES, ledger=FindingStep, subject="finding", noun="督查发现问题",
    noun_en="finding", state_labels=dict(S.choices)))
