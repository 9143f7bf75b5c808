"""Demo workflow data: plausible histories for the demo households, written in bulk.

Called by :func:`fupin.site.demo.seed_demo` after it has made the demo households, each in its
state (the demo writes no state: fresh applications are made village-reviewed). Each household in
the register gets its identification steps (two notices and an announcement) in its identification
year, and its exit steps when it has exited; exit proposals and a few fresh applications have their
notices on display now, two of them with an objection. Every household in the register gets a
helper (some with a predecessor), and every demo village a work team with a first secretary.
Rows are marked ``is_demo`` (notices, teams) or hang off demo households, so a re-run replaces them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from fupin.accounts.models import User
from fupin.areas.models import Area
from fupin.core.audit import Action, audit_record
from fupin.notices.models import Notice, Objection
from fupin.registry.models import HelperAssignment, Household, Member, WorkTeam, WorkTeamMember
from fupin.workflow.models import HouseholdTransition

A = HouseholdTransition.Action
S = Household.Status
K = Notice.Kind
NOTICE_DAYS = 7
UNITS = ["区财政局", "区教体局", "区卫健委", "区民政局", "区农业农村局", "区人社局", "区住建局", "区交通运输局",
         "区水利局", "区供销社", "国网郾城供电公司", "区农商银行"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
GIVEN = "建国华军平明红英秀兰玉梅丽强伟刚勇杰涛磊芳娟敏静燕霞桂凤海波峰志成春雪冬晨宇浩"
KIND_OF: dict[str, str] = {A.VILLAGE_REVIEW: K.IDENTIFICATION_VILLAGE, A.TOWNSHIP_REVIEW: K.IDENTIFICATION_TOWNSHIP,
           A.COUNTY_APPROVE: K.COUNTY_ANNOUNCEMENT, A.EXIT_PROPOSE: K.EXIT, A.EXIT_APPROVE: K.EXIT_ANNOUNCEMENT}


@dataclass(frozen=True)
class DemoWorkflowResult:
    transitions: int
    notices: int
    objections: int
    helpers: int
    work_teams: int


@dataclass
class _Step:
    household: Household
    action: str
    source: str | None
    target: str | None
    at: datetime
    consent_by: str = ""
    notice: Notice | None = None


@dataclass
class _Plan:
    steps: list[_Step] = field(default_factory=list)


def _moment(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _phone(rng: random.Random) -> str:
    return f"13{rng.randint(100000000, 999999999)}"


def _identification(h: Household, year: int, rng: random.Random, plan: _Plan) -> date:
    day = date(year, rng.randint(3, 5), rng.randint(1, 20))
    path = [(A.APPLY, None, S.APPLIED, 0), (A.VILLAGE_REVIEW, S.APPLIED, S.VILLAGE_REVIEWED, rng.randint(3, 10)),
            (A.TOWNSHIP_REVIEW, S.VILLAGE_REVIEWED, S.TOWNSHIP_REVIEWED, NOTICE_DAYS + rng.randint(0, 5)),
            (A.COUNTY_APPROVE, S.TOWNSHIP_REVIEWED, S.REGISTERED, NOTICE_DAYS + rng.randint(0, 8))]
    for action, source, target, gap in path:
        day += timedelta(days=gap)
        plan.steps.append(_Step(h, action, source, target, _moment(day, rng.randint(9, 16))))
    return day


def _exit(h: Household, year: int, head: str, rng: random.Random, plan: _Plan, after: date) -> date:
    day = max(date(year, 10, rng.randint(1, 20)), after + timedelta(days=30))
    source = plan.steps[-1].target
    plan.steps.append(_Step(h, A.EXIT_PROPOSE, source, S.EXIT_PROPOSED, _moment(day), consent_by=head))
    day += timedelta(days=NOTICE_DAYS + rng.randint(0, 6))
    plan.steps.append(_Step(h, A.EXIT_APPROVE, S.EXIT_PROPOSED, S.EXITED, _moment(day, 15)))
    return day


def _plan(households: list[Household], heads: dict[int, str], rng: random.Random, today: date) -> _Plan:
    plan = _Plan()
    for h in households:
        head = heads.get(h.pk, "户主")
        if h.status is None:
            continue
        if h.status == S.VILLAGE_REVIEWED:  # a fresh application, its village notice on display now
            start = today - timedelta(days=rng.randint(0, NOTICE_DAYS - 1))
            plan.steps.append(_Step(h, A.APPLY, None, S.APPLIED, _moment(start - timedelta(days=5))))
            plan.steps.append(_Step(h, A.VILLAGE_REVIEW, S.APPLIED, S.VILLAGE_REVIEWED, _moment(start)))
            continue
        identified = h.identified_year or 2015
        day = _identification(h, identified, rng, plan)
        if h.status in (S.EXITED, S.RETURNED) and h.exit_year:
            day = _exit(h, h.exit_year, head, rng, plan, day)
        if h.status == S.RETURNED:
            day = max(day + timedelta(days=60), date((h.exit_year or identified) + 1, rng.randint(3, 9), 10))
            plan.steps.append(_Step(h, A.RETURN, S.EXITED, S.RETURNED, _moment(min(day, today))))
        if h.status == S.EXIT_PROPOSED:
            start = today - timedelta(days=rng.randint(0, NOTICE_DAYS - 1))
            plan.steps.append(_Step(h, A.EXIT_PROPOSE, S.REGISTERED, S.EXIT_PROPOSED, _moment(start), consent_by=head))
    return plan


def _notices(plan: _Plan, villages: dict[int, Area], heads: dict[int, str], today: date) -> list[Notice]:
    """One notice per publishing step; a notice is taken down when the next step of its household happens."""
    made: list[Notice] = []
    following: dict[int, _Step] = {}
    for step in reversed(plan.steps):
        if step.action in KIND_OF:
            starts = timezone.localdate(step.at)
            ends = starts + timedelta(days=NOTICE_DAYS - 1)
            after = following.get(step.household.pk)
            closed_at = after.at if after is not None else (
                _moment(ends + timedelta(days=1)) if ends < today else None)
            kind = KIND_OF[step.action]
            village = villages[step.household.village_id]
            head = heads.get(step.household.pk, step.household.household_no)
            step.notice = Notice(
                kind=kind, area=village, subject_type="registry.household", subject_id=step.household.pk,
                subject_label=step.household.household_no, title=f"{village.name} {head} 户 {Notice.Kind(kind).label}",
                body=f"户编号：{step.household.household_no}\n户主：{head}\n公示期：{starts:%Y-%m-%d} 至 {ends:%Y-%m-%d}\n"
                     "如有异议，请在公示期内向村委会、乡镇人民政府反映，或拨打监督电话 12317。",
                starts_on=starts, ends_on=ends, published_at=step.at, is_demo=True,
                status=Notice.Status.CLOSED if closed_at else Notice.Status.OPEN, closed_at=closed_at)
            made.append(step.notice)
        following[step.household.pk] = step
    return made


def _objections(notices: list[Notice], rng: random.Random) -> list[Objection]:
    showing = [n for n in notices if n.status == Notice.Status.OPEN]
    rng.shuffle(showing)
    now = timezone.now()
    made = []
    for i, notice in enumerate(showing[:2]):
        raised = min(now, _moment(notice.starts_on, 11) + timedelta(days=1))
        common = {"notice": notice, "raised_at": raised, "raised_by_name": _name(rng), "contact": _phone(rng),
                  "channel": Objection.Channel.CADRE}
        if i == 0:
            made.append(Objection(**common, text="反映该户家中有人在县城经营门面房，收入不低，请核实。"))
        else:
            made.append(Objection(**common, text="反映该户子女在外务工收入较高。", status=Objection.Status.RESOLVED,
                                  outcome=Objection.Outcome.DISMISSED, resolved_at=raised,
                                  resolution="经村两委和驻村工作队入户核实，子女已分户另立，不计入本户收入。"))
    return made


def _helpers(households: list[Household], rng: random.Random, today: date) -> list[HelperAssignment]:
    made = []
    for h in households:
        if h.status is None or h.status == S.REMOVED:
            continue
        start = date(h.identified_year or 2016, rng.randint(6, 12), rng.randint(1, 28))
        if rng.random() < 0.2:  # a predecessor: replaced on the successor's first day
            handover = min(today, start + timedelta(days=rng.randint(200, 700)))
            made.append(HelperAssignment(household=h, name=_name(rng), unit=rng.choice(UNITS), phone=_phone(rng),
                                         starts_on=start, ends_on=handover, end_note="工作调整"))
            start = handover
        made.append(HelperAssignment(household=h, name=_name(rng), unit=rng.choice(UNITS), phone=_phone(rng),
                                     starts_on=start))
    return made


def _teams(villages: list[Area], rng: random.Random) -> tuple[list[WorkTeam], list[WorkTeamMember]]:
    teams, members = [], []
    for village in villages:
        unit = rng.choice(UNITS)
        start = date(2017, 3, 1) + timedelta(days=rng.randint(0, 300))
        team = WorkTeam(village=village, dispatching_unit=unit, starts_on=start, is_demo=True)
        teams.append(team)
        members.append(WorkTeamMember(team=team, name=_name(rng), unit=unit, phone=_phone(rng), starts_on=start,
                                      role=WorkTeamMember.Role.FIRST_SECRETARY))
        members.append(WorkTeamMember(team=team, name=_name(rng), unit=unit, phone=_phone(rng), starts_on=start,
                                      role=WorkTeamMember.Role.LEADER))
        for _ in range(rng.randint(1, 2)):
            members.append(WorkTeamMember(team=team, name=_name(rng), unit=rng.choice(UNITS), phone=_phone(rng),
                                          starts_on=start, role=WorkTeamMember.Role.MEMBER))
    return teams, members


def seed_demo_workflow(households: list[Household], *, seed: int = 2018, actor: User | None = None) -> DemoWorkflowResult:
    """Give the (already saved) demo households histories, notices, objections, helpers and work teams."""
    rng = random.Random(seed + 1)
    today = timezone.localdate()
    ids = [h.pk for h in households]
    # (The households' earlier transitions, insert-only, went with them: the site demo makes them anew.)
    HelperAssignment.objects.filter(household_id__in=ids).delete()
    Notice.objects.filter(is_demo=True).delete()
    WorkTeam.objects.filter(is_demo=True).delete()
    heads = dict(Member.objects.filter(household_id__in=ids, relation="head").values_list("household_id", "name"))
    village_ids = sorted({h.village_id for h in households})
    villages = Area.objects.in_bulk(village_ids)
    plan = _plan(households, heads, rng, today)
    notices = Notice.objects.bulk_create(_notices(plan, villages, heads, today), batch_size=2000)
    objections = Objection.objects.bulk_create(_objections(notices, rng))
    HouseholdTransition.objects.bulk_create([
        HouseholdTransition(household=s.household, action=s.action, from_state=s.source, to_state=s.target, at=s.at,
                            consent_by=s.consent_by, notice=s.notice, note="演示数据")
        for s in plan.steps], batch_size=2000)
    helpers = HelperAssignment.objects.bulk_create(_helpers(households, rng, today), batch_size=2000)
    teams, members = _teams([villages[v] for v in village_ids], rng)
    WorkTeam.objects.bulk_create(teams)
    WorkTeamMember.objects.bulk_create(members, batch_size=2000)
    result = DemoWorkflowResult(len(plan.steps), len(notices), len(objections), len(helpers), len(teams))
    audit_record(actor=actor, action=Action.CREATE, object_type="workflow.householdtransition",
                 object_label="seed-demo", changes=result.__dict__)
    return result
