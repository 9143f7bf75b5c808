"""Writes to projects: proposal, every step of the sequence, beneficiaries, assets, public objections.

:func:`project_step` applies :mod:`fupin.projects.transitions` through the workflow core
(:func:`fupin.core.workflow.transition_apply`, ADR 0017). Every step, in one transaction: lock the
project row (``SELECT … FOR UPDATE``) and compare its status with the one the caller saw
(``ConcurrentChange`` otherwise); check the table (``WRONG_STATE``, in the sequence's own words
where one applies: no payment before the start …), and, as the project's ``check``, the actor's
capability and area (and, for the responsible unit's steps, that the actor belongs to that unit),
the input, the current notice (run its full length, no objection pending or upheld) and the money
rules; then write the new status and the other fields with a conditional update, take the current
notice down (announcements stay up) and publish the step's notice (``effects``), insert the step
row and its documents, and append an audit entry.

A refusal raises (``TransitionRefused``, ``BadInput``, ``PermissionDenied``) before anything is
written; documents already stored are deleted again, so a refused step leaves nothing behind.

Money rules (REFERENCE §7.3, the action plan's 先启动再拨付、先验收再报账):
- no payment before the start: ``pay`` exists only from STARTED and ACCEPTED;
- spending (payments to the contractor or a beneficiary; transfers are not spending) may exceed
  the approved total by at most ``project_overspend_ratio`` (10 %); beyond that a re-approval
  (追加批复) must raise the approved total first;
- allocations (资金下达) never exceed the approved total;
- no settlement before acceptance, and none of a project that spent nothing;
- settlement retains the quality deposit (质保金): ``project_deposit_ratio`` of the contractor's
  settled contract, i.e. of what the contractor was paid plus the deposit itself (paid 95 000 at
  5 % → a contract of 100 000, a deposit of 5 000), due for release ``project_deposit_months``
  after the acceptance; the deposit is not spent, and counts against the overspend limit already;
- the release (质保金返还) pays exactly the deposit to the contractor, once, and not before its day.

Objections to a project's notices reach the responsible unit: :func:`project_objection_resolve`
lets an officer of the project's department resolve them (with a reply), besides those who resolve
notices in the notice's area; anyone else is refused and nothing changes.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from fupin.accounts.access import can
from fupin.accounts.models import Department, User
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.areas.scoping import scope_of
from fupin.assessment import services as assessment
from fupin.core.audit import Action, audit_record
from fupin.core.errors import BadInput, DomainError, TransitionRefused
from fupin.core.files import stored_file_save
from fupin.core.workflow import (
    UNKNOWN_ACTION,
    UNKNOWN_ACTION_MESSAGE,
    UNSET,
    Move,
    StepLedger,
    step_moment,
    transition_apply,
)
from fupin.notices.models import Notice, Objection
from fupin.notices.selectors import notice_block
from fupin.notices.services import notice_close, notice_publish, objection_raise, objection_resolve
from fupin.projects.loops import project_proposals
from fupin.projects.models import (
    BUDGET_FIELDS,
    PAYING_ACTIONS,
    SPENDING_PAYEES,
    ZERO,
    Asset,
    AssetPayout,
    Beneficiary,
    FundSource,
    Project,
    ProjectAttachment,
    ProjectStep,
    PublicSubmission,
)
from fupin.projects.selectors import actor_units
from fupin.projects.transitions import (
    LASTING_KINDS,
    NEW,
    PROJECT_KINDS,
    TRANSITIONS,
    Transition,
    actions_from,
)
from fupin.registry.models import Household
from fupin.workflow.services import Evidence, evidence_read

SUBJECT_TYPE = "projects.project"
CENT = Decimal("0.01")

WRONG_STATE = ("「{label}」只适用于状态为{allowed}的项目，该项目当前为「{state}」 / "
               "{action} applies to projects in {allowed_codes}; this one is {state_code}")
PAY_BEFORE_START = ("项目尚未开工（当前为「{state}」），不能拨付资金：先启动、再拨付 / "
                    "the project has not started ({state_code}): no payment before the start")
SETTLE_BEFORE_ACCEPTANCE = ("项目尚未竣工验收（当前为「{state}」），不能报账：先验收、再报账 / "
                            "the project has not been accepted ({state_code}): no settlement before acceptance")
START_BEFORE_APPROVAL = ("项目尚未批复实施（当前为「{state}」），不能开工：先规划、再实施 / "
                         "the project is not approved for implementation ({state_code}): no start before approval")
NOTE_REQUIRED = "「{label}」须填写说明 / {action} needs a note"
NO_NOTICE = ("找不到该项目当前环节的公示，无法确认公示期已满 / "
             "no notice of the project's current step is on record, so its period cannot be confirmed")
NOTICE_RUNNING = ("「{title}」尚在公示期内（{starts} 至 {ends}），{next} 起方可办理「{label}」 / "
                  "the notice runs until {ends}; {action} is possible from {next}")
NOTICE_CLOSED_EARLY = ("「{title}」在公示期满前已撤下（{closed}），未满 {days} 天，不能办理「{label}」 / "
                       "the notice was taken down on {closed}, before its {days} days had run: {action} is refused")
OBJECTION_PENDING = ("「{title}」有 {n} 条异议尚未处理，处理完毕前不能办理「{label}」 / "
                     "the notice has {n} unresolved objection(s): {action} waits until they are resolved")
OBJECTION_UPHELD = ("「{title}」的异议已认定成立，不能办理「{label}」；请调整或出库 / "
                    "an objection to the notice was upheld: {action} is refused; adjust or withdraw the project")
NOTICE_MESSAGES = {"NO_NOTICE": NO_NOTICE, "NOTICE_RUNNING": NOTICE_RUNNING, "NOTICE_CLOSED_EARLY": NOTICE_CLOSED_EARLY,
                   "OBJECTION_PENDING": OBJECTION_PENDING, "OBJECTION_UPHELD": OBJECTION_UPHELD}
OVERSPEND = ("累计支出将达 {total} 元，超过批复金额 {approved} 元的 {pct}%（上限 {limit} 元），须先追加批复 / "
             "spending would reach {total}, more than {pct}% over the approved {approved} (limit {limit}): "
             "a new approval (reapprove) is needed first")
OVER_ALLOCATED = ("累计下达资金将达 {total} 元，超过批复金额 {approved} 元 / "
                  "allocations would reach {total}, more than the approved {approved}")
NOTHING_SPENT = "项目没有任何支出，不能报账 / nothing was spent on the project: no settlement"
REAPPROVE_LOWER = ("追加批复金额 {amount} 元须高于现批复金额 {approved} 元 / "
                   "the new approved total {amount} must exceed the current {approved}")
AMOUNT_REQUIRED = "「{label}」须填写金额（大于 0，最多两位小数） / {action} needs an amount (> 0, two decimals at most)"
SOURCE_REQUIRED = "须选择资金来源（中央、省、市、区级财政或统筹整合资金） / choose a fund source"
PAYEE_REQUIRED = ("拨付须选择收款方类型（施工/供货单位、受益农户、转拨）并填写收款方 / "
                  "a payment needs a payee kind (contractor, beneficiary, transfer) and a payee name")
PAYEE_HOUSEHOLD = ("拨付给受益农户须选择本项目的受益户 / "
                   "a payment to a beneficiary must name one of the project's beneficiary households")
NOT_A_MONEY_STEP = "「{label}」不涉及金额 / {action} takes no amount"
ADJUST_NOTHING = "年度调整未改变任何内容 / the adjustment changes nothing"
BEFORE_LAST = "办理时间早于该项目上一步（{last}） / the time is before the project's previous step ({last})"
NOT_YOUR_UNIT = ("「{label}」由责任单位「{unit}」办理 / {action} is taken by the responsible unit ({unit})")
FIELD_REQUIRED = "「{label}」为必填项 / {name} is required"
NO_TARGETS = "未设定绩效目标的项目不能入库 / a project without performance targets cannot enter the library"
BAD_SCHEDULE = "计划完工日期不能早于计划开工日期 / the planned end cannot precede the planned start"
BAD_BUDGET = "{label}金额无效（不小于 0，最多两位小数） / {name}: invalid amount (>= 0, two decimals at most)"
NO_BUDGET = "项目资金规模须大于 0 / the project budget must be more than 0"
BAD_AREA = "实施地点须为本辖区内的区县、乡镇或村 / the location must be a county, township or village in your area"
BAD_YEAR = "计划年度无效 / invalid plan year"
HOUSEHOLD_UNKNOWN = "户编号「{no}」不存在或不在本项目辖区内 / household {no} not found in the project's area"
ALREADY_BENEFICIARY = "该户已是本项目受益户 / the household already benefits from this project"
BENEFICIARIES_CLOSED = "已报账或已出库的项目不能再增加受益户 / settled or withdrawn projects take no new beneficiaries"
ASSET_NOT_YET = ("项目竣工验收后方可登记形成的资产（当前为「{state}」） / "
                 "assets are recorded once the project is accepted (now {state_code})")
ASSET_HOUSEHOLD = "到户类资产须填写受益户编号 / a household asset needs the household"
PAYOUT_HOUSEHOLD = ("收益分配对象须为该资产所在辖区的户 / the payout must go to a household in the asset's area")
PAYOUT_TWICE = "该户本年度已分配过该资产收益 / this household already had a payout of this asset for the year"
NOT_PUBLIC = "该公示不对外公开 / this notice is not public"
DEPOSIT_OVERSPEND = ("已支出 {spent} 元连同应留质保金 {deposit} 元将达 {total} 元，超过批复金额 {approved} 元的 "
                     "{pct}%（上限 {limit} 元），须先追加批复再报账 / the spending {spent} plus the quality deposit "
                     "{deposit} would reach {total}, more than {pct}% over the approved {approved} (limit {limit}): "
                     "reapprove before settling")
BAD_DEPOSIT_RATIO = ("政策参数「项目质保金比例」为 {ratio}，须小于 1 / "
                     "the policy parameter project_deposit_ratio is {ratio}; it must be below 1")
NO_DEPOSIT = "该项目报账时未留质保金，无需返还 / settlement retained no quality deposit on this project"
DEPOSIT_RELEASED = "该项目的质保金已于 {on} 返还 / the quality deposit was released on {on}"
DEPOSIT_NOT_DUE = ("质保期至 {last} 止，质保金 {deposit} 元须于 {due} 起方可返还 / "
                   "the warranty runs until {last}: the deposit of {deposit} can be released from {due}")
DEPOSIT_AMOUNT = ("返还金额须等于所留质保金 {deposit} 元 / the release pays exactly the retained deposit ({deposit})")
DEPOSIT_PAYEE = ("质保金返还给施工/供货单位，须填写收款单位 / "
                 "the deposit goes back to the contractor: name the contractor")
NOT_A_PROJECT_OBJECTION = "该异议不是针对项目公示的 / this objection is not about a project notice"
OBJECTION_NOT_YOURS = ("该异议由项目责任单位「{unit}」或公示所在地的公示管理人员处理 / "
                       "objections to this project are resolved by its responsible unit ({unit}) "
                       "or by those who manage notices where it was posted")
RATE_LIMITED = ("提交过于频繁，请稍后再试，或拨打监督举报电话 12317 / "
                "too many submissions from your connection: try again later, or call the 12317 hotline")


# --- small helpers ----------------------------------------------------------------------------


def money(raw: Any, *, label: str = "金额", name: str = "amount", allow_zero: bool = False) -> Decimal:
    """A yuan amount with at most two decimals (never a float); BadInput naming the field otherwise."""
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        value = Decimal(-1)
    if not value.is_finite() or value != value.quantize(CENT) or value < 0 or (value == 0 and not allow_zero):
        message = BAD_BUDGET.format(label=label, name=name)
        raise BadInput(message, fields={name: [message]})
    return value.quantize(CENT)


def status_label(status: str) -> str:
    return str(Project.Status(status).label) if status else "—"


def refuse(template: str, spec: Transition | None = None, *, code: str = "TRANSITION_REFUSED",
           **values: Any) -> TransitionRefused:
    if spec is not None:
        values.setdefault("label", spec.label)
        values.setdefault("action", spec.action)
    return TransitionRefused(template.format(**values), code=code)


def notice_area(area: Area, level: str) -> Area:
    """Where a notice of ``level`` is posted for a project located in ``area``."""
    if level == "project":
        return area
    wanted = "township" if level == "township" else "county"
    node: Area | None = area
    while node is not None:
        if node.level == wanted or (wanted == "township" and node.level == "county"):
            return node
        node = node.parent
    return area


def spending_total(project_id: int, *, payees: Sequence[str] = SPENDING_PAYEES) -> Decimal:
    """Money paid (payments and the deposit's release) to ``payees``: by default, what counts as spent."""
    total = (ProjectStep.objects.filter(project_id=project_id, action__in=PAYING_ACTIONS, payee__in=payees)
             .aggregate(s=Sum("amount"))["s"] or ZERO)
    return Decimal(total).quantize(CENT)  # SQLite sums come back without the cents


def allocated_total(project_id: int) -> Decimal:
    total = (ProjectStep.objects.filter(project_id=project_id, action=ProjectStep.Action.ALLOCATE)
             .aggregate(s=Sum("amount"))["s"] or ZERO)
    return Decimal(total).quantize(CENT)


def overspend_ratio(project: Project) -> Decimal:
    return Decimal(str(assessment.param_for_area(assessment.work_year(), project.area, "project_overspend_ratio")))


def deposit_released_on(project_id: int) -> date | None:
    return (ProjectStep.objects.filter(project_id=project_id, action=ProjectStep.Action.RELEASE)
            .values_list("on", flat=True).first())


def deposit_held(project: Project) -> bool:
    """Settlement retained a deposit that has not been released yet."""
    return bool(project.deposit) and deposit_released_on(project.pk) is None


def may_take(actor: User | None, spec: Transition, project: Project) -> bool:
    """The actor holds the step's capability, covers the project's area, and (for a responsible
    unit's step, unless they hold the county's capability) belongs to the project's unit."""
    if actor is None:
        return True
    if not any(can(actor, c) for c in spec.capabilities) or not scope_of(actor).covers(project.area):
        return False
    if spec.unit_may and not can(actor, Cap.PROJECTS_COUNTY):
        return project.department_id in actor_units(actor)
    return True


def open_actions(actor: User | None, project: Project) -> list[Transition]:
    """The steps ``actor`` may take on ``project`` now, as the pages and the API offer them (the
    deposit's release only while one is held); the service still checks everything when taken."""
    held = deposit_held(project) if project.status == Project.Status.SETTLED else False
    return [t for t in actions_from(project.status)
            if may_take(actor, t, project) and (t.action != ProjectStep.Action.RELEASE or held)]


def _ensure_may(actor: User | None, spec: Transition, project: Project) -> None:
    if actor is None:
        return
    if not any(can(actor, c) for c in spec.capabilities):
        raise PermissionDenied(spec.capabilities[0])
    if not scope_of(actor).covers(project.area):
        raise PermissionDenied("project outside the actor's areas")
    if spec.unit_may and not can(actor, Cap.PROJECTS_COUNTY) and project.department_id not in actor_units(actor):
        raise PermissionDenied(NOT_YOUR_UNIT.format(label=spec.label, action=spec.action, unit=project.department))



def current_notice(project: Project) -> Notice | None:
    """The notice published by the step that brought the project into its current status."""
    step = (ProjectStep.objects.filter(project_id=project.pk, to_state=project.status, notice__isnull=False)
            .select_related("notice").order_by("-at", "-pk").first())
    return step.notice if step is not None else None


def notice_check(spec: Transition, notice: Notice | None, day: date) -> TransitionRefused | None:
    """Why the current notice stops this step on ``day``, or None (the rule is the notices app's)."""
    block = notice_block(notice, day, waits_for_notice=spec.waits_for_notice,
                         halted_by_objection=spec.halted_by_objection)
    return refuse(NOTICE_MESSAGES[block.code], spec, code=block.code, **block.values) if block else None


def _notice_text(spec: Transition, project: Project, starts: date, ends: date) -> tuple[str, str]:
    what = str(Notice.Kind(spec.publishes).label) if spec.publishes else ""
    title = f"{project.name} {what}"
    lines = [
        f"项目名称：{project.name}（{project.number}）",
        f"项目类别：{project.get_category_display()}；建设性质：{project.get_nature_display()}",
        f"实施地点：{project.area.name} {project.location}".rstrip(),
        f"建设任务：{project.tasks}",
        f"资金规模：{project.budget_total:,.2f} 元（"
        + "，".join(f"{label} {amount:,.2f}" for _s, label, amount in project.budget_by_source() if amount) + "）",
        f"计划工期：{project.planned_start:%Y-%m-%d} 至 {project.planned_end:%Y-%m-%d}",
        f"责任单位：{project.department.name}",
        f"绩效目标：{project.performance_targets}",
        f"带贫减贫机制：{project.benefit_mechanism}",
        f"事项：{what}；公示期：{starts:%Y-%m-%d} 至 {ends:%Y-%m-%d}",
        "如有异议，请在公示期内向责任单位、乡镇人民政府反映，或拨打监督举报电话 12317。",
    ]
    return title[:200], "\n".join(lines)


def _publish(spec: Transition, project: Project, day: date, actor: User | None, is_demo: bool) -> Notice | None:
    if not spec.publishes:
        return None
    area = notice_area(project.area, spec.notice_level)
    days = int(assessment.param_for_area(assessment.work_year(), area, "project_notice_days"))
    starts, ends = day, day + timedelta(days=days - 1)
    title, body = _notice_text(spec, project, starts, ends)
    return notice_publish(kind=spec.publishes, area=area, title=title, body=body, starts_on=starts, days=days,
                          actor=actor, subject_type=SUBJECT_TYPE, subject_id=project.pk,
                          subject_label=project.number, is_demo=is_demo)


def _store_documents(step: StepLedger, evidence: Sequence[Evidence], saved: list[str]) -> None:
    assert isinstance(step, ProjectStep)
    for item in evidence:
        stored_file_save(ProjectAttachment(step=step), item, saved)


def _with_documents(files: Iterable[Any], work: Any) -> Any:
    evidence = evidence_read(files)
    saved: list[str] = []
    try:
        with transaction.atomic():
            return work(evidence, saved)
    except BaseException:
        for name in saved:  # the rows are rolled back; the files are not, so remove them
            default_storage.delete(name)
        raise


# --- creating a project (村级申报) ---------------------------------------------------------------


@dataclass
class ProjectInput:
    """What a proposal carries (REFERENCE §7.1); validated by :func:`project_propose`."""

    year: int
    name: str
    category: str
    nature: str
    area: Area
    department: Department
    planned_start: date
    planned_end: date
    tasks: str
    benefit_mechanism: str
    performance_targets: str
    location: str = ""
    budget: dict[str, Any] = field(default_factory=dict)  # fund source → amount


REQUIRED_TEXT = {"name": "项目名称", "tasks": "建设任务", "benefit_mechanism": "群众参与和带贫减贫机制"}


def _clean_budget(budget: dict[str, Any]) -> dict[str, Decimal]:
    unknown = set(budget) - set(BUDGET_FIELDS)
    if unknown:
        raise BadInput(SOURCE_REQUIRED, fields={"budget": [SOURCE_REQUIRED]})
    cleaned = {s: money(budget.get(s) or "0", label=str(FundSource(s).label), name=BUDGET_FIELDS[s], allow_zero=True)
               for s in BUDGET_FIELDS}
    if sum(cleaned.values(), ZERO) <= 0:
        raise BadInput(NO_BUDGET, fields={"budget": [NO_BUDGET]})
    return cleaned


def _clean_input(data: ProjectInput, actor: User | None) -> dict[str, Decimal]:
    for name, label in REQUIRED_TEXT.items():
        if not str(getattr(data, name) or "").strip():
            message = FIELD_REQUIRED.format(label=label, name=name)
            raise BadInput(message, fields={name: [message]})
    if not data.performance_targets.strip():
        raise BadInput(NO_TARGETS, code="NO_TARGETS", fields={"performance_targets": [NO_TARGETS]})
    if data.category not in Project.Category.values or data.nature not in Project.Nature.values:
        message = FIELD_REQUIRED.format(label="项目类别/建设性质", name="category/nature")
        raise BadInput(message, fields={"category": [message]})
    if data.planned_end < data.planned_start:
        raise BadInput(BAD_SCHEDULE, fields={"planned_end": [BAD_SCHEDULE]})
    if not 2000 <= data.year <= 2100:
        raise BadInput(BAD_YEAR, fields={"year": [BAD_YEAR]})
    if data.area.level not in ("county", "township", "village") or data.area.valid_to is not None or (
            actor is not None and not scope_of(actor).covers(data.area)):
        raise BadInput(BAD_AREA, fields={"area": [BAD_AREA]})
    return _clean_budget(data.budget)


def project_propose(data: ProjectInput, *, actor: User | None, households: Iterable[Household] = (),
                    files: Iterable[Any] = (), when: datetime | None = None, is_demo: bool = False) -> Project:
    """Enter a project (村级申报) and publish its village notice; refused without performance targets."""
    spec = TRANSITIONS["propose"]
    if actor is not None and not can(actor, Cap.PROJECTS_PROPOSE):
        raise PermissionDenied(Cap.PROJECTS_PROPOSE)
    budget = _clean_input(data, actor)
    moment = step_moment(when)
    households = list(households)

    def work(evidence: Sequence[Evidence], saved: list[str]) -> Project:
        project = Project(year=data.year, name=data.name.strip()[:200], category=data.category, nature=data.nature,
                          area=data.area, location=data.location.strip()[:200], planned_start=data.planned_start,
                          planned_end=data.planned_end, department=data.department, tasks=data.tasks.strip(),
                          benefit_mechanism=data.benefit_mechanism.strip(),
                          performance_targets=data.performance_targets.strip(), status=Project.Status.PROPOSED,
                          created_by=actor if getattr(actor, "is_authenticated", False) else None,
                          created_at=moment, updated_at=moment, is_demo=is_demo,
                          **{BUDGET_FIELDS[s]: v for s, v in budget.items()})
        project.full_clean()
        project.save()
        for household in households:
            _beneficiary_insert(project, household)
        notice = _publish(spec, project, timezone.localdate(moment), actor, is_demo)
        step = ProjectStep.objects.create(project=project, action=spec.action, from_state=NEW,
                                          to_state=project.status, actor=_user(actor), at=moment,
                                          on=timezone.localdate(moment), notice=notice)
        _store_documents(step, evidence, saved)
        audit_record(actor=actor, action=Action.CREATE, obj=project, changes={
            "year": project.year, "area": project.area.code, "department": project.department.code,
            "budget": {s: v for s, v in budget.items() if v}, "notice": notice.pk if notice else None,
            "beneficiaries": [h.household_no for h in households],
            "attachments": [f"{e.name} sha256:{e.sha256}" for e in evidence]})
        return project

    project: Project = _with_documents(files, work)
    return project


def _user(actor: User | None) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# --- every later step ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StepInput:
    note: str = ""
    amount: Any = None
    source: str = ""
    payee: str = ""
    payee_name: str = ""
    household: Household | None = None
    year: int | None = None  # adjust
    budget: dict[str, Any] | None = None  # adjust


def project_step(project: Project, action: str, *, actor: User | None, data: StepInput | None = None,
                 files: Iterable[Any] = (), when: datetime | None = None,
                 expected: str | None = UNSET) -> ProjectStep:
    """Take ``action`` (a code of the transition table) on ``project``, or refuse and change nothing.

    ``expected`` is the status the caller saw (default: ``project.status``): another one in the row
    now raises ``ConcurrentChange``. ``when`` records a step done earlier on paper (never in the
    future, never before the project's previous step); notice periods and money dates count from its
    date. ``actor=None`` is the system (scripts, the demo) and skips the capability check. Input is
    validated here too, since the pages and the API share this service.
    """
    if action not in TRANSITIONS or action == "propose":
        raise TransitionRefused(UNKNOWN_ACTION_MESSAGE.format(action=action), code=UNKNOWN_ACTION)
    spec = TRANSITIONS[action]
    _ensure_may(actor, spec, project)
    data = data or StepInput()
    step: ProjectStep = _with_documents(
        files, lambda evidence, saved: _apply(project, spec, actor=actor, data=data, evidence=evidence,
                                              when=when, saved=saved, expected=expected))
    project.refresh_from_db()
    return step


def _state_refusal(move: Move, status: str | None) -> str:
    """The wrong-state message, saying which rule of the sequence the step breaks (code WRONG_STATE)."""
    spec = TRANSITIONS[move.action]
    status = status or ""
    values = {"state": status_label(status), "state_code": status.upper()}
    if spec.action == "pay" and status in (Project.Status.PROPOSED, Project.Status.TOWNSHIP_REVIEWED,
                                           Project.Status.PLANNED, Project.Status.APPROVED):
        return refuse(PAY_BEFORE_START, spec, **values).message
    if spec.action == "settle" and status in (Project.Status.APPROVED, Project.Status.STARTED, Project.Status.PLANNED,
                                              Project.Status.PROPOSED, Project.Status.TOWNSHIP_REVIEWED):
        return refuse(SETTLE_BEFORE_ACCEPTANCE, spec, **values).message
    if spec.action == "start" and status in (Project.Status.PROPOSED, Project.Status.TOWNSHIP_REVIEWED,
                                             Project.Status.PLANNED):
        return refuse(START_BEFORE_APPROVAL, spec, **values).message
    return refuse(WRONG_STATE, spec, allowed="、".join(f"「{status_label(s)}」" for s in spec.sources),
                  allowed_codes="/".join(s.upper() for s in spec.sources), **values).message


def _money_check(spec: Transition, locked: Project, data: StepInput) -> dict[str, Any]:
    """Validate the money of a step; returns the step row's money fields."""
    fields: dict[str, Any] = {}
    if spec.money:
        try:
            amount = money(data.amount if data.amount not in (None, "") else "x")
        except BadInput:
            message = AMOUNT_REQUIRED.format(label=spec.label, action=spec.action)
            raise BadInput(message, fields={"amount": [message]}) from None
        if data.source not in FundSource.values:
            raise BadInput(SOURCE_REQUIRED, fields={"source": [SOURCE_REQUIRED]})
        fields |= {"amount": amount, "source": data.source}
        approved = locked.approved_total or ZERO
        if spec.action == "allocate":
            total = allocated_total(locked.pk) + amount
            if total > approved:
                raise refuse(OVER_ALLOCATED, spec, code="OVER_ALLOCATED", total=f"{total:,.2f}",
                             approved=f"{approved:,.2f}")
        if spec.action == "pay":
            if data.payee not in ProjectStep.Payee.values or not data.payee_name.strip():
                raise BadInput(PAYEE_REQUIRED, fields={"payee": [PAYEE_REQUIRED]})
            if data.payee == ProjectStep.Payee.BENEFICIARY and (
                    data.household is None
                    or not Beneficiary.objects.filter(project_id=locked.pk, household_id=data.household.pk).exists()):
                raise BadInput(PAYEE_HOUSEHOLD, fields={"household": [PAYEE_HOUSEHOLD]})
            fields |= {"payee": data.payee, "payee_name": data.payee_name.strip()[:100],
                       "household": data.household if data.payee == ProjectStep.Payee.BENEFICIARY else None}
            if data.payee != ProjectStep.Payee.TRANSFER:
                ratio = overspend_ratio(locked)
                limit = (approved * (1 + ratio)).quantize(CENT)
                total = spending_total(locked.pk) + amount
                if total > limit:
                    raise refuse(OVERSPEND, spec, code="OVERSPEND", total=f"{total:,.2f}", approved=f"{approved:,.2f}",
                                 pct=f"{ratio * 100:.0f}", limit=f"{limit:,.2f}")
    elif data.amount not in (None, "") and spec.action != "reapprove":
        raise BadInput(NOT_A_MONEY_STEP.format(label=spec.label, action=spec.action))
    return fields


def _apply(project: Project, spec: Transition, *, actor: User | None, data: StepInput, evidence: Sequence[Evidence],
           when: datetime | None, saved: list[str], expected: str | None) -> ProjectStep:
    """The project's rules around the core's step: checks on the locked row, money, the other
    fields, the notices."""
    note = data.note.strip()
    moment = when or timezone.now()
    day = timezone.localdate(moment)
    found: dict[str, Any] = {"notice": None, "money": {}, "changes": {}}
    # More facts for the audit entry; the core reads them once the step is done.
    facts: dict[str, Any] = {"closed_notice": None, "attachments": [f"{e.name} sha256:{e.sha256}" for e in evidence]}

    def check(locked: Project) -> None:
        _ensure_may(actor, spec, locked)
        if spec.requires_note and not note:
            raise refuse(NOTE_REQUIRED, spec, code="NOTE_REQUIRED")
        last_at = ProjectStep.objects.filter(project_id=locked.pk).order_by("-at").values_list("at", flat=True).first()
        if when is not None and last_at is not None and when < last_at:  # a step "now" is stamped under the lock
            message = BEFORE_LAST.format(last=timezone.localtime(last_at).strftime("%Y-%m-%d %H:%M"))
            raise BadInput(message, fields={"when": [message]})
        notice_now = found["notice"] = current_notice(locked)
        problem = notice_check(spec, notice_now, day)
        if problem:
            raise problem
        found["money"] = (_release_check(locked, data, day) if spec.action == "release"
                          else _money_check(spec, locked, data))
        changes: dict[str, Any] = {}
        if spec.action == "approve":
            changes["approved_total"] = locked.budget_total
        if spec.action == "reapprove":
            amount = money(data.amount if data.amount not in (None, "") else "x", label="追加批复金额")
            if amount <= (locked.approved_total or ZERO):
                raise refuse(REAPPROVE_LOWER, spec, code="REAPPROVE_LOWER", amount=f"{amount:,.2f}",
                             approved=f"{locked.approved_total or ZERO:,.2f}")
            changes["approved_total"] = amount
        if spec.action == "settle":
            changes |= _deposit_retained(locked, spec)
        if spec.action == "adjust":
            changes |= _adjustment(locked, data)
        found["changes"] = changes

    def effects(locked: Project, source: str | None, target: str | None) -> dict[str, Any]:
        notice_now: Notice | None = found["notice"]
        if (target != source and notice_now is not None and notice_now.status == Notice.Status.OPEN
                and notice_now.kind not in LASTING_KINDS):
            notice_close(notice_now, actor=actor, note=spec.label, when=moment)
            facts["closed_notice"] = notice_now.pk
        if spec.action == "accept":  # the household facts an accepted project implies, offered (ADR 0026 §4)
            project_proposals(locked, day, actor=actor)
        money_fields, changes = found["money"], found["changes"]
        return {
            "on": day, "notice": _publish(spec, locked, day, actor, locked.is_demo),
            "amount": money_fields.get("amount", changes.get("approved_total") if spec.action == "reapprove"
                                       else changes.get("deposit") if spec.action == "settle" else None),
            "source": money_fields.get("source", ""), "payee": money_fields.get("payee", ""),
            "payee_name": money_fields.get("payee_name", ""), "household": money_fields.get("household")}

    def audited(row: StepLedger) -> None:
        household = getattr(row, "household", None)
        facts["household"] = household.household_no if household is not None else ""
        _store_documents(row, evidence, saved)

    step = transition_apply(
        project, spec.action, actor=actor, expected=expected, note=note, at=when, check=check,
        changes=lambda locked: found["changes"], effects=effects, after=audited, audit=facts, refusal=_state_refusal,
        lock=lambda rows: rows.select_related("area", "department"))
    row = step.row
    assert isinstance(row, ProjectStep)
    return row


def _deposit_retained(locked: Project, spec: Transition) -> dict[str, Any]:
    """The settlement's quality deposit and its release day (see the module docstring), or refuse."""
    spent = spending_total(locked.pk)
    if spent <= 0:
        raise refuse(NOTHING_SPENT, spec, code="NOTHING_SPENT")
    year = assessment.work_year()
    ratio = Decimal(str(assessment.param_for_area(year, locked.area, "project_deposit_ratio")))
    if ratio >= 1:
        raise refuse(BAD_DEPOSIT_RATIO, spec, code="BAD_DEPOSIT_RATIO", ratio=ratio)
    to_contractor = spending_total(locked.pk, payees=(ProjectStep.Payee.CONTRACTOR,))
    deposit = (to_contractor * ratio / (1 - ratio)).quantize(CENT, rounding=ROUND_HALF_UP)
    if deposit <= 0:
        return {"deposit": None, "deposit_due": None}
    approved = locked.approved_total or ZERO
    limit = (approved * (1 + overspend_ratio(locked))).quantize(CENT)
    if spent + deposit > limit:
        raise refuse(DEPOSIT_OVERSPEND, spec, code="OVERSPEND", spent=f"{spent:,.2f}", deposit=f"{deposit:,.2f}",
                     total=f"{spent + deposit:,.2f}", approved=f"{approved:,.2f}",
                     pct=f"{overspend_ratio(locked) * 100:.0f}", limit=f"{limit:,.2f}")
    accepted_on = (ProjectStep.objects.filter(project_id=locked.pk, action=ProjectStep.Action.ACCEPT)
                   .order_by("-at", "-pk").values_list("on", flat=True).first())
    months = int(assessment.param_for_area(year, locked.area, "project_deposit_months"))
    return {"deposit": deposit, "deposit_due": (accepted_on or timezone.localdate()) + relativedelta(months=months)}


def _release_check(locked: Project, data: StepInput, day: date) -> dict[str, Any]:
    """The release of the deposit: one is held, its day has come, it is paid whole to the contractor."""
    spec = TRANSITIONS["release"]
    if not locked.deposit or locked.deposit_due is None:
        raise refuse(NO_DEPOSIT, spec, code="NO_DEPOSIT")
    released = deposit_released_on(locked.pk)
    if released is not None:
        raise refuse(DEPOSIT_RELEASED, spec, code="DEPOSIT_RELEASED", on=released)
    if day < locked.deposit_due:
        raise refuse(DEPOSIT_NOT_DUE, spec, code="DEPOSIT_NOT_DUE", deposit=f"{locked.deposit:,.2f}",
                     due=locked.deposit_due, last=locked.deposit_due - timedelta(days=1))
    if data.amount not in (None, "") and money(data.amount) != locked.deposit:
        message = DEPOSIT_AMOUNT.format(deposit=f"{locked.deposit:,.2f}")
        raise BadInput(message, code="DEPOSIT_AMOUNT", fields={"amount": [message]})
    if data.source not in FundSource.values:
        raise BadInput(SOURCE_REQUIRED, fields={"source": [SOURCE_REQUIRED]})
    if data.payee not in ("", ProjectStep.Payee.CONTRACTOR) or not data.payee_name.strip():
        raise BadInput(DEPOSIT_PAYEE, fields={"payee_name": [DEPOSIT_PAYEE]})
    return {"amount": locked.deposit, "source": data.source, "payee": ProjectStep.Payee.CONTRACTOR,
            "payee_name": data.payee_name.strip()[:100], "household": None}


def _adjustment(locked: Project, data: StepInput) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if data.year is not None and data.year != locked.year:
        if not 2000 <= data.year <= 2100:
            raise BadInput(BAD_YEAR, fields={"year": [BAD_YEAR]})
        changes["year"] = data.year
    if data.budget:
        cleaned = _clean_budget({s: data.budget.get(s, getattr(locked, f)) for s, f in BUDGET_FIELDS.items()})
        changes |= {BUDGET_FIELDS[s]: v for s, v in cleaned.items() if v != getattr(locked, BUDGET_FIELDS[s])}
    if not changes:
        raise BadInput(ADJUST_NOTHING)
    return changes


# --- beneficiaries -----------------------------------------------------------------------------


def _beneficiary_insert(project: Project, household: Household, benefit: str = "") -> Beneficiary:
    if not household.village.path.startswith(project.area.path):
        raise BadInput(HOUSEHOLD_UNKNOWN.format(no=household.household_no), fields={"household": ["outside"]})
    if Beneficiary.objects.filter(project=project, household=household).exists():
        raise BadInput(ALREADY_BENEFICIARY, fields={"household": [ALREADY_BENEFICIARY]})
    return Beneficiary.objects.create(project=project, household=household, benefit=benefit.strip()[:200])


def household_for_project(project: Project, household_no: str) -> Household:
    """A registry household in the project's area, by its number; BadInput naming it otherwise."""
    no = household_no.strip()
    household = (Household.objects.select_related("village").filter(household_no=no,
                                                                     village__path__startswith=project.area.path)
                 .first())
    if household is None:
        raise BadInput(HOUSEHOLD_UNKNOWN.format(no=no), fields={"household_no": [HOUSEHOLD_UNKNOWN.format(no=no)]})
    return household


def households_for_area(area: Area, numbers: Iterable[str]) -> list[Household]:
    """The registry households with these numbers in ``area`` (a proposal's beneficiaries), in the
    order given, duplicates dropped; BadInput naming the first number that is not there."""
    probe = Project(area=area)
    wanted = list(dict.fromkeys(n.strip() for n in numbers if n.strip()))
    return [household_for_project(probe, n) for n in wanted]


@transaction.atomic
def beneficiary_add(project: Project, *, household: Household, benefit: str = "", actor: User | None) -> Beneficiary:
    """Name a registry household as a beneficiary (before settlement)."""
    locked = Project.objects.select_for_update(of=("self",)).select_related("area").get(pk=project.pk)
    if actor is not None and not (can(actor, Cap.PROJECTS_PROPOSE) or can(actor, Cap.PROJECTS_COUNTY)
                                  or can(actor, Cap.PROJECTS_TOWNSHIP)):
        raise PermissionDenied(Cap.PROJECTS_PROPOSE)
    if actor is not None and not scope_of(actor).covers(locked.area):
        raise PermissionDenied("project outside the actor's areas")
    if locked.status in (Project.Status.SETTLED, Project.Status.WITHDRAWN):
        raise TransitionRefused(BENEFICIARIES_CLOSED, code="BENEFICIARIES_CLOSED")
    row = _beneficiary_insert(locked, household, benefit)
    audit_record(actor=actor, action=Action.CREATE, obj=row,
                 changes={"project": locked.pk, "household": household.household_no, "benefit": row.benefit})
    return row


# --- assets and their income -------------------------------------------------------------------


@transaction.atomic
def asset_create(project: Project, *, name: str, kind: str, value: Any, owner: str, custodian: str,
                 formed_on: date, household: Household | None = None, actor: User | None) -> Asset:
    """Record an asset the project formed (after acceptance), by class, with owner and custodian."""
    locked = Project.objects.select_for_update(of=("self",)).select_related("area").get(pk=project.pk)
    if actor is not None and (not can(actor, Cap.PROJECTS_ASSETS) or not scope_of(actor).covers(locked.area)):
        raise PermissionDenied(Cap.PROJECTS_ASSETS)
    if locked.status not in (Project.Status.ACCEPTED, Project.Status.SETTLED):
        raise TransitionRefused(ASSET_NOT_YET.format(state=status_label(locked.status),
                                                     state_code=locked.status.upper()), code="ASSET_NOT_YET")
    for label, text in (("资产名称", name), ("所有权人", owner), ("管护责任人", custodian)):
        if not text.strip():
            message = FIELD_REQUIRED.format(label=label, name=label)
            raise BadInput(message, fields={"name": [message]})
    if kind not in Asset.Kind.values:
        raise BadInput(FIELD_REQUIRED.format(label="资产类别", name="kind"), fields={"kind": ["required"]})
    if kind == Asset.Kind.HOUSEHOLD and household is None:
        raise BadInput(ASSET_HOUSEHOLD, fields={"household_no": [ASSET_HOUSEHOLD]})
    asset = Asset(project=locked, name=name.strip()[:200], kind=kind, value=money(value, label="资产原值", name="value",
                                                                                  allow_zero=True),
                  owner=owner.strip()[:100], custodian=custodian.strip()[:100], formed_on=formed_on,
                  household=household if kind == Asset.Kind.HOUSEHOLD else None)
    asset.full_clean()
    asset.save()
    audit_record(actor=actor, action=Action.CREATE, obj=asset, changes={
        "project": locked.pk, "kind": kind, "value": asset.value, "owner": asset.owner, "custodian": asset.custodian,
        "household": asset.household.household_no if asset.household else ""})
    return asset


@transaction.atomic
def asset_payout(asset: Asset, *, household: Household, year: int, amount: Any, paid_on: date,
                 actor: User | None) -> AssetPayout:
    """Record the income of ``asset`` paid to one household in ``year`` (shown on the household's file)."""
    locked = Asset.objects.select_for_update(of=("self",)).select_related("project__area").get(pk=asset.pk)
    if actor is not None and (not can(actor, Cap.PROJECTS_ASSETS)
                              or not scope_of(actor).covers(locked.project.area)):
        raise PermissionDenied(Cap.PROJECTS_ASSETS)
    if not household.village.path.startswith(locked.project.area.path):
        raise BadInput(PAYOUT_HOUSEHOLD, fields={"household_no": [PAYOUT_HOUSEHOLD]})
    if AssetPayout.objects.filter(asset=locked, year=year, household=household).exists():
        raise BadInput(PAYOUT_TWICE, fields={"household_no": [PAYOUT_TWICE]})
    row = AssetPayout.objects.create(asset=locked, household=household, year=year, paid_on=paid_on,
                                     amount=money(amount, label="分配金额"), recorded_by=_user(actor))
    audit_record(actor=actor, action=Action.CREATE, obj=row, changes={
        "asset": locked.pk, "household": household.household_no, "year": year, "amount": row.amount})
    return row


# --- objections from the public pages ------------------------------------------------------------


def sender_key(address: str) -> str:
    """A keyed hash of the sender's address: enough to count submissions, useless to identify anyone."""
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


def public_objection(notice: Notice, *, text: str, raised_by_name: str = "", contact: str = "",
                     address: str) -> Objection:
    """A member of the public objects to a project notice on /public/ (channel 网上提交).

    At most ``FUPIN_PUBLIC_OBJECTIONS_PER_HOUR`` from one address in an hour; the objection then
    follows every rule of :func:`fupin.notices.services.objection_raise` (only while on display).
    """
    if notice.kind not in PROJECT_KINDS:
        raise DomainError(NOT_PUBLIC, code="NOT_PUBLIC")
    key = sender_key(address)
    limit = int(getattr(settings, "FUPIN_PUBLIC_OBJECTIONS_PER_HOUR", 5))
    with transaction.atomic():
        recent = PublicSubmission.objects.filter(sender=key, at__gte=timezone.now() - timedelta(hours=1))
        if recent.count() >= limit:
            raise DomainError(RATE_LIMITED, code="RATE_LIMITED")
        objection = objection_raise(notice, text=text[:4000], actor=None, raised_by_name=raised_by_name[:50],
                                    contact=contact[:50], channel=Objection.Channel.WEB)
        PublicSubmission.objects.create(sender=key)
        PublicSubmission.objects.filter(at__lt=timezone.now() - timedelta(days=1)).delete()
    return objection


def objection_project(objection: Objection) -> Project | None:
    """The project whose notice the objection is about (None for any other notice)."""
    notice = objection.notice
    if notice.subject_type != SUBJECT_TYPE or notice.subject_id is None:
        return None
    return Project.objects.select_related("area", "department").filter(pk=notice.subject_id).first()


def may_resolve_objection(actor: User | None, project: Project, notice: Notice) -> bool:
    """An officer of the project's responsible unit (in whose areas the project lies), or whoever
    resolves objections to notices (``notices.manage``) where the notice hangs."""
    scope = scope_of(actor)
    if can(actor, Cap.NOTICES_MANAGE) and scope.covers(notice.area):
        return True
    return project.department_id in actor_units(actor) and scope.covers(project.area)


def project_objection_resolve(objection: Objection, *, outcome: str, resolution: str, actor: User | None,
                              when: datetime | None = None) -> Objection:
    """Resolve an objection to one of a project's notices, with a reply (处理意见), as the responsible
    unit; refused (nothing changed) for anyone else. Dismissed, it releases the step the notice held;
    upheld, it stops it (the notices app's rule)."""
    project = objection_project(objection)
    if project is None:
        raise DomainError(NOT_A_PROJECT_OBJECTION, code="NOT_A_PROJECT_OBJECTION")
    if actor is not None and not may_resolve_objection(actor, project, objection.notice):
        raise PermissionDenied(OBJECTION_NOT_YOURS.format(unit=project.department.name))
    return objection_resolve(objection, outcome=outcome, resolution=resolution, actor=actor, when=when,
                             owner_checked=True)
