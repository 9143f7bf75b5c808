"""Monitoring in the demo county: a real run over the demo registry, then some of the cases it
opened moved along the procedure by the demo township officer and village cadre, at dates spread
over the past year, so the case list, the notices, the inbox and the monthly trend show something.

Everything goes through the services (the same rules, steps and refusals as in production); only the
dates are chosen: the run's cases are back-dated to months of the past year, as if they had been
found by earlier runs.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from fupin.accounts.models import User
from fupin.assessment.services import work_year
from fupin.core.errors import DomainError
from fupin.inbox.models import Message
from fupin.monitoring.models import MonitoringCase, MonitoringRun
from fupin.monitoring.services import case_step, measure_add, monitor_county
from fupin.notices.services import notice_close

BUCKETS = 6
MEASURES = [
    ("health", "落实大病救助和医疗救助，报销比例提高"),
    ("employment", "安排公益性岗位（护林员），月工资 800 元"),
    ("industry", "发放产业奖补资金，发展养殖"),
    ("education", "落实雨露计划和义务教育阶段生活补助"),
    ("housing", "实施危房改造"),
    ("social", "纳入农村低保"),
]


def demo_monitoring_clear() -> None:
    """Remove the demo's cases and messages (before the demo households are replaced)."""
    MonitoringCase.objects.filter(Q(is_demo=True) | Q(household__is_demo=True)).delete()
    Message.objects.filter(user__is_demo=True).delete()


def seed_demo_monitoring(*, seed: int = 2018) -> MonitoringRun:
    rng = random.Random(seed)
    run = monitor_county(work_year(), is_demo=True)
    cases = list(MonitoringCase.objects.filter(opened_run=run).select_related("household", "household__village")
                 .order_by("pk"))
    if not cases:
        return run
    rng.shuffle(cases)
    # Found in the past year: the cases spread over the months, in a few set-based updates; the
    # ones moved on below were found long enough ago for their steps (and six months of monitoring).
    plan = _plan(cases)
    now = timezone.now()
    planned = {case.pk for case, _depth in plan}
    rest = [c for c in cases if c.pk not in planned]
    buckets = [(now - timedelta(days=330), [c.pk for c, _d in plan])] + [
        (now - timedelta(days=30 * m + 3), [c.pk for c in rest[m::BUCKETS]]) for m in range(BUCKETS)]
    for opened, ids in buckets:
        if ids:
            MonitoringCase.objects.filter(pk__in=ids).update(opened_at=opened)
    township = User.objects.filter(username="demo_township").first()
    cadre = User.objects.filter(username="demo_village").first()
    for case, depth in plan:
        case.opened_at = buckets[0][0]
        village = case.household.village
        # Steps in the demo users' own area carry their names; elsewhere the system's.
        _advance(case, rng, depth, cadre if cadre and cadre.area_scope.covers(village) else None,
                 township if township and township.area_scope.covers(village) else None)
    # The rules may refuse the planned elimination (say nobody in that household can work): move others on
    # until one is eliminated, so the demo shows every step.
    for case in [c for c in cases if c.pk not in planned][:20]:
        if MonitoringCase.objects.filter(opened_run=run, step="eliminated").exists():
            break
        MonitoringCase.objects.filter(pk=case.pk).update(opened_at=buckets[0][0])
        case.opened_at = buckets[0][0]
        village = case.household.village
        _advance(case, rng, 4, cadre if cadre and cadre.area_scope.covers(village) else None,
                 township if township and township.area_scope.covers(village) else None)
    return run


def _plan(cases: list[MonitoringCase]) -> list[tuple[MonitoringCase, int]]:
    """A few cases to move on: one to 风险消除 (a household whose income is not its risk), one each
    to 帮扶, 认定, 入户核实, and one dismissed after the visit."""
    by_income = sorted(cases, key=lambda c: "INCOME_BELOW_LINE" in c.risks)
    first = by_income[0]
    others = [c for c in cases if c.pk != first.pk]
    depths = [3, 2, 1, 0]
    return [(first, 4), *zip(others, depths, strict=False)]


def _take_down_when_ended(case: MonitoringCase) -> None:
    """A demo notice whose period has ended was taken down the day after (it ran its full length)."""
    notice = case.notice
    if notice is not None and notice.ends_on < timezone.localdate():
        moment = datetime.combine(notice.ends_on + timedelta(days=1), time(9), tzinfo=timezone.get_current_timezone())
        notice_close(notice, actor=None, note="公示期满", when=moment)


def _advance(case: MonitoringCase, rng: random.Random, depth: int, cadre: User | None, township: User | None) -> None:
    """Move ``case`` on: 0 dismissed, 1 verified, 2 identified, 3 assisting, 4 eliminated; dated after it was opened."""
    at = case.opened_at + timedelta(days=rng.randint(3, 10))
    now = timezone.now()
    try:
        if depth == 0:
            case_step(case, "dismiss", actor=cadre, note="入户核实：家庭收入已恢复，风险不属实", when=min(at, now))
            return
        case_step(case, "verify", actor=cadre, note="入户核实：情况属实", when=min(at, now))
        if depth < 2:
            return
        at += timedelta(days=rng.randint(5, 15))
        case = case_step(case, "identify", actor=township, note="乡镇审核认定，村内公示", when=min(at, now))
        _take_down_when_ended(case)
        if depth < 3:
            return
        kind, text = rng.choice(MEASURES)
        start = (min(at, now) + timedelta(days=rng.randint(1, 10))).date()
        finished = depth >= 4 and start + timedelta(days=60) <= now.date()
        measure_add(case, actor=cadre, kind=kind, description=text, starts_on=min(start, now.date()),
                    ends_on=start + timedelta(days=60) if finished else None, done=finished)
        case_step(case, "assist", actor=cadre, note="帮扶措施已落实到户", when=min(at + timedelta(days=12), now))
        if depth < 4:
            return
        case_step(case, "eliminate", actor=township, note="收入稳定高于监测线，经评议标注风险消除")
    except DomainError:
        # The rules refused a step (too early, income not above the line, no one can work): the case
        # stays where it is, as it would in production.
        return
