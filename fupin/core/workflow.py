"""One workflow core: every stateful object of the platform moves through :func:`transition_apply`.

A module declares its object's moves as data, a :class:`Machine` (the transition table: which
action takes the object from which states to which, and which capabilities may take it), and
registers it once with :func:`machine_register`. Its services call :func:`transition_apply`,
which, in one transaction:

1. finds the move (``UNKNOWN_ACTION`` otherwise) and checks the actor's capability
   (``PermissionDenied``; ``actor=None`` is the system: imports, jobs, the demo);
2. locks the object's row (``SELECT … FOR UPDATE``) and compares its state with the state the
   caller saw (``expected``, default: the state on the object passed in): another state now is
   ``ConcurrentChange``;
3. refuses a move from a state outside the table with the one wrong-state refusal
   (:class:`~fupin.core.errors.TransitionRefused`, code ``WRONG_STATE``, HTTP 409 on pages and API);
4. runs the module's own checks (``check``), which raise to refuse;
5. writes the new state and the module's other fields with a conditional update (compare and
   swap on the state), runs the module's effects (a notice published, a deposit retained …),
   inserts the step into the module's insert-only ledger (a subclass of :class:`StepLedger`),
   and appends one audit entry.

A refusal raises before anything is written or inside the transaction, which is rolled back:
a refused step leaves no state, ledger row or audit entry behind. The tables stay in their own
apps; ``MACHINES`` lists them all, and a test checks that no module writes a registered state
field anywhere but here (ADR 0017).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fupin.core.audit import Action, audit_record
from fupin.core.errors import BadInput, ConcurrentChange, TransitionRefused

M = TypeVar("M", bound=models.Model)

SAME = "__same__"  # a move that leaves the state as it is (a payment, a transfer, an adjustment)
WRONG_STATE = "WRONG_STATE"
UNKNOWN_ACTION = "UNKNOWN_ACTION"

UNKNOWN_ACTION_MESSAGE = "未知的操作「{action}」 / unknown action {action}"
WRONG_STATE_MESSAGE = ("「{label}」只适用于{allowed}的{noun}，当前为「{state}」 / "
                       "{action} applies to a {noun_en} in {allowed_codes}; this one is {state_code}")
CONCURRENT_MESSAGE = ("该{noun}已被他人更改（现为「{state}」），请刷新后重试 / "
                      "someone else changed this {noun_en} (now {state_code}): reload and try again")

if TYPE_CHECKING:
    from fupin.accounts.models import User  # a type only: accounts is on a floor above


# --- the ledger -------------------------------------------------------------------------------------------


class InsertOnlyQuerySetMixin:
    """Rows of a ledger are written once: a queryset of them cannot update or delete.

    (Rows still go with their subject when the subject is deleted: Django's cascade deletes them
    without calling this queryset's ``delete``.)"""

    def update(self, **kwargs: Any) -> int:
        raise TypeError(f"{self._label()} rows are insert-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{self._label()} rows are insert-only")

    def _label(self) -> str:
        model: type[models.Model] = getattr(self, "model")  # noqa: B009 (the queryset's model, read untyped)
        return model._meta.label


class InsertOnlyModel(models.Model):
    """A model whose rows are written once: an instance cannot be saved again or deleted (its manager's queryset
    should come from :class:`InsertOnlyQuerySetMixin` too)."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError(f"{self._meta.label} rows are insert-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{self._meta.label} rows are insert-only")


class StepLedger(InsertOnlyModel):
    """One row per step an object took: what, who, when, with what note. Insert-only.

    A module's ledger subclasses it, adds the foreign key to its subject and whatever its steps
    carry (a notice, an amount, a reason), and overrides ``action`` with its own choices. Its
    manager must come from an :class:`InsertOnlyQuerySetMixin` queryset (the area-scoped one is
    ``fupin.areas.scoping.InsertOnlyScopedQuerySet``)."""

    action = models.CharField(_("操作"), max_length=30)
    # None: outside the table (a candidate household, a ticket before it was received).
    from_state = models.CharField(_("原状态"), max_length=20, null=True, blank=True)  # noqa: DJ001
    to_state = models.CharField(_("新状态"), max_length=20, null=True, blank=True)  # noqa: DJ001
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("操作人"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]
        get_latest_by = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action}@{self.at:%Y-%m-%d %H:%M}"

    @property
    def from_label(self) -> str:
        return ledger_machine(type(self)).state_label(self.from_state)

    @property
    def to_label(self) -> str:
        return ledger_machine(type(self)).state_label(self.to_state)


# --- the tables -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """One row of a transition table."""

    action: str
    sources: tuple[str | None, ...]
    target: str | None  # SAME: the state stays; None: outside the table (e.g. a candidate household)
    capabilities: tuple[str, ...] = ()  # the actor needs any one; () leaves the check to the module
    label: str | Promise = ""


@dataclass(frozen=True)
class Machine(Generic[M]):
    """A transition table for one model: its state field, its moves, its ledger."""

    model: type[M]
    moves: Mapping[str, Move]
    ledger: type[StepLedger]
    subject: str  # the ledger's foreign key to the model
    field: str = "status"
    noun: str = "对象"  # what the messages call the object, in Chinese and English
    noun_en: str = "object"
    state_labels: Mapping[str | None, str | Promise] = dataclasses.field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.model._meta.label

    def state_label(self, state: str | None) -> str:
        return str(self.state_labels.get(state, state or "—"))

    def actions_from(self, state: str | None) -> list[Move]:
        return [m for m in self.moves.values() if state in m.sources]

    def move(self, action: str) -> Move:
        move = self.moves.get(action)
        if move is None:
            raise TransitionRefused(UNKNOWN_ACTION_MESSAGE.format(action=action), code=UNKNOWN_ACTION)
        return move


MACHINES: dict[str, Machine[Any]] = {}


def machine_register(machine: Machine[M]) -> Machine[M]:
    """Declare a model's transition table (once, at import of the module's table)."""
    MACHINES[machine.name] = machine
    return machine


def machine_of(model: type[models.Model]) -> Machine[Any]:
    return MACHINES[model._meta.label]


def ledger_machine(ledger: type[StepLedger]) -> Machine[Any]:
    """The table whose steps ``ledger`` records."""
    return next(m for m in MACHINES.values() if m.ledger is ledger)


# --- applying a move --------------------------------------------------------------------------------------


def may_take(actor: User | None, move: Move) -> bool:
    """Whether ``actor`` holds one of the move's capabilities (``None``, the system, always may)."""
    if actor is None or not move.capabilities:
        return True
    checker = getattr(actor, "can", None)
    return bool(getattr(actor, "is_authenticated", False) and checker is not None
                and any(checker(c) for c in move.capabilities))


