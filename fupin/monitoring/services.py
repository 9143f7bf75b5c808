"""Monitoring services: the whole-county run (set-based), and the steps of a monitoring case.

A run evaluates the rules of RULES.md §4 over columns for every monitored household (state EXITED,
or a candidate outside the register with no state), stores the households with at least one risk in
bulk, opens a case (发现) for each newly risky household that has no open case, and sends one inbox
message per recipient: the village's cadres and work team, and the households' helpers with an
account. Nothing in it runs a query per household.

The signal households (DEPT_SIGNAL) are an explicit input: the households named by open cross-check
findings of kind signal. The caller passes them (see ``fupin.monitoring.job_handlers`` and the
``monitor`` command).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import polars as pl
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import DecimalField, ExpressionWrapper, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from fupin.accounts.access import can
from fupin.accounts.models import Assignment, User
from fupin.accounts.roles import Cap, Role
from fupin.assessment.services import load_facts, param_for_area, params_for_villages
from fupin.core.audit import Action, audit_record
from fupin.core.bulk import fetch_rows, insert_rows, query_frame
from fupin.core.errors import BadInput, TransitionRefused
from fupin.core.workflow import Move, transition_apply, wrong_state
from fupin.inbox.services import inbox_send_many
from fupin.monitoring import rules
from fupin.monitoring.loops import case_proposals
from fupin.monitoring.models import CaseMeasure, CaseStep, MonitoringCase, MonitoringResult, MonitoringRun
from fupin.monitoring.transitions import MACHINE, MEASURE, STEPS
from fupin.notices.models import Notice
from fupin.notices.services import notice_publish
from fupin.registry.models import HelperAssignment, Household, IncomeRecord, Member, WorkTeamMember

NO_LABOUR = ("lost", "none")
"""劳动能力 codes of a member who cannot work (丧失劳动力, 无劳动力)."""
SUBJECT_TYPE = "registry.household"


def monitored_households(households: QuerySet[Household] | None = None) -> QuerySet[Household]:
    """The monitoring objects of RULES.md §4: EXITED households and candidates with no workflow state."""
    qs = households if households is not None else Household.objects.all()
    return qs.filter(Q(status=Household.Status.EXITED) | Q(status__isnull=True))


# --- facts and rules -----------------------------------------------------------------------------

def _cents(value: Any) -> int | None:
    return None if value is None else int(Decimal(str(value)) * 100)


def _income_frame(households: QuerySet[Household], year: int) -> pl.DataFrame:
    fields = ["household_id", "wage_income", "business_income", "property_income", "transfer_income",
              "business_expense"]
    rows = [(r[0], *(_cents(v) for v in r[1:]))
            for r in fetch_rows(IncomeRecord.objects.filter(household__in=households, year=year), fields)]
    return pl.DataFrame(rows, schema={"household_id": pl.Int64, "wage": pl.Int64, "business": pl.Int64,
                                      "property": pl.Int64, "transfer": pl.Int64, "expense": pl.Int64},
                        orient="row")


def _rigid_frame(households: QuerySet[Household], year: int) -> pl.DataFrame:
    """Medical out-of-pocket + education spending + disaster losses of ``year`` (cents), summed in
    SQL; a record with all three blank has no figure (null), one with some blank counts them as 0."""
    parts = ("medical_out_of_pocket", "education_expense", "disaster_loss")
    zero = Value(Decimal("0.00"), output_field=DecimalField(max_digits=14, decimal_places=2))
    qs = (IncomeRecord.objects.filter(household__in=households, year=year)
          .exclude(medical_out_of_pocket__isnull=True, education_expense__isnull=True, disaster_loss__isnull=True)
          .annotate(rigid=ExpressionWrapper(sum((Coalesce(F(f), zero) for f in parts[1:]), Coalesce(F(parts[0]), zero)),
                                            output_field=DecimalField(max_digits=14, decimal_places=2))))
    rows = [(hid, _cents(total)) for hid, total in fetch_rows(qs, ["household_id", "rigid"])]
    return pl.DataFrame(rows, schema={"household_id": pl.Int64, "rigid_cents": pl.Int64}, orient="row")


def load_monitoring_facts(year: int, households: QuerySet[Household]) -> rules.MonitoringFacts:
    facts = load_facts(year, households)
    status = query_frame(households, ["id", "status"], {"id": pl.Int64, "status": pl.String})
    hh = facts.households.join(status, on="id", how="left")
    return rules.MonitoringFacts(
        facts=type(facts)(hh, facts.members, facts.incomes),
        previous_incomes=_income_frame(households, year - 1),
        rigid=_rigid_frame(households, year),
    )


def evaluate(year: int, households: QuerySet[Household], signal_household_ids: Iterable[int] = ()
             ) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The rules over ``households`` (restricted to monitoring objects): every evaluated household."""
    qs = monitored_households(households)
    mfacts = load_monitoring_facts(year, qs)
    params, record = params_for_villages(year, mfacts.facts.households["village_id"].unique().to_list())
    if not params:
        return pl.DataFrame(), record
    # In household order: the joins and group-bys of the rules do not keep an order, and the cases and
    # results are written in this order (the same registry gives the same rows, demo included).
    return rules.evaluate(mfacts, year, params, signal_household_ids).sort("id"), record


