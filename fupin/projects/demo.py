"""Demo projects for the demo county: every stage of the sequence, money, alerts, notices, assets.

Called by :func:`fupin.site.demo.seed_demo` after the demo households exist. Projects are written
through the real services (``actor=None``, steps dated in the past with ``when``), so the notices,
the ledger and the audit trail are exactly what the pages would have produced. The cases:

- proposals whose village, township and pre-start notices are on display now (one with a public
  objection), a library entry, approved and started projects with staged payments;
- an idle-funds case (money allocated 120 days ago, almost none spent: 账面滞留);
- two behind-schedule cases (a start overdue, a completion overdue);
- accepted and settled projects with their assets (经营性, 公益性, 到户类) and income paid to
  beneficiary households (on their household files);
- quality deposits (质保金): one settled project holds its deposit (the warranty still runs), one
  had it released after the warranty, one holds it past its release day (the alert);
- a school project of 区教体局 whose village notice is on display with a public objection, for the
  demo_education officer to resolve on /projects/objections/.

Rows hang off ``Project.is_demo``; :func:`clear_demo_projects` removes them before the demo
households are replaced.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from fupin.accounts.models import Department
from fupin.areas.models import Area
from fupin.assessment.services import param_for_area, work_year
from fupin.notices.models import Notice, Objection
from fupin.notices.services import objection_raise
from fupin.projects.models import Asset, AssetPayout, Project
from fupin.projects.services import (
    ProjectInput,
    StepInput,
    asset_create,
    asset_payout,
    project_propose,
    project_step,
)
from fupin.registry.models import Household


@dataclass(frozen=True)
class Case:
    name: str
    category: str
    nature: str
    unit: str  # department code (seed-reference)
    budget: dict[str, int]
    start_ago: int  # days before today the proposal was made
    until: str  # the last action taken
    tasks: str
    targets: str
    mechanism: str
    planned: tuple[int, int] = (40, 160)  # planned start/end, days after the proposal
    idle: bool = False
    reapprove: bool = False
    asset: str = ""  # asset class formed after acceptance
    to_households: bool = False  # payments go to beneficiary households
    objection: str = ""  # a public objection to the project's current notice (on display)


CASES = [
    Case("光伏扶贫电站", "industry", "new", "agriculture", {"central": 600000, "provincial": 200000, "district": 100000},
         300, "settle", "建设 300 千瓦村级光伏扶贫电站及并网设施", "年发电收益不低于 24 万元；带动 60 户年均增收 2000 元",
         "收益 60% 用于公益岗位工资，40% 分配给贫困户", asset="operating"),
    Case("村内道路硬化", "infrastructure", "renovation", "transport", {"central": 350000, "integrated": 150000},
         60, "accept", "硬化村内道路 2.4 公里，宽 4 米", "解决 420 户群众出行难；工程合格率 100%",
         "优先吸纳贫困劳动力参与施工", planned=(25, 55), asset="public_welfare"),
    Case("安全饮水巩固提升", "infrastructure", "renovation", "water", {"central": 280000, "district": 40000},
         27, "approve", "更换供水管网 3.1 公里，新建蓄水池 1 座", "农村集中供水率 100%，水质达标",
         "保障贫困户饮水安全，管护岗位优先聘用贫困户", planned=(35, 120)),
    Case("特色种植基地", "industry", "new", "agriculture", {"provincial": 180000, "integrated": 60000},
         2, "propose", "建设 200 亩金银花种植基地", "带动 35 户贫困户年均增收 1500 元", "土地流转 + 务工 + 分红"),
    Case("肉牛养殖小区", "industry", "new", "animal-husbandry", {"central": 400000, "city": 50000},
         14, "township_review", "新建标准化牛舍 1200 平方米", "存栏肉牛 200 头，带动 40 户增收", "资产收益扶贫，按股分红"),
    Case("学校薄弱环节改善", "education", "renovation", "education", {"central": 500000, "district": 80000},
         150, "pay", "改造教学楼 1 栋、建设运动场", "义务教育学校办学条件全面达标", "保障贫困家庭子女就近入学",
         planned=(40, 260)),
    Case("农产品冷链仓储", "industry", "new", "commerce", {"central": 300000, "district": 60000},
         200, "pay", "新建 500 吨冷库 1 座", "年周转农产品 3000 吨，带动 50 户增收", "入股分红 + 务工",
         planned=(40, 300), idle=True),
    Case("跨渠桥梁改造", "infrastructure", "renovation", "transport", {"central": 450000},
         190, "pay", "改造危桥 1 座，长 36 米", "消除安全隐患，惠及 3 个村", "吸纳贫困劳动力务工",
         planned=(40, 140)),
    Case("扶贫车间", "employment", "new", "hr-social-security", {"provincial": 260000, "district": 40000},
         80, "approve", "建设标准化扶贫车间 800 平方米", "吸纳 30 名贫困劳动力就业", "车间租金收益归村集体，用于帮扶",
         planned=(45, 200)),
    Case("危房改造补助", "housing", "subsidy", "housing", {"central": 120000, "provincial": 40000},
         240, "settle", "为 8 户贫困户实施危房改造", "住房安全等级全部达到 A/B 级", "补助资金直接发放到户",
         planned=(40, 120), asset="household", to_households=True),
    Case("电商服务站", "industry", "new", "commerce", {"district": 90000},
         40, "county_approve", "建设村级电商服务站 1 个", "年网销农产品 80 万元", "代销贫困户农产品"),
    Case("高标准农田配套", "infrastructure", "expansion", "agriculture", {"central": 300000, "integrated": 100000},
         170, "pay", "配套机井 20 眼、灌溉管道 8 公里", "新增有效灌溉面积 1500 亩", "优先流转贫困户土地并务工",
         planned=(40, 330), reapprove=True),
    # Quality deposits: accepted some 16 months ago (released after the warranty) and some 12 months ago
    # (the deposit is past its release day and still held).
    Case("村卫生室标准化建设", "health", "renovation", "health", {"central": 260000, "district": 40000},
         560, "release", "改造村卫生室 120 平方米，配齐基本诊疗设备", "村卫生室达到标准化建设要求，群众就近就医",
         "保障贫困户基本医疗服务", planned=(40, 120)),
    Case("村组道路安防工程", "infrastructure", "new", "transport", {"central": 220000},
         480, "settle", "安装道路护栏 3 公里、警示标志 40 处", "消除农村道路安全隐患", "优先吸纳贫困劳动力务工",
         planned=(40, 120)),
    Case("村小学食堂改造", "education", "renovation", "education", {"central": 150000, "district": 30000},
         3, "propose", "改造学校食堂 300 平方米，更新厨房设备", "全村学生在校就餐条件达标", "贫困家庭学生免费就餐",
         objection="食堂选址紧邻旱厕，卫生条件堪忧，建议另选位置。"),
]
ORDER = ["propose", "township_review", "county_approve", "approve", "start", "pay", "accept", "settle", "release"]


def clear_demo_projects() -> None:
    ids = list(Project.objects.filter(is_demo=True).values_list("pk", flat=True))
    AssetPayout.objects.filter(asset__project_id__in=ids).delete()
    Asset.objects.filter(project_id__in=ids).delete()
    # Steps, beneficiaries and documents cascade with their project; the notices are then free to go.
    Project.objects.filter(pk__in=ids).delete()
    Notice.objects.filter(is_demo=True, subject_type="projects.project").delete()


def _at(day: date) -> datetime:
    """10 o'clock on ``day``, or a moment ago when that is still to come today."""
    return min(timezone.make_aware(datetime.combine(day, time(10, 0))), timezone.now() - timedelta(seconds=1))


