"""The findings work queue as data (read it as a table; :mod:`fupin.crosscheck.services` applies it
through :func:`fupin.core.workflow.transition_apply`).

| action | from | to | who |
|---|---|---|---|
| assign 分派 | OPEN, VERIFIED | same | cross-check work |
| verify 登记核实 | OPEN | VERIFIED | cross-check work |
| close 办结 | VERIFIED | CLOSED | cross-check work |
"""

from __future__ import annotations

from fupin.accounts.roles import Cap
from fupin.core.workflow import SAME, Machine, Move, machine_register
from fupin.crosscheck.models import Finding, FindingStep

A = FindingStep.Action
S = Finding.Status
WORK = (Cap.CROSSCHECK_WORK,)

MOVES = {m.action: m for m in (
    Move(A.ASSIGN, (S.OPEN, S.VERIFIED), SAME, WORK, A.ASSIGN.label),
    Move(A.VERIFY, (S.OPEN,), S.VERIFIED, WORK, A.VERIFY.label),
    Move(A.CLOSE, (S.VERIFIED,), S.CLOSED, WORK, A.CLOSE.label),
)}

FINDING_MACHINE = machine_register(Machine(
    model=Finding, moves=MOVES, ledger=FindingStep, subject="finding", noun="比对疑点", noun_en="finding",
    state_labels=dict(S.choices)))
