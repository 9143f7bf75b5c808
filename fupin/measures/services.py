"""Writes of the measures module: programmes seed, recording a measure (eligibility, amount limit,
non-overlapping periods), deciding on suggestions, 爱心超市 points. Every write is audited."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from fupin.accounts.access import ensure_can
from fupin.accounts.models import Department, User
from fupin.accounts.roles import Cap
from fupin.assessment.models import PolicyVersion
from fupin.assessment.params import Params
from fupin.assessment.services import params_for_villages
from fupin.core.audit import Action, audit_record
from fupin.core.errors import BadInput, ConcurrentChange
from fupin.core.workflow import transition_apply
from fupin.measures import rules
from fupin.measures.catalogue import AWARD_CATEGORIES, AWARD_POINT_RULES, POINT_RULES, PROGRAMMES
from fupin.measures.loops import measure_proposals
from fupin.measures.models import (
    AwardCategory,
    Measure,
    MeasureStep,
    PointAccount,
    PointEntry,
    PointRule,
    Programme,
    SuggestionDecision,
)
from fupin.measures.transitions import ACTION_TO
from fupin.registry.models import Household, Member

ACTIVE = (Measure.Status.PLANNED, Measure.Status.DELIVERING, Measure.Status.DONE)


def programmes_seed() -> int:
    """Store (or refresh) the programmes, point rules and award categories of the catalogue; returns how
    many programmes."""
    for sort, data in enumerate(PROGRAMMES):
        Programme.objects.update_or_create(code=data["code"], defaults={**data, "sort": sort})
    for code, name, category, points in POINT_RULES + AWARD_POINT_RULES:
        PointRule.objects.update_or_create(code=code, defaults={"name": name, "category": category, "points": points})
    for sort, (code, name, kind, rule) in enumerate(AWARD_CATEGORIES):
        AwardCategory.objects.update_or_create(code=code, defaults={
            "name": name, "kind": kind, "sort": sort, "point_rule": PointRule.objects.filter(code=rule).first()})
    return len(PROGRAMMES)


def params_year(year: int) -> int:
    """The year whose published parameters govern measures of ``year``: that year's, or else the latest
    published year before it (a county keeps its last standards until it publishes new ones)."""
    years = set(PolicyVersion.objects.filter(region__isnull=True, status=PolicyVersion.Status.PUBLISHED)
                .values_list("year", flat=True))
    if year in years or not years:
        return year
    earlier = [y for y in years if y < year]
    return max(earlier) if earlier else min(years)


def params_for(year: int, village_ids: Any) -> dict[int, Params]:
    return params_for_villages(params_year(year), village_ids)[0]


def period_end(period: str, day: date) -> date | None:
    """The last day of the period (month, half-year semester, year) that contains ``day``."""
    if period == Programme.Period.MONTH:
        return day.replace(day=calendar.monthrange(day.year, day.month)[1])
    if period == Programme.Period.SEMESTER:
        return date(day.year, 6, 30) if day.month <= 6 else date(day.year, 12, 31)
    if period == Programme.Period.YEAR:
        return date(day.year, 12, 31)
    return None


def person_of(m: Member) -> rules.Person:
    return rules.Person(m.pk, m.birth_date, m.schooling, m.health, m.disability_level, m.labour, m.dibao)


def house_of(h: Household, members: list[Member]) -> rules.HouseFacts:
    return rules.HouseFacts(h.attribute, h.housing_grade, h.housing_renovated, tuple(person_of(m) for m in members))


@dataclass
class MeasureInput:
    programme: Programme
    starts_on: date
    ends_on: date | None = None
    member: Member | None = None
    amount: Decimal | None = None
    quantity: int | None = None
    evidence: str = ""
    status: str = Measure.Status.DONE


def validate(data: MeasureInput, household: Household, house: rules.HouseFacts, params: Params) -> MeasureInput:
    """Check one measure against its programme's rules; returns it with its period's end filled in.
    Raises BadInput naming the rule (Chinese / English)."""
    p = data.programme
    if not p.active:
        raise BadInput(f"帮扶项目「{p.name}」已停用 / programme {p.code} is no longer in use", code="PROGRAMME_INACTIVE")
    if p.target == Programme.Target.MEMBER and data.member is None:
        raise BadInput(f"「{p.name}」须指定受益成员 / {p.code} needs the member who benefits", code="MEMBER_REQUIRED",
                       fields={"member": ["required"]})
    if data.member is not None and data.member.household_id != household.pk:
        raise BadInput("受益成员不是该户成员 / the member is not in this household", code="MEMBER_NOT_IN_HOUSEHOLD",
                       fields={"member": ["invalid"]})
    person = next((x for x in house.members if data.member and x.pk == data.member.pk), None)
    why = rules.check(p.rule, person, house, params, data.starts_on)
    if why:
        raise BadInput(f"不符合「{p.name}」条件：{why}", code="NOT_ELIGIBLE", fields={"programme": ["not_eligible"]})
    end = period_end(p.period, data.starts_on)
    if end is not None:
        if data.ends_on is None:
            data.ends_on = end
        elif data.ends_on > end:
            raise BadInput(f"「{p.name}」按期发放，一条记录不能跨期（本期至 {end}）/ one record per period: this period "
                           f"ends on {end}", code="PERIOD_SPANS", fields={"ends_on": ["invalid"]})
    if data.ends_on is not None and data.ends_on < data.starts_on:
        raise BadInput("结束日期不能早于开始日期 / the end is before the start", code="DATES_ORDER",
                       fields={"ends_on": ["invalid"]})
    if data.amount is not None and data.amount < 0:
        raise BadInput("金额不能为负数 / an amount must not be negative", code="AMOUNT_NEGATIVE", fields={"amount": ["invalid"]})
    limit = params.money(p.limit_param) if p.limit_param else None
    if limit is not None and data.amount is not None and data.amount > limit:
        raise BadInput(f"「{p.name}」金额 {data.amount} 元超过政策上限 {limit} 元 / {data.amount} yuan exceeds the "
                       f"policy limit of {limit} yuan", code="AMOUNT_OVER_LIMIT", fields={"amount": ["over_limit"]})
    return data


def overlapping(data: MeasureInput, household: Household) -> Measure | None:
    """An active measure of the same per-period programme and beneficiary whose period overlaps."""
    if not data.programme.period:
        return None
    qs = Measure.objects.filter(programme=data.programme, household=household, status__in=ACTIVE,
                                starts_on__lte=data.ends_on or data.starts_on)
    qs = qs.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=data.starts_on))
    qs = qs.filter(member=data.member) if data.member is not None else qs.filter(member__isnull=True)
    return qs.first()


def _department(code: str) -> Department | None:
    return Department.objects.filter(code=code).first()


@transaction.atomic
def measure_create(household: Household, data: MeasureInput, *, actor: User | None, source: str = Measure.Source.MANUAL
                   ) -> Measure:
    if actor is not None:
        ensure_can(actor, Cap.MEASURES_EDIT)
    household = Household.objects.select_for_update().get(pk=household.pk)  # serialises a household's measures
    members = list(household.members.order_by("pk"))
    params = params_for(data.starts_on.year, [household.village_id])[household.village_id]
    data = validate(data, household, house_of(household, members), params)
    clash = overlapping(data, household)
    if clash is not None:
        raise BadInput(f"与已有记录的期间重叠（{clash.starts_on} 至 {clash.ends_on or '—'}）/ the period overlaps a "
                       f"recorded measure ({clash.starts_on} to {clash.ends_on or 'open'})", code="PERIOD_OVERLAP",
                       fields={"starts_on": ["overlap"]})
    measure = Measure.objects.create(
        household=household, member=data.member, programme=data.programme,
        department=_department(data.programme.department_code), starts_on=data.starts_on, ends_on=data.ends_on,
        amount=data.amount, quantity=data.quantity, evidence=data.evidence, status=data.status, source=source,
        created_by=actor if actor is not None else None)
    audit_record(actor=actor, action=Action.CREATE, obj=measure, changes={
        "programme": data.programme.code, "household": household.household_no,
        "member": data.member.pk if data.member else None, "starts_on": data.starts_on, "ends_on": data.ends_on,
        "amount": data.amount, "source": source})
    measure_proposals([measure], actor=actor)  # a measure recorded as carried out: the fact it implies, offered
    return measure


def measure_set_status(measure: Measure, status: str, *, actor: User | None, note: str = "") -> Measure:
    """Move a measure on (计划 → 实施中 → 已落实) or cancel it (with a reason, kept in the evidence note);
    a cancelled measure no longer counts and frees its period. The moves are the table in
    :mod:`fupin.measures.transitions`; a move the measure's status does not allow is refused (WRONG_STATE)."""
    action = ACTION_TO.get(status)
    if action is None:
        raise BadInput(f"没有改为「{status}」的操作 / no step makes a measure {status}", code="STATUS_INVALID",
                       fields={"status": ["invalid"]})
    reason = note.strip()

    def needs_reason(locked: Measure) -> None:
        if action == MeasureStep.Action.CANCEL and not reason:
            raise BadInput("取消须说明理由 / a cancellation needs a reason", code="REASON_REQUIRED",
                           fields={"note": ["required"]})

    def evidence(locked: Measure) -> dict[str, Any]:
        if not reason:
            return {}
        return {"evidence": f"{locked.evidence}；{reason}"[-300:] if locked.evidence else reason[:300]}

    def propose(locked: Measure, source: str | None, target: str | None) -> dict[str, Any]:
        if target == Measure.Status.DONE:  # carried out: the registry fact it implies, offered (ADR 0026 §4)
            measure_proposals([locked], actor=actor, carried_out=True)
        return {}

    return transition_apply(measure, action, actor=actor, note=reason, check=needs_reason, changes=evidence,
                            effects=propose).obj


