"""Writes of the credit ratings (评级授信, 村评户) and the yearly awards (自强之星, 星级评定); audited.

A household in the register is rated by the village's evaluation group: AAA, AA or A makes it a 信用户,
"不予评定" records that it was evaluated and not rated. The rating holds for
``credit_rating_valid_months`` from its date. A household with an overdue micro-credit loan cannot be
rated a 信用户 (REFERENCE §8.10: 无历年欠贷).

An award (once per household, category and year) that belongs to a category with a 爱心超市 points
rule earns that rule's points, in the same transaction (``points_earn(..., by_award=True)``).
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from fupin.accounts.access import ensure_can
from fupin.accounts.models import User
from fupin.accounts.roles import Cap
from fupin.core.audit import Action, audit_record
from fupin.core.errors import BadInput
from fupin.measures.credit import IN_REGISTER
from fupin.measures.credit_selectors import has_overdue_loan
from fupin.measures.models import CREDIT_GRADES, Award, AwardCategory, CreditRating
from fupin.measures.services import params_for, points_earn
from fupin.registry.models import Household


def _in_register(household: Household) -> None:
    if household.status not in IN_REGISTER:
        raise BadInput(f"户 {household.household_no} 不是建档立卡户 / household {household.household_no} is not in the "
                       f"register", code="HOUSEHOLD_NOT_ELIGIBLE", fields={"household": ["not_eligible"]})


@transaction.atomic
def rating_record(household: Household, *, grade: str, rated_on: date, evaluator: str, actor: User | None, note: str = "",
                  today: date | None = None) -> CreditRating:
    if actor is not None:
        ensure_can(actor, Cap.MEASURES_EDIT)
    today = today or timezone.localdate()
    household = Household.objects.select_for_update().get(pk=household.pk)
    _in_register(household)
    if grade not in CreditRating.Grade.values:
        raise BadInput(f"未知的信用等级“{grade}” / unknown grade {grade}", code="GRADE_UNKNOWN",
                       fields={"grade": ["invalid"]})
    if not evaluator.strip():
        raise BadInput("请填写评定组织 / name who rated the household", code="EVALUATOR_REQUIRED",
                       fields={"evaluator": ["required"]})
    if rated_on > today:
        raise BadInput(f"评定日期 {rated_on} 晚于今天 / the rating is dated in the future", code="RATING_IN_FUTURE",
                       fields={"rated_on": ["future"]})
    if grade in CREDIT_GRADES and has_overdue_loan(household.pk, today):
        raise BadInput("该户有逾期未还的扶贫小额信贷，不能评为信用户 / a household with an overdue loan cannot be rated a "
                       "credit household", code="RATING_HAS_OVERDUE", fields={"grade": ["overdue"]})
    if CreditRating.objects.filter(household=household, rated_on=rated_on).exists():
        raise BadInput(f"该户 {rated_on} 已有评级 / the household was already rated on {rated_on}",
                       code="RATING_SAME_DAY", fields={"rated_on": ["duplicate"]})
    months = params_for(rated_on.year, [household.village_id])[household.village_id].integer("credit_rating_valid_months")
    rating = CreditRating.objects.create(household=household, grade=grade, rated_on=rated_on,
                                         valid_until=rated_on + relativedelta(months=months) - timedelta(days=1),
                                         evaluator=evaluator.strip()[:60], note=note.strip()[:200], rated_by=actor)
    audit_record(actor=actor, action=Action.CREATE, obj=rating, changes={
        "household": household.household_no, "grade": grade, "rated_on": rated_on, "valid_until": rating.valid_until,
        "evaluator": rating.evaluator})
    return rating


@transaction.atomic
def award_grant(household: Household, category: AwardCategory, *, year: int, awarded_on: date, reason: str,
                approving_unit: str, actor: User | None, stars: int | None = None, title: str = "",
                today: date | None = None) -> Award:
    """Record a yearly award approved by ``approving_unit``; with the category's points rule, the household
    earns its points."""
    if actor is not None:
        ensure_can(actor, Cap.MEASURES_EDIT)
    today = today or timezone.localdate()
    household = Household.objects.select_for_update().get(pk=household.pk)
    _in_register(household)
    if not category.active:
        raise BadInput(f"评定类别「{category.name}」已停用 / the category is no longer in use", code="CATEGORY_INACTIVE")
    if category.kind == AwardCategory.Kind.STARS:
        if stars is None or not 1 <= stars <= category.max_stars:
            raise BadInput(f"「{category.name}」须评定 1 至 {category.max_stars} 星 / give 1 to {category.max_stars} stars",
                           code="STARS_INVALID", fields={"stars": ["invalid"]})
    elif stars is not None:
        raise BadInput(f"「{category.name}」是荣誉称号，不评星级 / a title has no stars", code="STARS_NOT_APPLICABLE",
                       fields={"stars": ["invalid"]})
    if awarded_on > today:
        raise BadInput(f"授予日期 {awarded_on} 晚于今天 / the award is dated in the future", code="AWARD_IN_FUTURE",
                       fields={"awarded_on": ["future"]})
    if not 2014 <= year <= awarded_on.year:
        raise BadInput(f"评定年度 {year} 应不晚于授予日期的年度 {awarded_on.year} / the award's year must not follow its "
                       f"date", code="AWARD_YEAR_INVALID", fields={"year": ["invalid"]})
    if not reason.strip() or not approving_unit.strip():
        raise BadInput("请填写事迹和批准单位 / give the reason and the approving unit", code="AWARD_INCOMPLETE",
                       fields={"reason": ["required"], "approving_unit": ["required"]})
    if Award.objects.filter(household=household, category=category, year=year).exists():
        raise BadInput(f"该户已获评 {year} 年度「{category.name}」/ the household already has this award for {year}",
                       code="AWARD_DUPLICATE", fields={"category": ["duplicate"]})
    title = title.strip() or f"{year}年度{category.name}" + (f"（{stars}星）" if stars else "")
    rule = category.point_rule
    entry = None
    if rule is not None and rule.active:
        entry = points_earn(household, rule, on=awarded_on, actor=actor, note=title[:200], by_award=True)
    award = Award.objects.create(household=household, category=category, year=year, stars=stars, title=title[:60],
                                 reason=reason.strip()[:300], awarded_on=awarded_on,
                                 approving_unit=approving_unit.strip()[:60], point_entry=entry, created_by=actor)
    audit_record(actor=actor, action=Action.CREATE, obj=award, changes={
        "household": household.household_no, "category": category.code, "year": year, "stars": stars,
        "title": award.title, "approving_unit": award.approving_unit, "points": entry.points if entry else 0})
    return award