def wrong_state(machine: Machine[Any], move: Move, state: str | None, message: str = "") -> TransitionRefused:
    """The one wrong-state refusal. ``message`` may say more (e.g. "no payment before the start")."""
    text = message or WRONG_STATE_MESSAGE.format(
        label=move.label or move.action, action=move.action, noun=machine.noun, noun_en=machine.noun_en,
        allowed="、".join(f"「{machine.state_label(s)}」" for s in move.sources),
        allowed_codes="/".join(str(s).upper() for s in move.sources),
        state=machine.state_label(state), state_code=str(state).upper())
    return TransitionRefused(text, code=WRONG_STATE)


def concurrent(machine: Machine[Any], state: str | None) -> ConcurrentChange:
    return ConcurrentChange(CONCURRENT_MESSAGE.format(noun=machine.noun, noun_en=machine.noun_en,
                                                      state=machine.state_label(state), state_code=str(state).upper()))


@dataclass
class Step(Generic[M]):
    """What :func:`transition_apply` did: the object as written, and the ledger row."""

    obj: M
    row: StepLedger
    source: str | None
    target: str | None


UNSET: Any = object()


def _user(actor: User | None) -> User | None:
    return actor if getattr(actor, "is_authenticated", False) else None


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if value is None or isinstance(value, (bool, int, float, str, list, dict)):
        return value
    return str(value)


IN_FUTURE = "办理时间不能晚于现在 / the time cannot be in the future"


def step_moment(when: datetime | None, *, not_before: datetime | None = None, too_early: str = "") -> datetime:
    """When a step happens: now, or ``when`` for a step done earlier on paper, never in the future and
    never before ``not_before`` (the previous step, the receipt; ``too_early`` says so)."""
    now = timezone.now()
    moment = now if when is None else when
    if moment > now + timedelta(minutes=1):
        raise BadInput(IN_FUTURE, fields={"when": [IN_FUTURE]})
    if not_before is not None and moment < not_before:
        raise BadInput(too_early, fields={"when": [too_early]})
    return moment


