"""A measure's moves after it is recorded, as data (read it as a table; :func:`fupin.measures.services.
measure_set_status` applies it through :func:`fupin.core.workflow.transition_apply`).

| action | from | to | who | needs |
|---|---|---|---|---|
| deliver 开始实施 | PLANNED | DELIVERING | measures edit | |
| complete 落实 | PLANNED, DELIVERING | DONE | measures edit | |
| cancel 取消 | PLANNED, DELIVERING, DONE | CANCELLED | measures edit | a reason |

A measure is recorded in its first state (planned, delivering or done); a cancelled one no longer
counts and frees its period.
"""

from __future__ import annotations

from fupin.accounts.roles import Cap
from fupin.core.workflow import Machine, Move, machine_register
from fupin.measures.models import Measure, MeasureStep

A = MeasureStep.Action
S = Measure.Status
EDIT = (Cap.MEASURES_EDIT,)

MOVES = {m.action: m for m in (
    Move(A.DELIVER, (S.PLANNED,), S.DELIVERING, EDIT, A.DELIVER.label),
    Move(A.COMPLETE, (S.PLANNED, S.DELIVERING), S.DONE, EDIT, A.COMPLETE.label),
    Move(A.CANCEL, (S.PLANNED, S.DELIVERING, S.DONE), S.CANCELLED, EDIT, A.CANCEL.label),
)}

# The status a move leads to → the move (the pages and the API name the status a measure should take).
ACTION_TO: dict[str, str] = {str(m.target): str(m.action) for m in MOVES.values()}

MEASURE_MACHINE = machine_register(Machine(
    model=Measure, moves=MOVES, ledger=MeasureStep, subject="measure", noun="帮扶措施", noun_en="measure",
    state_labels=dict(S.choices)))


def targets_from(status: str) -> list[str]:
    """The statuses a measure in ``status`` may take next (the page offers these)."""
    return [str(m.target) for m in MEASURE_MACHINE.actions_from(status)]