# --- suggestions ------------------------------------------------------------------------------------


@transaction.atomic
def suggestion_accept(household: Household, programme: Programme, *, starts_on: date, actor: User | None,
                      member: Member | None = None, amount: Decimal | None = None, evidence: str = "") -> Measure:
    """Accept a suggestion: the measure is recorded (rules checked), and the decision is kept."""
    if member is None and programme.target == Programme.Target.MEMBER:
        from fupin.measures.suggestions import first_eligible_member
        member = first_eligible_member(household, programme, starts_on)
    measure = measure_create(household, MeasureInput(programme, starts_on, member=member, amount=amount,
                                                     evidence=evidence or "采纳系统建议", status=Measure.Status.PLANNED),
                             actor=actor, source=Measure.Source.SUGGESTION)
    _decide(household, programme, SuggestionDecision.Decision.ACCEPTED, "", actor, measure)
    return measure


@transaction.atomic
def suggestion_dismiss(household: Household, programme: Programme, *, reason: str, actor: User | None) -> SuggestionDecision:
    if actor is not None:
        ensure_can(actor, Cap.MEASURES_EDIT)
    if not reason.strip():
        raise BadInput("不采纳须说明理由 / a dismissal needs a reason", code="REASON_REQUIRED",
                       fields={"reason": ["required"]})
    return _decide(household, programme, SuggestionDecision.Decision.DISMISSED, reason.strip(), actor, None)