def transition_apply(
    obj: M,
    action: str,
    *,
    actor: User | None,
    expected: str | None = UNSET,
    note: str = "",
    at: datetime | None = None,
    check: Callable[[M], None] | None = None,
    changes: Callable[[M], Mapping[str, Any]] | Mapping[str, Any] | None = None,
    target: str | None = UNSET,
    effects: Callable[[M, str | None, str | None], Mapping[str, Any]] | None = None,
    row_fields: Mapping[str, Any] | None = None,
    after: Callable[[StepLedger], None] | None = None,
    audit: Mapping[str, Any] | None = None,
    refusal: Callable[[Move, str | None], str] | None = None,
    lock: Callable[[models.QuerySet[M]], models.QuerySet[M]] | None = None,
    audit_view: Callable[[M, dict[str, Any]], tuple[str, dict[str, Any]]] | None = None,
) -> Step[M]:
    """Take ``action`` on ``obj`` by its registered table, or refuse and change nothing.

    - ``expected``: the state the caller saw (default: the state on ``obj``); another one now is a
      ``ConcurrentChange``.
    - ``check(locked)``: the module's checks on the locked row, after the state check; raise to refuse.
    - ``changes``: other fields written with the state (a mapping, or computed from the locked row).
    - ``target``: the state to move to when the table says it depends (a withdrawal's "previous").
    - ``effects(locked, source, target)``: after the state is written; returns more ledger fields.
    - ``row_fields``: ledger fields known beforehand; ``after(row)``: once the ledger row exists
      (evidence files).
    - ``audit``: more facts for the audit entry; ``refusal(move, state)``: a more specific
      wrong-state message (the code stays ``WRONG_STATE``).
    - ``audit_view(locked, facts)``: the audit entry's label and facts as the module lets the audit log
      show them (a confidential complaint's entry says only that it moved); default: the object's
      own label and all the facts.
    """
    machine = machine_of(type(obj))
    move = machine.move(action)
    if not may_take(actor, move):
        raise PermissionDenied(move.capabilities[0])
    seen = getattr(obj, machine.field) if expected is UNSET else expected
    if at is not None:
        step_moment(at)  # a step recorded later: never in the future
    with transaction.atomic():
        rows = type(obj)._default_manager.select_for_update(of=("self",))
        locked = (lock(rows) if lock is not None else rows).get(pk=obj.pk)
        moment = at if at is not None else timezone.now()  # now: once the row is ours, after every earlier step
        source = getattr(locked, machine.field)
        if source != seen:
            raise concurrent(machine, source)
        if source not in move.sources:
            raise wrong_state(machine, move, source, refusal(move, source) if refusal is not None else "")
        if check is not None:
            check(locked)
        goal = target if target is not UNSET else move.target
        goal = source if goal == SAME else goal
        written = dict(changes(locked) if callable(changes) else (changes or {}))
        before = {k: getattr(locked, k) for k in written}
        values = {machine.field: goal, **written}
        if any(f.name == "updated_at" for f in type(obj)._meta.get_fields()):
            values["updated_at"] = timezone.now()
        manager = type(obj)._default_manager
        if manager.filter(pk=locked.pk, **{machine.field: source}).update(**values) != 1:
            raise concurrent(machine, None)
        for name, value in values.items():
            setattr(locked, name, value)
        extra = dict(row_fields or {})
        if effects is not None:
            extra |= effects(locked, source, goal)
        row = machine.ledger(**{machine.subject: locked}, action=action, from_state=source, to_state=goal,
                             actor=_user(actor), at=moment, note=note, **extra)
        row.save()
        if after is not None:
            after(row)
        facts: dict[str, Any] = {"action": action, "step": row.pk, "note": note}
        if goal != source:
            facts[machine.field] = [source, goal]
        facts |= {k: [_plain(v), _plain(written[k])] for k, v in before.items() if v != written[k]}
        facts |= {k: _plain(v) for k, v in extra.items()}
        facts |= {k: _plain(v) for k, v in (audit or {}).items()}
        label = ""
        if audit_view is not None:
            label, facts = audit_view(locked, facts)
        audit_record(actor=actor, action=Action.TRANSITION, obj=locked, object_label=label, changes=facts)
    for name in (machine.field, *written):
        setattr(obj, name, getattr(locked, name))
    return Step(obj=locked, row=row, source=source, target=goal)