@dataclass
class _Walk:
    project: Project
    day: date

    def step(self, action: str, after: int, data: StepInput | None = None) -> None:
        self.day = min(self.day + timedelta(days=after), timezone.localdate())
        project_step(self.project, action, actor=None, data=data, when=_at(self.day))


def seed_demo_projects(households: list[Household], *, seed: int = 2018) -> dict[str, int]:
    """The demo projects; ``households`` are the demo households (beneficiaries come from them)."""
    rng = random.Random(seed)
    today = timezone.localdate()
    by_village: dict[int, list[Household]] = defaultdict(list)
    for h in households:
        if h.status in ("registered", "exited", "returned", "exit_proposed"):
            by_village[h.village_id].append(h)
    villages = sorted(by_village, key=lambda v: (-len(by_village[v]), v))
    if not villages:
        return {"projects": 0}
    areas = {a.pk: a for a in Area.objects.filter(pk__in=villages[:6]).select_related("parent")}
    units = {d.code: d for d in Department.objects.all()}
    fallback = next(iter(units.values()))
    made = 0
    for i, case in enumerate(CASES):
        village = areas[villages[i % min(len(areas), 6)]]
        pool = by_village[village.pk]
        chosen = rng.sample(pool, min(len(pool), 8 if case.to_households else 5))
        proposed_on = today - timedelta(days=case.start_ago)
        data = ProjectInput(
            year=today.year, name=f"{village.name.replace('村民委员会', '村')}{case.name}", category=case.category,
            nature=case.nature, area=village, department=units.get(case.unit, fallback),
            planned_start=proposed_on + timedelta(days=case.planned[0]),
            planned_end=proposed_on + timedelta(days=case.planned[1]), tasks=case.tasks,
            benefit_mechanism=case.mechanism, performance_targets=case.targets,
            location=f"{village.name}{rng.choice(['东组', '西组', '南组', '北组'])}",
            budget={k: str(v) for k, v in case.budget.items()})
        project = project_propose(data, actor=None, households=chosen, when=_at(proposed_on), is_demo=True)
        _walk(project, case, proposed_on, chosen, rng)
        if case.objection:
            notice = Notice.objects.get(subject_type="projects.project", subject_id=project.pk,
                                        kind=Notice.Kind.PROJECT_VILLAGE)
            objection_raise(notice, text=case.objection, actor=None, raised_by_name="李秀兰", contact="13839560178",
                            channel=Objection.Channel.WEB)
        made += 1
    return {"projects": made}