# --- the county run ------------------------------------------------------------------------------

RESULT_COLUMNS = ("run_id", "household_id", "year", "category", "risks", "per_capita_income", "monitoring_line",
                  "details")


def _decimal(cents: int | None) -> Decimal | None:
    return None if cents is None else Decimal(cents) / 100


@transaction.atomic
def monitor_county(year: int, *, actor: User | None = None, signal_household_ids: Iterable[int] = (),
                   households: QuerySet[Household] | None = None, is_demo: bool = False) -> MonitoringRun:
    """Run monitoring for ``year`` over every monitored household (or those of ``households``: a run of the
    households a registry write changed, which never stands for the county's run), store the households at risk,
    open cases for new ones and alert the people responsible.

    ``signal_household_ids``: households named by open cross-check signal findings (DEPT_SIGNAL).
    """
    signals = sorted(set(signal_household_ids))
    df, record = evaluate(year, households if households is not None else Household.objects.all(), signals)
    user = actor if getattr(actor, "is_authenticated", False) else None
    scope = MonitoringRun.Scope.COUNTY if households is None else MonitoringRun.Scope.HOUSEHOLDS
    run = MonitoringRun.objects.create(year=year, params=record, policy_versions=record.get("versions", []),
                                       ruleset_version=rules.RULESET_VERSION, actor=user, scope=scope,
                                       signal_households=len(signals))
    at_risk = df.filter(pl.col("risks") != "") if not df.is_empty() else df
    if not at_risk.is_empty():
        out = at_risk.select(pl.col("id"), "category", "risks", "per_capita_cents", "mline_cents", "details")
        insert_rows(MonitoringResult, RESULT_COLUMNS,
                    ((run.pk, hid, year, category, risks, _decimal(pc), _decimal(line), details)
                     for hid, category, risks, pc, line, details in out.iter_rows()))
    opened = _open_cases(run, at_risk, is_demo=is_demo)
    run.households = df.height
    run.at_risk = at_risk.height
    run.cases_opened = opened
    run.totals = {} if at_risk.is_empty() else {c: int(n) for c, n in at_risk.group_by("category").len().iter_rows()}
    run.finished_at = timezone.now()
    run.save(update_fields=["households", "at_risk", "cases_opened", "totals", "finished_at"])
    audit_record(actor=actor, action=Action.CREATE, obj=run,
                 changes={"year": year, "households": run.households, "at_risk": run.at_risk,
                          "cases_opened": opened, "totals": run.totals, "signal_households": len(signals)})
    return run


def _open_cases(run: MonitoringRun, at_risk: pl.DataFrame, *, is_demo: bool = False) -> int:
    """A case (发现) for every household at risk without an open case; then the alerts. The case row
    itself records the opening (``opened_run``, ``opened_at``; the run is audited), so the step
    ledger starts with the first step a person takes."""
    if at_risk.is_empty():
        return 0
    open_ids = pl.Series("id", [r[0] for r in fetch_rows(
        MonitoringCase.objects.filter(step__in=MonitoringCase.OPEN_STEPS), ["household_id"])], dtype=pl.Int64)
    new = at_risk.filter(~pl.col("id").is_in(open_ids.implode())).select("id", "village_id", "category", "risks")
    if new.is_empty():
        return 0
    now = timezone.now()
    insert_rows(MonitoringCase, ("household_id", "step", "year", "category", "risks", "opened_run_id", "opened_at",
                                 "is_demo"),
                ((hid, MonitoringCase.Step.ALERT, run.year, category, risks, run.pk, now, is_demo)
                 for hid, _village, category, risks in new.iter_rows()))
    _send_alerts(run, new)
    return new.height


