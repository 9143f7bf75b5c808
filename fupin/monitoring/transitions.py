"""The monitoring case's steps (RULES §4: 发现 → 入户核实 → 认定 (with notice) → 帮扶 → 风险消除) as data.

Read it as a table; it is registered with the workflow core as the case's ``Machine`` (ADR 0017),
and :func:`fupin.monitoring.services.case_step` applies it through
:func:`fupin.core.workflow.transition_apply`. A case is opened (发现, ALERT) by the monitoring run,
which creates it in that state; ``dismiss`` closes an alert the visit did not confirm.

| action | from | to | who |
|---|---|---|---|
| verify 入户核实 | ALERT | VERIFIED | monitoring work |
| dismiss 核实不属实 | ALERT | DISMISSED | monitoring work |
| identify 认定并公示 | VERIFIED | IDENTIFIED | monitoring decisions |
| assist 落实帮扶 | IDENTIFIED | ASSISTING | monitoring work |
| eliminate 风险消除 | ASSISTING | ELIMINATED | monitoring decisions |

Help measures (帮扶措施) are recorded on a case while it is IDENTIFIED or ASSISTING (``MEASURE``:
not a step of the case, so not in the table, but refused in any other state with the same
wrong-state refusal).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from fupin.accounts.roles import Cap
from fupin.core.workflow import SAME, Machine, Move, machine_register
from fupin.monitoring.models import CaseStep, MonitoringCase

A = CaseStep.Action
S = MonitoringCase.Step

STEPS: dict[str, Move] = {m.action: m for m in (
    Move(A.VERIFY, (S.ALERT,), S.VERIFIED, (Cap.MONITORING_WORK,), A.VERIFY.label),
    Move(A.DISMISS, (S.ALERT,), S.DISMISSED, (Cap.MONITORING_WORK,), A.DISMISS.label),
    Move(A.IDENTIFY, (S.VERIFIED,), S.IDENTIFIED, (Cap.MONITORING_DECIDE,), A.IDENTIFY.label),
    Move(A.ASSIST, (S.IDENTIFIED,), S.ASSISTING, (Cap.MONITORING_WORK,), A.ASSIST.label),
    Move(A.ELIMINATE, (S.ASSISTING,), S.ELIMINATED, (Cap.MONITORING_DECIDE,), A.ELIMINATE.label),
)}

MEASURE = Move("measure", (S.IDENTIFIED, S.ASSISTING), SAME, (Cap.MONITORING_WORK,), _("登记帮扶措施"))

MACHINE: Machine[MonitoringCase] = machine_register(Machine(
    model=MonitoringCase, moves=STEPS, ledger=CaseStep, subject="case", field="step", noun="案例",
    noun_en="case", state_labels={s.value: s.label for s in S}))
