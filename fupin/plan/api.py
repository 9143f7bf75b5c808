"""The action plan over the API: its measures with their units and tasks, and every unit's report standing."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Router, Schema

from fupin.accounts.access import ensure_can
from fupin.accounts.roles import Cap
from fupin.core.api_errors import ErrorOut
from fupin.core.api_types import Text
from fupin.plan import selectors
from fupin.plan.models import Unit

router = Router(tags=["plan"])


class TaskOut(Schema):
    code: str
    title: str
    year: int | None
    deadline: date
    lead: str
    cooperating: list[str]
    target: str
    status: str


class PlanMeasureOut(Schema):
    code: str
    label: str
    title: str
    text: str
    parent: str | None
    lead: list[str]
    cooperating: list[str]
    tasks: list[TaskOut]


class PlanOut(Schema):
    code: str
    title: str
    starts_year: int
    ends_year: int
    measures: list[PlanMeasureOut]


class ObligationOut(Schema):
    year: int
    period: str
    due_on: date
    state: str
    report_id: int | None


class StandingOut(Schema):
    unit_id: int
    unit: str
    kind: str
    delivered: int
    overdue: int
    late: int
    tasks_overdue: int
    obligations: list[ObligationOut]


@router.get("/plan", response={200: PlanOut, 404: ErrorOut},
            summary="规划、举措、责任单位与任务 / the plan, its measures, units and tasks")
def plan_detail(request: HttpRequest, code: Text = "") -> PlanOut:
    ensure_can(request.user, Cap.PLAN_VIEW)
    plan = selectors.plan_get(code or None)
    measures = []
    for m in selectors.measures_with_units(plan):
        units = list(m.responsibilities.all())
        measures.append(PlanMeasureOut(
            code=m.code, label=m.label, title=m.title, text=m.text, parent=m.parent.code if m.parent else None,
            lead=[r.unit.name for r in units if r.role == "lead"],
            cooperating=[r.unit.name for r in units if r.role == "cooperating"],
            tasks=[TaskOut(code=t.code, title=t.title, year=t.year, deadline=t.deadline, lead=t.lead.name,
                           cooperating=[u.name for u in t.cooperating.all()], target=t.target, status=t.status)
                   for t in m.tasks.all()]))
    return PlanOut(code=plan.code, title=plan.title, starts_year=plan.starts_year, ends_year=plan.ends_year,
                   measures=measures)


@router.get("/units", response={200: list[StandingOut], 404: ErrorOut},
            summary="各单位报送情况（逾期在前） / each unit's reports owed, delivered, late, most overdue first")
def unit_standings(request: HttpRequest, code: Text = "") -> list[StandingOut]:
    ensure_can(request.user, Cap.PLAN_VIEW)
    plan = selectors.plan_get(code or None)
    return [StandingOut(
        unit_id=s.unit.pk, unit=s.unit.name, kind=s.unit.kind, delivered=len(s.delivered), overdue=len(s.overdue),
        late=len(s.late), tasks_overdue=s.tasks_overdue,
        obligations=[ObligationOut(year=o.year, period=o.period, due_on=o.due_on, state=o.state,
                                   report_id=o.report.pk if o.report else None) for o in s.obligations])
        for s in selectors.standings(plan, Unit.objects.visible_to(request.user))]