def _send_alerts(run: MonitoringRun, new: pl.DataFrame) -> int:
    """One message per recipient: village cadres and work team of each village (a count and a link
    to the village's new alerts), and each helper with an account (the households they help).
    Households are found by the run that opened their cases (joins, not lists of ids)."""
    opened = Household.objects.filter(monitoring_cases__opened_run=run)
    counts = {vid: int(n) for vid, n in new.group_by("village_id").len().iter_rows()}
    today = timezone.localdate()
    village_users: dict[int, set[int]] = defaultdict(set)
    for uid, area_id in (Assignment.objects.filter(area_id__in=list(counts), role__in=(Role.VILLAGE_CADRE,
                                                                                     Role.WORK_TEAM))
                         .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
                         .values_list("user_id", "area_id")):
        village_users[area_id].add(uid)
    for uid, area_id in (WorkTeamMember.objects.filter(team__village_id__in=list(counts), user__isnull=False,
                                                       ends_on__isnull=True, team__ends_on__isnull=True)
                         .values_list("user_id", "team__village_id")):
        village_users[area_id].add(uid)
    by_village: dict[int, list[str]] = defaultdict(list)
    if village_users:
        for village_id, number in fetch_rows(opened.filter(village_id__in=list(village_users)),
                                             ["village_id", "household_no"]):
            by_village[village_id].append(number)
    cases_url = reverse("monitoring:case-list")
    messages: list[tuple[int, str, str, str]] = []
    for village_id, users in village_users.items():
        nos = sorted(by_village[village_id])
        title = _("防返贫监测：本村新发现 %(n)s 户风险，请入户核实") % {"n": counts[village_id]}
        body = "、".join(nos[:30]) + ("……" if len(nos) > 30 else "")
        messages += [(uid, title, body, f"{cases_url}?village={village_id}&step=alert") for uid in sorted(users)]
    helped: dict[int, list[str]] = defaultdict(list)
    for uid, number in (HelperAssignment.objects.filter(household__in=opened, user__isnull=False, ends_on__isnull=True)
                        .values_list("user_id", "household__household_no")):
        helped[uid].append(number)
    for uid, nos in helped.items():
        nos.sort()
        title = _("防返贫监测：您帮扶的 %(n)s 户出现返贫风险") % {"n": len(nos)}
        messages.append((uid, title, "、".join(nos[:30]) + ("……" if len(nos) > 30 else ""),
                         f"{cases_url}?step=alert&q={nos[0] if len(nos) == 1 else ''}"))
    return inbox_send_many(messages)


# --- monitoring cases ----------------------------------------------------------------------------

WRONG_STEP = N_("「{action}」只适用于处于「{allowed}」环节的案例，该案例当前为「{step}」 / "
              "{action_code} applies to cases at step {allowed_code}; this one is at {step_code}")
NEEDS_MEASURE = N_("落实帮扶前须至少登记一项帮扶措施 / record at least one help measure before assistance starts")
TOO_EARLY = N_("认定为监测对象（{identified}）未满 {months} 个月，{earliest} 起方可标注风险消除 / "
             "monitored since {identified}, less than {months} months: risk can be marked eliminated from {earliest}")
NO_MEASURE_DONE = N_("尚无已落实的帮扶措施，不能标注风险消除 / "
                   "no help measure has been carried out yet: risk cannot be marked eliminated")
NO_INCOME = N_("该户没有可用的收入记录或监测线，无法确认收入高于监测线 / "
             "no income record with a monitoring line: income above the line cannot be confirmed")
INCOME_NOT_ABOVE = N_("{year} 年人均纯收入 {income} 元，未高于监测线 {line} 元，不能标注风险消除 / "
                    "per-capita income {income} of {year} is not above the monitoring line {line}: refused")
NO_LABOUR_MSG = N_("该户整户无劳动能力，须持续监测，不能标注风险消除 / "
                 "no member of the household can work (整户无劳动能力): it stays monitored")
NOTE_REQUIRED = N_("须填写核实情况说明 / a note of what the visit found is required")
BAD_MEASURE = N_("请填写措施类型、内容和开始日期 / kind, description and start date are required")
BAD_MEASURE_DATES = N_("完成日期不能早于开始日期 / the end date cannot be before the start date")
MEASURE_DONE_NEEDS_END = N_("已落实的措施须填写完成日期 / a carried-out measure needs its end date")




def _step_label(code: str) -> str:
    return str(dict(MonitoringCase.Step.choices).get(code, code))


def _action_label(code: str) -> str:
    return str(dict(CaseStep.Action.choices).get(code, code))


