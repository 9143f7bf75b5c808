"""A hotline ticket's moves as data (read it as a table; :mod:`fupin.hotline.services` applies it through
:func:`fupin.core.workflow.transition_apply`).

| action | from | to | who | needs |
|---|---|---|---|---|
| transferred 转办 | OPEN | same | the handling unit (or the office) | a reason, another unit |
| reminded 临期提醒 | OPEN | same | the sweep | the deadline near |
| escalated 超期督办 | OPEN | same | the sweep | the deadline passed |
| replied 答复 | OPEN | ANSWERED | the handling unit | a reply; an objection's outcome |
| called_back 回访 | ANSWERED | same | the handling unit | a satisfaction |
| closed 办结 | ANSWERED | CLOSED | the handling unit, after a satisfied call-back | |
| reopened 重新办理 | ANSWERED, CLOSED | OPEN | the handling unit, or an unsatisfied call-back | a reason |
| note 办理记录 | any | same | the handling unit | a text |

"Who" is the unit that handles the ticket (:func:`fupin.hotline.access.handles`), not a capability:
the services check it on the locked ticket. A ticket is received and routed as it is created (the
ledger's ``received`` and ``routed`` rows are written with it). The sweep takes ``reminded`` and
``escalated`` for many tickets at once: one conditional update claims the open tickets, and their
ledger rows are inserted in bulk.
"""

from __future__ import annotations

from fupin.core.workflow import SAME, Machine, Move, machine_register
from fupin.hotline.models import Ticket, TicketStep

A = TicketStep.Action
S = Ticket.Status

MOVES = {m.action: m for m in (
    Move(A.TRANSFERRED, (S.OPEN,), SAME, (), A.TRANSFERRED.label),
    Move(A.REMINDED, (S.OPEN,), SAME, (), A.REMINDED.label),
    Move(A.ESCALATED, (S.OPEN,), SAME, (), A.ESCALATED.label),
    Move(A.REPLIED, (S.OPEN,), S.ANSWERED, (), A.REPLIED.label),
    Move(A.CALLED_BACK, (S.ANSWERED,), SAME, (), A.CALLED_BACK.label),
    Move(A.CLOSED, (S.ANSWERED,), S.CLOSED, (), A.CLOSED.label),
    Move(A.REOPENED, (S.ANSWERED, S.CLOSED), S.OPEN, (), A.REOPENED.label),
    Move(A.NOTE, (S.OPEN, S.ANSWERED, S.CLOSED), SAME, (), A.NOTE.label),
)}

TICKET_MACHINE = machine_register(Machine(
    model=Ticket, moves=MOVES, ledger=TicketStep, subject="ticket", noun="热线诉求", noun_en="ticket",
    state_labels=dict(S.choices)))