def _walk(project: Project, case: Case, proposed_on: date, chosen: list[Household], rng: random.Random) -> None:
    walk = _Walk(project, proposed_on)
    last = ORDER.index(case.until)
    total = project.budget_total
    if last >= 1:
        walk.step("township_review", 11)
    if last >= 2:
        walk.step("county_approve", 11)
    if last >= 3:
        walk.step("approve", 2 if case.until != "approve" else 13)
        if case.until == "approve" and case.name == "安全饮水巩固提升":
            notice = Notice.objects.get(subject_type="projects.project", subject_id=project.pk,
                                        kind=Notice.Kind.PROJECT_PRESTART)
            objection_raise(notice, text="管网走向经过我家承包地，希望调整并给予补偿。", actor=None,
                            raised_by_name="王建华", contact="13903950123", channel=Objection.Channel.WEB)
    if case.idle:
        walk.step("allocate", 1, StepInput(amount=str(total), source=next(iter(case.budget))))
    elif last >= 3:
        walk.step("allocate", 1, StepInput(amount=str((total * Decimal("0.4")).quantize(Decimal(1))),
                                           source=next(iter(case.budget))))
    if last >= 4:
        walk.step("start", 10)
        payments = [Decimal("0.05")] if case.idle else [Decimal("0.4"), Decimal("0.5")]
        for share in payments:
            _pay(walk, project, case, chosen, (total * share).quantize(Decimal(1)), rng)
        if case.reapprove:
            walk.step("reapprove", 8, StepInput(amount=str((total * Decimal("1.2")).quantize(Decimal(1))),
                                                note="增加灌溉管道 2 公里，经区扶贫开发领导小组研究同意追加"))
            _pay(walk, project, case, chosen, (total * Decimal("0.25")).quantize(Decimal(1)), rng)
    if last >= 6:
        walk.step("accept", 12, StepInput(note="经区主管部门组织验收，工程质量合格"))
    if last >= 7:
        # The last instalment leaves the quality deposit unpaid: the contractor has then had the contract
        # less the deposit, and settlement retains the deposit (to households: the last 10 %, no deposit).
        ratio = Decimal(str(param_for_area(work_year(), project.area, "project_deposit_ratio")))
        share = Decimal("0.1") if case.to_households else Decimal(1) - ratio - Decimal("0.9")
        if share > 0:
            _pay(walk, project, case, chosen, (total * share).quantize(Decimal(1)), rng)
        walk.step("settle", 6, StepInput(note="报账资料齐全，已复核"))
    if last >= 8:
        project.refresh_from_db()
        if project.deposit_due is not None:
            walk.day = project.deposit_due + timedelta(days=2)
            walk.step("release", 0, StepInput(source=next(iter(case.budget)), payee_name="郾城区建筑工程公司",
                                              note="质保期满，经核查无质量问题，返还质保金"))
    if case.asset:
        _assets(project, case, chosen, walk.day)


def _pay(walk: _Walk, project: Project, case: Case, chosen: list[Household], amount: Decimal,
         rng: random.Random) -> None:
    source = rng.choice(list(case.budget))
    if case.to_households and chosen:
        share = (amount / len(chosen)).quantize(Decimal("0.01"))
        for h in chosen:
            walk.step("pay", 1, StepInput(amount=str(share), source=source, payee="beneficiary",
                                          payee_name=f"{h.household_no} 户", household=h))
        return
    walk.step("pay", 14, StepInput(amount=str(amount), source=source, payee="contractor",
                                   payee_name=rng.choice(["漯河市政建设有限公司", "郾城区建筑工程公司",
                                                          "河南中原建工集团"])))


def _assets(project: Project, case: Case, chosen: list[Household], day: date) -> None:
    project.refresh_from_db()
    owner = f"{project.area.name}集体经济组织"
    if case.asset == "household":
        for h in chosen[:3]:
            asset_create(project, name="改造后住房", kind=Asset.Kind.HOUSEHOLD, value="20000", owner=f"{h.household_no} 户",
                         custodian=f"{h.household_no} 户", formed_on=day, household=h, actor=None)
        return
    asset = asset_create(project, name=case.name.replace("扶贫", "") + "资产", kind=case.asset,
                         value=str(project.budget_total), owner=owner, custodian=f"{project.area.name}村委会",
                         formed_on=day, actor=None)
    if case.asset == "operating":
        for h in chosen:
            asset_payout(asset, household=h, year=day.year, amount="800", paid_on=min(day + timedelta(days=3),
                                                                                     timezone.localdate()),
                         actor=None)