def _refuse(message: str, code: str, **values: Any) -> TransitionRefused:
    return TransitionRefused(_(message).format(**values), code=code)


def household_no_labour(household_id: int) -> bool:
    """整户无劳动能力: the household has members and none of them can work (劳动能力 丧失/无)."""
    members = Member.objects.filter(household_id=household_id)
    return members.exists() and not members.exclude(labour__in=NO_LABOUR).exists()


def household_income_check(household: Household) -> tuple[int, int, int] | None:
    """(year, per-capita cents, monitoring line cents) of the household's latest income year that has
    a monitoring line, computed by the same rules as the county run; None when there is none."""
    years = sorted(IncomeRecord.objects.filter(household=household).values_list("year", flat=True), reverse=True)
    for year in years:
        try:
            df, _record = evaluate(year, Household.objects.filter(pk=household.pk))
        except BadInput:  # no published parameters for that year
            continue
        if df.is_empty():
            continue
        row = df.row(0, named=True)
        if row["per_capita_cents"] is not None and row["mline_cents"] is not None:
            return year, int(row["per_capita_cents"]), int(row["mline_cents"])
    return None


def _fmt(cents: int) -> str:
    return f"{Decimal(cents) / 100:,.2f}"


def elimination_problems(case: MonitoringCase, *, today: date | None = None) -> list[TransitionRefused]:
    """Why risk may not be marked eliminated today (empty when it may)."""
    day = today or timezone.localdate()
    problems: list[TransitionRefused] = []
    months = int(param_for_area(case.year, case.household.village, "monitoring_min_months"))
    if case.identified_on is not None:
        earliest = case.identified_on + relativedelta(months=months)
        if day < earliest:
            problems.append(_refuse(TOO_EARLY, "MONITORING_TOO_EARLY", identified=case.identified_on, months=months,
                                    earliest=earliest))
    if not case.measures.filter(done=True).exists():
        problems.append(_refuse(NO_MEASURE_DONE, "MONITORING_NO_MEASURE_DONE"))
    income = household_income_check(case.household)
    if income is None:
        problems.append(_refuse(NO_INCOME, "MONITORING_NO_INCOME"))
    elif not income[1] > income[2]:
        problems.append(_refuse(INCOME_NOT_ABOVE, "MONITORING_INCOME_NOT_ABOVE_LINE", year=income[0],
                                income=_fmt(income[1]), line=_fmt(income[2])))
    if household_no_labour(case.household_id):
        problems.append(_refuse(NO_LABOUR_MSG, "MONITORING_NO_LABOUR"))
    return problems


def _ensure(actor: User | None, capability: str) -> None:
    if actor is not None and not can(actor, capability):
        raise PermissionDenied(capability)


def _wrong_step(move: Move, step: str | None) -> str:
    """The case's wording of the core's wrong-state refusal (code WRONG_STATE)."""
    return _(WRONG_STEP).format(action=_action_label(move.action) if move is not MEASURE else str(move.label),
                                action_code=move.action, allowed="、".join(_step_label(s or "") for s in move.sources),
                                allowed_code=",".join(str(s) for s in move.sources), step=_step_label(step or ""),
                                step_code=step)


def case_step(case: MonitoringCase, action: str, *, actor: User | None, note: str = "", today: date | None = None,
              when: datetime | None = None) -> MonitoringCase:
    """Move a case by one step of 发现 → 入户核实 → 认定 (with notice) → 帮扶 → 风险消除, or refuse
    and change nothing. ``dismiss`` closes an alert that the visit did not confirm. The table is
    :mod:`fupin.monitoring.transitions`; the workflow core applies it (``transition_apply``)."""
    note = note.strip()
    moment = when or timezone.now()
    spec = STEPS.get(action)

    def check(locked: MonitoringCase) -> None:
        if action in ("verify", "dismiss") and not note:
            raise BadInput(_(NOTE_REQUIRED), code="NOTE_REQUIRED", fields={"note": [_(NOTE_REQUIRED)]})
        if action == "assist" and not locked.measures.exists():
            raise _refuse(NEEDS_MEASURE, "MONITORING_NEEDS_MEASURE")
        if action == "eliminate":
            problems = elimination_problems(locked, today=today)
            if problems:
                raise TransitionRefused("；".join(p.message for p in problems), code=problems[0].code)

    def changes(locked: MonitoringCase) -> dict[str, Any]:
        written: dict[str, Any] = {}
        if action == "identify":
            written["identified_on"] = timezone.localdate(moment)
        if spec is not None and spec.target in ("eliminated", "dismissed"):
            written["closed_at"] = moment
        return written

    def effects(locked: MonitoringCase, source: str | None, target: str | None) -> dict[str, Any]:
        if action == "identify":  # the notice, once the case is identified (its row is written)
            notice = _publish_notice(locked, actor, timezone.localdate(moment))
            MonitoringCase.objects.filter(pk=locked.pk).update(notice=notice)
            locked.notice = notice
        if action == "eliminate":  # the household facts its measures changed, offered (ADR 0026 §4)
            case_proposals(locked, actor=actor)
        return {}

    step = transition_apply(
        case, action, actor=actor, note=note, at=moment, check=check, changes=changes, effects=effects,
        refusal=_wrong_step, audit={"household": case.household.household_no},
        lock=lambda rows: rows.select_related("household", "household__village"))
    return step.obj


