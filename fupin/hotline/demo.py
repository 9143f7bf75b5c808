"""Demo hotline data: tickets in every state and channel, for the demo county (``fupin seed-demo``).

Called by :func:`fupin.site.demo.seed_demo` after the demo households, notices and users exist. About
thirty tickets over the last eight months, written in bulk with their steps: answered on time and
closed, answered late, awaiting the call-back, reopened after an unsatisfied call-back, transferred,
open, overdue and escalated by the sweep, the ticket of the workflow demo's open objection to a notice
on display (which halts that step), and cadre-conduct complaints (seen by ``demo_discipline`` only). A few routing rules are added when the table is empty. Demo tickets carry ``is_demo``; a re-run
replaces them (:func:`hotline_demo_clear` runs before the demo notices are replaced).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from fupin.accounts.models import Department
from fupin.areas.models import Area
from fupin.core.audit import Action, audit_record
from fupin.hotline.models import Category, Channel, RoutingRule, Ticket, TicketNotification, TicketStep
from fupin.hotline.routing import RoutingTable, deadlines
from fupin.hotline.services import hotline_sweep, tracking_code_new
from fupin.notices.models import Objection
from fupin.registry.models import Household

TEXTS: dict[str, list[tuple[str, str]]] = {
    Category.POLICY: [("咨询教育资助政策", "孩子今年上高中，想问雨露计划和助学金怎么申请。"),
                      ("咨询光伏扶贫收益分配", "村里的光伏电站收益怎么分到户？"),
                      ("咨询大病保险报销比例", "贫困户住院，大病保险能报销多少？")],
    Category.BENEFIT: [("低保金未按月发放", "我家是低保户，最近两个月的低保金没有到账。"),
                       ("教育资助未到账", "上学期的教育资助到现在还没收到。"),
                       ("危房改造补助未发放", "去年危房改造已经验收，补助款还没有发。"),
                       ("产业奖补未兑现", "养了二十只羊，说好的产业奖补一直没兑现。")],
    Category.DISPUTE: [("对贫困户识别有异议", "邻居家有小轿车和门面房，却评上了贫困户。"),
                       ("对脱贫退出有异议", "我家收入达不到标准，却被标成已脱贫。")],
    Category.PROJECT: [("道路项目质量问题", "村里新修的水泥路不到一年就开裂了。"),
                       ("项目资金使用不公开", "村里扶贫项目花了多少钱，公示栏里看不到。")],
    Category.CONDUCT: [("村干部优亲厚友", "村干部把自家亲戚报成贫困户，群众有意见。"),
                       ("帮扶干部走访走过场", "帮扶人一年只来一次，拍完照就走。")],
    Category.OTHER: [("反映饮水问题", "自来水经常停水，一停就是好几天。"),
                     ("反映用电问题", "家里电压不稳，冬天用不了电暖器。")],
}
REPLIES = ["经核实，已于本月补发到户，请查收。", "已电话联系答复，政策依据已当面解释清楚。", "已安排乡镇和村两委现场核实，问题已整改。",
           "经核查情况属实，已责令整改并将整改结果公示。"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "建国华军平明红英秀兰玉梅丽强伟刚勇杰涛磊芳娟敏静燕霞"

# (category, channel, days ago received, fate). Fates: closed (answered in time, satisfied), basic (basically
# satisfied), late (answered after the deadline), answered (awaiting the call-back), reopened (unsatisfied at the
# call-back, open again), transferred (to 区民政局, open), open, overdue (open past the deadline: escalated).
PLAN: list[tuple[str, str, int, str]] = [
    (Category.POLICY, Channel.HOTLINE, 230, "closed"), (Category.BENEFIT, Channel.WEB, 215, "closed"),
    (Category.BENEFIT, Channel.CADRE, 200, "late"), (Category.OTHER, Channel.HOTLINE, 190, "basic"),
    (Category.PROJECT, Channel.HOTLINE, 180, "closed"), (Category.POLICY, Channel.WEB, 170, "closed"),
    (Category.DISPUTE, Channel.CADRE, 160, "closed"), (Category.BENEFIT, Channel.HOTLINE, 150, "reopened"),
    (Category.CONDUCT, Channel.HOTLINE, 140, "closed"), (Category.POLICY, Channel.HOTLINE, 130, "basic"),
    (Category.BENEFIT, Channel.WEB, 120, "late"), (Category.OTHER, Channel.CADRE, 110, "closed"),
    (Category.PROJECT, Channel.WEB, 100, "transferred"), (Category.POLICY, Channel.HOTLINE, 90, "closed"),
    (Category.BENEFIT, Channel.HOTLINE, 80, "closed"), (Category.DISPUTE, Channel.WEB, 70, "basic"),
    (Category.OTHER, Channel.HOTLINE, 60, "closed"), (Category.BENEFIT, Channel.CADRE, 50, "reopened"),
    (Category.POLICY, Channel.WEB, 40, "closed"), (Category.PROJECT, Channel.CADRE, 35, "overdue"),
    (Category.BENEFIT, Channel.HOTLINE, 30, "overdue"), (Category.POLICY, Channel.HOTLINE, 25, "overdue"),
    (Category.BENEFIT, Channel.WEB, 20, "answered"), (Category.OTHER, Channel.WEB, 15, "answered"),
    (Category.DISPUTE, Channel.HOTLINE, 12, "transferred"), (Category.CONDUCT, Channel.WEB, 10, "open"),
    (Category.BENEFIT, Channel.CADRE, 8, "answered"), (Category.POLICY, Channel.HOTLINE, 6, "open"),
    (Category.PROJECT, Channel.HOTLINE, 4, "open"), (Category.BENEFIT, Channel.WEB, 3, "open"),
    (Category.OTHER, Channel.CADRE, 2, "open"), (Category.POLICY, Channel.WEB, 1, "open"),
]
DEMO_RULES = [(Category.BENEFIT, "local:township"), (Category.DISPUTE, "local:township"),
              (Category.PROJECT, "dept:finance"), (Category.POLICY, "dept:fupin-office"),
              (Category.OTHER, "local:village")]


@dataclass(frozen=True)
class DemoHotlineResult:
    tickets: int
    escalated: int


def hotline_demo_clear() -> None:
    """Remove the demo tickets (steps, notifications and attachments rows go with them)."""
    TicketNotification.objects.filter(ticket__is_demo=True).delete()
    Ticket.objects.filter(is_demo=True).delete()


def _rules() -> None:
    if RoutingRule.objects.exists():
        return
    for category, to in DEMO_RULES:
        kind, _, value = to.partition(":")
        if kind == "dept":
            department = Department.objects.filter(code=value).first()
            if department is not None:
                RoutingRule.objects.create(category=category, department=department)
        else:
            RoutingRule.objects.create(category=category, local=value)


def seed_demo_hotline(households: list[Household], *, seed: int = 2018) -> DemoHotlineResult:
    """Write the demo tickets and their steps in bulk (a fixed, small number of queries), then raise one
    objection through the services and run the sweep, which escalates the overdue ones for real."""
    rng = random.Random(seed + 9)
    hotline_demo_clear()
    _rules()
    now = timezone.now()
    limits = deadlines()
    table = RoutingTable.load()
    county = Area.objects.filter(level=Area.Level.COUNTY, valid_to__isnull=True).first()
    transfer_to = Department.objects.filter(code="civil-affairs").first()
    houses = [h for h in households if h.village_id] or []
    villages = {v.pk: v for v in Area.objects.filter(pk__in={h.village_id for h in houses}).select_related("parent")}
    tickets: list[Ticket] = []
    steps: list[list[TicketStep]] = []
    for i, (category, channel, days_ago, fate) in enumerate(PLAN):
        if not houses:
            break
        household = houses[(i * 37) % len(houses)]
        area = villages[household.village_id]
        title, text = TEXTS[category][i % len(TEXTS[category])]
        received = now - timedelta(days=days_ago, hours=rng.randint(0, 8))
        unit = table.route(category, area, county)
        fields: dict[str, Any] = {
            "tracking_code": tracking_code_new(), "channel": channel, "category": category, "title": title,
            "text": text, "citizen_name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "citizen_phone": f"13{rng.randint(100000000, 999999999)}", "area": area,
            "household": household if category in (Category.BENEFIT, Category.DISPUTE) else None,
            "department": unit.department, "unit_area": unit.area, "received_at": received,
            "due_at": received + timedelta(days=limits[category].days), "is_demo": True}
        if fields["household"] is not None:
            fields |= {"subject_type": "registry.household", "subject_id": household.pk,
                       "subject_label": household.household_no}
        history = _fate(fields, fate, limits[category].days, rng, now, transfer_to, unit.label)
        tickets.append(Ticket(**fields))
        steps.append([*_intake(received, channel, unit.label), *history])
    Ticket.objects.bulk_create(tickets)
    rows = []
    for ticket, own in zip(tickets, steps, strict=True):
        for step in own:
            step.ticket = ticket
            rows.append(step)
    TicketStep.objects.bulk_create(rows)
    audit_record(actor=None, action=Action.CREATE, object_type="hotline.ticket", object_label="seed-demo",
                 changes={"demo_tickets": len(tickets), "seed": seed})
    made = len(tickets) + _objection(table, county)
    escalated = hotline_sweep().escalated
    return DemoHotlineResult(made, escalated)


def _at(start: datetime, days: float, now: datetime) -> datetime:
    return min(start + timedelta(days=days), now - timedelta(minutes=5))


OPEN, ANSWERED = Ticket.Status.OPEN, Ticket.Status.ANSWERED


def _fate(ticket: dict[str, Any], fate: str, days: int, rng: random.Random, now: datetime,
          transfer_to: Department | None, unit_label: str) -> list[TicketStep]:
    """The fields that bring a ticket (``ticket``: its constructor's fields, completed here) to its fate, and the
    steps that took it there (the demo's history, written with the ticket as it is created)."""
    received = ticket["received_at"]
    if fate in ("open", "overdue"):
        return []
    if fate == "transferred":
        if transfer_to is None or transfer_to.pk == getattr(ticket["department"], "pk", None):
            return []
        ticket |= {"department": transfer_to, "unit_area": None}
        return [_made(TicketStep.Action.TRANSFERRED, OPEN, OPEN, at=_at(received, 1, now), note="属民政业务，转区民政局办理",
                      from_unit=unit_label, to_unit=transfer_to.name)]
    reply = rng.choice(REPLIES)
    answered = _at(received, days + 3 if fate == "late" else rng.uniform(1, days - 0.5), now)
    ticket |= {"status": Ticket.Status.ANSWERED, "reply": reply, "answered_at": answered}
    made = [_made(TicketStep.Action.REPLIED, OPEN, ANSWERED, at=answered, note=reply)]
    if fate == "answered":
        return made
    callback = _at(answered, 2, now)
    if fate == "reopened":
        ticket |= {"status": Ticket.Status.OPEN, "reply": "", "answered_at": None, "satisfaction": "unsatisfied",
                   "called_back_at": callback, "reopen_count": 1, "due_at": callback + timedelta(days=days)}
        return [*made, _made(TicketStep.Action.CALLED_BACK, ANSWERED, ANSWERED, at=callback, note="不满意 群众表示问题没有解决"),
                _made(TicketStep.Action.REOPENED, ANSWERED, OPEN, at=callback, note="回访不满意", to_unit=unit_label)]
    satisfaction = Ticket.Satisfaction.BASIC if fate == "basic" else Ticket.Satisfaction.SATISFIED
    ticket |= {"status": Ticket.Status.CLOSED, "satisfaction": satisfaction, "called_back_at": callback,
               "closed_at": callback}
    return [*made, _made(TicketStep.Action.CALLED_BACK, ANSWERED, ANSWERED, at=callback, note=str(satisfaction.label)),
            _made(TicketStep.Action.CLOSED, ANSWERED, Ticket.Status.CLOSED, at=callback)]



def _made(action: str, source: str | None, target: str, **fields: Any) -> TicketStep:
    return TicketStep(action=action, from_state=source, to_state=target, **fields)


def _intake(received: datetime, channel: str, unit_label: str) -> list[TicketStep]:
    """The steps a ticket starts with: received and routed."""
    return [_made(TicketStep.Action.RECEIVED, None, OPEN, at=received, note=str(Channel(channel).label)),
            _made(TicketStep.Action.ROUTED, OPEN, OPEN, at=received, to_unit=unit_label)]


def _objection(table: RoutingTable, county: Area | None) -> int:
    """The demo's open objection (raised on a notice on display by the workflow demo, through
    ``objection_raise``) gets its hotline ticket, as if it had come in on 12317: answering that ticket
    resolves the objection and releases the household's next step."""
    limits = deadlines()
    objection = (Objection.objects.filter(notice__is_demo=True, status=Objection.Status.OPEN, ticket__isnull=True)
                 .select_related("notice__area__parent").order_by("pk").first())
    if objection is None:
        return 0
    notice = objection.notice
    unit = table.route(Category.DISPUTE, notice.area, county)
    ticket = Ticket.objects.create(
        tracking_code=tracking_code_new(), channel=Channel.OBJECTION, category=Category.DISPUTE, title="对公示有异议",
        text=objection.text, citizen_name=objection.raised_by_name, citizen_phone=objection.contact, area=notice.area,
        subject_type="notices.notice", subject_id=notice.pk, subject_label=notice.title[:100], objection=objection,
        department=unit.department, unit_area=unit.area, received_at=objection.raised_at,
        due_at=objection.raised_at + timedelta(days=limits[Category.DISPUTE].days), is_demo=True)
    Objection.objects.filter(pk=objection.pk).update(external_ref=ticket.reference)
    steps = _intake(ticket.received_at, Channel.OBJECTION, unit.label)
    for step in steps:
        step.ticket = ticket
    TicketStep.objects.bulk_create(steps)
    return 1