def _decide(household: Household, programme: Programme, decision: str, reason: str, actor: User | None,
            measure: Measure | None) -> SuggestionDecision:
    try:
        with transaction.atomic():
            row = SuggestionDecision.objects.create(household=household, programme=programme, decision=decision,
                                                    reason=reason, measure=measure, decided_by=actor)
    except IntegrityError:
        raise BadInput(f"「{programme.name}」的建议已处理过 / this suggestion was already decided",
                       code="SUGGESTION_DECIDED") from None
    audit_record(actor=actor, action=Action.CREATE, obj=row, changes={
        "programme": programme.code, "household": household.household_no, "decision": decision, "reason": reason})
    return row


# --- 爱心超市 points --------------------------------------------------------------------------------


def _account(household: Household) -> PointAccount:
    PointAccount.objects.get_or_create(household=household)
    return PointAccount.objects.select_for_update().get(household=household)


@transaction.atomic
def points_earn(household: Household, rule: PointRule, *, on: date, actor: User | None, note: str = "",
                by_award: bool = False) -> PointEntry:
    """Earn a rule's points. A rule an award category names is earned only with that award (``by_award``)."""
    if actor is not None:
        ensure_can(actor, Cap.MEASURES_EDIT)
    if not rule.active:
        raise BadInput(f"积分事项「{rule.name}」已停用 / the rule {rule.code} is no longer in use", code="RULE_INACTIVE")
    if not by_award and rule.award_categories.exists():
        raise BadInput(f"积分事项「{rule.name}」随评定授予，请登记评定 / {rule.code} is earned with an award: record "
                       f"the award", code="RULE_BY_AWARD", fields={"rule": ["by_award"]})
    account = _account(household)
    PointAccount.objects.filter(pk=account.pk).update(balance=F("balance") + rule.points)
    entry = PointEntry.objects.create(household=household, kind=PointEntry.Kind.EARN, rule=rule, points=rule.points,
                                      on=on, note=note, created_by=actor)
    audit_record(actor=actor, action=Action.CREATE, obj=entry, changes={
        "household": household.household_no, "kind": "earn", "rule": rule.code, "points": rule.points})
    return entry


@transaction.atomic
def points_redeem(household: Household, *, points: int, goods: str, on: date, actor: User | None) -> PointEntry:
    """Redeem points for goods. The account row is locked, so two redemptions at once cannot both spend
    the same points; the database refuses a negative balance as a last guard."""
    if actor is not None:
        ensure_can(actor, Cap.MEASURES_EDIT)
    if points <= 0:
        raise BadInput("兑换积分应为正整数 / points to redeem must be a positive whole number", code="POINTS_INVALID",
                       fields={"points": ["invalid"]})
    if not goods.strip():
        raise BadInput("请填写兑换物品 / name the goods", code="GOODS_REQUIRED", fields={"goods": ["required"]})
    account = _account(household)
    if account.balance < points:
        raise BadInput(f"积分不足：余额 {account.balance} 分，兑换需 {points} 分 / not enough points: the balance is "
                       f"{account.balance}, {points} are needed", code="POINTS_INSUFFICIENT", fields={"points": ["over"]})
    changed = PointAccount.objects.filter(pk=account.pk, balance__gte=points).update(balance=F("balance") - points)
    if changed != 1:
        raise ConcurrentChange("积分余额已变化，请重试 / the balance changed, try again")
    entry = PointEntry.objects.create(household=household, kind=PointEntry.Kind.REDEEM, points=points,
                                      goods=goods.strip(), on=on, created_by=actor)
    audit_record(actor=actor, action=Action.CREATE, obj=entry, changes={
        "household": household.household_no, "kind": "redeem", "points": points, "goods": goods.strip()})
    return entry


def balance_of(household: Household) -> int:
    return PointAccount.objects.filter(household=household).values_list("balance", flat=True).first() or 0