def _publish_notice(case: MonitoringCase, actor: User | None, starts_on: date) -> Notice:
    household = case.household
    days = int(param_for_area(case.year, household.village, "notice_days"))
    head = Member.objects.filter(household_id=household.pk, relation="head").values_list("name", flat=True).first()
    label = str(dict(MonitoringCase._meta.get_field("category").choices or []).get(case.category, case.category))
    title = f"{household.village.name} {head or household.household_no} 户 认定为防返贫监测对象（{label}）"
    body = "\n".join([
        f"户编号：{household.household_no}",
        f"户主：{head or '—'}",
        f"监测类别：{label}",
        "如有异议，请在公示期内向村委会、乡镇人民政府反映，或拨打监督电话 12317。",
    ])
    return notice_publish(kind=Notice.Kind.MONITORING, area=household.village, title=title[:200], body=body,
                          starts_on=starts_on, days=days, actor=actor, subject_type=SUBJECT_TYPE,
                          subject_id=household.pk, subject_label=household.household_no, is_demo=case.is_demo)


@transaction.atomic
def measure_add(case: MonitoringCase, *, actor: User | None, kind: str, description: str, starts_on: date | None,
                ends_on: date | None = None, done: bool = False) -> CaseMeasure:
    """Record a help measure on an open case (identified or assisting)."""
    _ensure(actor, Cap.MONITORING_WORK)
    locked = MonitoringCase.objects.select_for_update().get(pk=case.pk)
    if locked.step not in MEASURE.sources:  # the core's one wrong-state refusal
        raise wrong_state(MACHINE, MEASURE, locked.step, _wrong_step(MEASURE, locked.step))
    description = description.strip()
    if kind not in CaseMeasure.Kind.values or not description or starts_on is None:
        raise BadInput(_(BAD_MEASURE), code="BAD_MEASURE")
    if ends_on is not None and ends_on < starts_on:
        raise BadInput(_(BAD_MEASURE_DATES), code="BAD_MEASURE", fields={"ends_on": [_(BAD_MEASURE_DATES)]})
    if done and ends_on is None:
        raise BadInput(_(MEASURE_DONE_NEEDS_END), code="BAD_MEASURE", fields={"ends_on": [_(MEASURE_DONE_NEEDS_END)]})
    measure = CaseMeasure.objects.create(case=locked, kind=kind, description=description[:300], starts_on=starts_on,
                                         ends_on=ends_on, done=done,
                                         recorded_by=actor if getattr(actor, "is_authenticated", False) else None)
    audit_record(actor=actor, action=Action.CREATE, obj=measure,
                 changes={"case": locked.pk, "kind": kind, "description": measure.description,
                          "starts_on": starts_on, "ends_on": ends_on, "done": done})
    return measure


@transaction.atomic
def measure_complete(measure: CaseMeasure, *, actor: User | None, ends_on: date | None) -> CaseMeasure:
    """Mark a measure carried out (已落实) on ``ends_on``."""
    _ensure(actor, Cap.MONITORING_WORK)
    if ends_on is None:
        raise BadInput(_(MEASURE_DONE_NEEDS_END), code="BAD_MEASURE")
    if ends_on < measure.starts_on:
        raise BadInput(_(BAD_MEASURE_DATES), code="BAD_MEASURE")
    CaseMeasure.objects.filter(pk=measure.pk).update(done=True, ends_on=ends_on)
    measure.refresh_from_db()
    audit_record(actor=actor, action=Action.UPDATE, obj=measure, changes={"done": [False, True], "ends_on": ends_on})
    return measure


def details_of(result: MonitoringResult) -> dict[str, Any]:
    raw = result.details
    return json.loads(raw) if isinstance(raw, str) else dict(raw)
