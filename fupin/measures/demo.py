"""Demo data for the measures module (``fupin seed-demo``): deterministic, in bulk.

The suggestions of the work year are computed for the demo households (one evaluation, set-based);
about two in three are accepted as recorded measures at the parameter amounts, one in twenty is
dismissed with a reason, the rest stay open for the helper. Each poor village's households get an
industry linkage; a third of the households earn 爱心超市 points this month and last, and some
redeem them. Then loans, credit ratings and awards (``credit_demo``).
"""

from __future__ import annotations

import random
from datetime import date

from django.db import transaction
from django.utils import timezone

from fupin.accounts.models import Department
from fupin.assessment.models import PoorVillage
from fupin.assessment.params import Params
from fupin.assessment.services import work_year
from fupin.core.audit import Action, audit_record
from fupin.measures.credit_demo import seed_demo_credit
from fupin.measures.models import Measure, PointAccount, PointEntry, PointRule, Programme, SuggestionDecision
from fupin.measures.services import params_for, period_end, programmes_seed
from fupin.measures.suggestions import REGISTERED, evaluate
from fupin.registry.models import Household

GOODS = (("食用油", 30), ("洗衣粉", 10), ("大米", 25), ("毛巾", 5), ("牙膏", 6))
DISMISS_REASONS = ("户主暂无意愿", "已由其他渠道解决", "不符合当地实施条件")


@transaction.atomic
def seed_demo_measures(households: list[Household], *, seed: int = 2018) -> dict[str, int]:
    programmes_seed()
    rng = random.Random(seed)
    year = work_year()
    households = sorted(households, key=lambda h: h.household_no)
    ids = [h.pk for h in households if h.status in REGISTERED]
    if not ids:
        return {"measures": 0}
    qs = Household.objects.filter(pk__in=ids)
    suggestions = evaluate(qs, year).suggestions
    departments = {d.code: d for d in Department.objects.all()}
    villages = {h.village_id for h in households}
    params = params_for(year, villages)
    measures: list[Measure] = []
    decisions: list[SuggestionDecision] = []
    for s in suggestions:
        roll = rng.random()
        if roll < 0.05:
            decisions.append(SuggestionDecision(household_id=s.household_id, programme=s.programme,
                                                decision="dismissed", reason=rng.choice(DISMISS_REASONS)))
            continue
        if roll > 0.7:
            continue
        measures.append(_measure(s.household_id, s.member_ids[0] if s.member_ids else None, s.programme, year,
                                 params[s.village_id], departments))
    linkage = Programme.objects.get(code="industry_linkage")
    poor = set(PoorVillage.objects.filter(village_id__in=villages).values_list("village_id", flat=True))
    taken = {(m.household_id, m.programme.pk) for m in measures}
    for h in households:
        if h.pk in ids and h.village_id in poor and (h.pk, linkage.pk) not in taken and rng.random() < 0.5:
            measures.append(_measure(h.pk, None, linkage, year, params[h.village_id], departments))
    Measure.objects.bulk_create(measures, batch_size=2000)
    SuggestionDecision.objects.bulk_create(decisions, batch_size=2000)
    points = _points(rng, ids)
    credit = seed_demo_credit(households, seed=seed)
    audit_record(actor=None, action=Action.CREATE, object_type="measures.measure", object_label="seed-demo",
                 changes={"measures": len(measures), "dismissed": len(decisions), "point_entries": points, **credit})
    return {"measures": len(measures), "dismissed": len(decisions), "point_entries": points, **credit}


def _measure(household_id: int, member_id: int | None, programme: Programme, year: int, params: Params,
             departments: dict[str, Department]) -> Measure:
    start = date(year, 9, 1) if programme.category == "education" else date(year, 3, 1)
    limit = params.money(programme.limit_param) if programme.limit_param else None
    return Measure(household_id=household_id, member_id=member_id, programme=programme,
                   department=departments.get(programme.department_code), starts_on=start,
                   ends_on=period_end(programme.period, start), amount=limit,
                   evidence="演示：采纳系统建议", status=Measure.Status.DONE, source=Measure.Source.DEMO, is_demo=True)


def _points(rng: random.Random, ids: list[int]) -> int:
    rules = list(PointRule.objects.filter(active=True))
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = date(this_month.year - (this_month.month == 1), (this_month.month - 2) % 12 + 1, 1)
    entries: list[PointEntry] = []
    balances: dict[int, int] = {}
    for hid in ids:
        if rng.random() > 0.35:
            continue
        balance = 0
        for month in (last_month, this_month):
            for rule in rng.sample(rules, rng.randint(1, 3)):
                day = month.replace(day=rng.randint(1, 28 if month < this_month else max(1, today.day)))
                entries.append(PointEntry(household_id=hid, kind="earn", rule=rule, points=rule.points, on=day,
                                          note="村委会月度评分"))
                balance += rule.points
        goods, cost = rng.choice(GOODS)
        if balance >= cost and rng.random() < 0.6:
            entries.append(PointEntry(household_id=hid, kind="redeem", points=cost, goods=goods, on=today))
            balance -= cost
        balances[hid] = balance
    PointEntry.objects.bulk_create(entries, batch_size=2000)
    PointAccount.objects.bulk_create([PointAccount(household_id=h, balance=b) for h, b in balances.items()],
                                     batch_size=2000)
    return len(entries)
