"""Reads of the plan: which units report, what each owes and has delivered, who is late.

What a unit owes is computed from the plan (its years, the report periods, the due days) and the reports
on file, in a few queries for all units at once: a plan has tens of units and a dozen periods, not a
population.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from fupin.accounts.access import can
from fupin.accounts.roles import Cap
from fupin.assessment.services import work_year
from fupin.core.actors import Viewer
from fupin.plan.models import (
    PERIOD_END,
    Finding,
    Inspection,
    Measure,
    MeasureUnit,
    Meeting,
    Period,
    Plan,
    ProgressReport,
    Task,
    Unit,
    period_due,
)


def plan_current() -> Plan | None:
    """The plan the pages show when none is named: the one whose period holds the work year (the latest
    starting, if several), else the latest that has begun, else the next to begin. A plan drafted for later
    years does not take over the pages before its time."""
    year = work_year()
    plans = Plan.objects.order_by("-starts_year", "code")
    return (plans.filter(starts_year__lte=year, ends_year__gte=year).first()
            or plans.filter(starts_year__lte=year).first()
            or Plan.objects.order_by("starts_year", "code").first())


class NoPlan(Http404):
    """No plan is loaded at all (an installation without `fupin seed-reference`)."""


def plan_get(code: str | None = None) -> Plan:
    plan = Plan.objects.filter(code=code).first() if code else plan_current()
    if plan is None:
        raise Http404("no such plan") if code and Plan.objects.exists() else NoPlan("no plan")
    return plan


def responsible_unit_ids(plan: Plan) -> dict[int, set[int]]:
    """Unit id -> ids of the plan's measures it is responsible for (groups expanded to their members)."""
    rows = MeasureUnit.objects.filter(measure__plan=plan).values_list("unit_id", "unit__kind", "unit__expands",
                                                                       "measure_id")
    townships = list(Unit.objects.filter(kind=Unit.Kind.TOWNSHIP).values_list("pk", flat=True))
    departments = list(Unit.objects.filter(kind=Unit.Kind.DEPARTMENT).values_list("pk", flat=True))
    result: dict[int, set[int]] = {}
    for unit_id, kind, expands, measure_id in rows:
        if kind == Unit.Kind.GROUP:
            ids = townships if expands == Unit.Expands.TOWNSHIPS else departments if expands else []
        else:
            ids = [unit_id]
        for i in ids:
            result.setdefault(i, set()).add(measure_id)
    return result


def report_periods(plan: Plan) -> list[tuple[int, str, date]]:
    """Every report the plan asks of a unit: (year, period, due date), in order."""
    return [(year, period, period_due(plan, year, period)) for year in plan.years for period in PERIOD_END]


@dataclass(frozen=True)
class Obligation:
    unit: Unit
    year: int
    period: str
    due_on: date
    report: ProgressReport | None
    today: date

    @property
    def period_label(self) -> str:
        return str(Period(self.period).label)

    @property
    def state(self) -> str:
        if self.report is not None:
            return "late" if self.report.is_late else "on_time"
        return "overdue" if self.due_on < self.today else "due"

    @property
    def is_open(self) -> bool:
        """Not yet reported, and the period has ended (so it can be reported)."""
        month, day = PERIOD_END[self.period]
        return self.report is None and date(self.year, month, day) <= self.today


@dataclass(frozen=True)
class UnitStanding:
    unit: Unit
    obligations: list[Obligation]
    tasks_overdue: int

    @property
    def overdue(self) -> list[Obligation]:
        return [o for o in self.obligations if o.state == "overdue"]

    @property
    def late(self) -> list[Obligation]:
        return [o for o in self.obligations if o.state == "late"]

    @property
    def delivered(self) -> list[Obligation]:
        return [o for o in self.obligations if o.report is not None]


def standings(plan: Plan, units: QuerySet[Unit], *, today: date | None = None) -> list[UnitStanding]:
    """For each reporting unit among ``units``: every report it owed up to today (and the next one due), with
    the report on file if any, and how many of its tasks are overdue. Most overdue first."""
    today = today or timezone.localdate()
    responsible = responsible_unit_ids(plan)
    chosen = list(units.filter(pk__in=responsible).exclude(kind=Unit.Kind.GROUP).order_by("kind", "code"))
    reports = {(r.unit_id, r.year, r.period): r
               for r in ProgressReport.objects.filter(plan=plan, unit__in=chosen)}
    periods = [p for p in report_periods(plan) if date(p[0], *PERIOD_END[p[1]]) <= today]
    upcoming = next((p for p in report_periods(plan) if p not in periods), None)
    overdue_tasks: dict[int, int] = {}
    for lead_id in Task.objects.filter(plan=plan, status=Task.Status.OPEN, deadline__lt=today,
                                       lead__in=chosen).values_list("lead_id", flat=True):
        overdue_tasks[lead_id] = overdue_tasks.get(lead_id, 0) + 1
    result = []
    for unit in chosen:
        owed = [*periods, upcoming] if upcoming else periods
        obligations = [Obligation(unit, y, p, due, reports.get((unit.pk, y, p)), today) for y, p, due in owed]
        result.append(UnitStanding(unit, obligations, overdue_tasks.get(unit.pk, 0)))
    result.sort(key=lambda s: (-len(s.overdue), -s.tasks_overdue, -len(s.late), s.unit.kind, s.unit.code))
    return result


def unit_tasks(plan: Plan, unit: Unit) -> QuerySet[Task]:
    """The tasks the unit leads or cooperates on, and those of the measures it shares responsibility for; a
    retired task is nobody's."""
    measures = responsible_unit_ids(plan).get(unit.pk, set())
    mine = Task.objects.filter(plan=plan).filter(Q(lead=unit) | Q(measure_id__in=measures) | Q(cooperating=unit))
    return (Task.objects.filter(pk__in=mine.values("pk")).exclude(status=Task.Status.RETIRED)
            .select_related("measure", "lead").order_by("deadline", "code"))


def measures_with_units(plan: Plan) -> list[Measure]:
    return list(Measure.objects.filter(plan=plan).prefetch_related("responsibilities__unit", "tasks__lead",
                                                                   "tasks__cooperating")
                .order_by("order"))


def plan_list() -> QuerySet[Plan]:
    """Every plan, the current one first; plans are the district's, seen by everyone who sees the plan."""
    return Plan.objects.order_by("-starts_year", "code")


def plan_tasks_without_measure(plan: Plan) -> QuerySet[Task]:
    """Tasks that hang on no measure: meeting decisions, tasks added for the plan as a whole."""
    return (Task.objects.filter(plan=plan, measure__isnull=True).select_related("lead", "meeting")
            .prefetch_related("cooperating").order_by("deadline", "code"))


def unit_visible(user: Viewer, pk: int) -> Unit:
    unit = Unit.objects.visible_to(user).filter(pk=pk).first()
    if unit is None:
        raise Http404("not found")
    return unit


def is_units_officer(user: Viewer, unit: Unit) -> bool:
    """An officer of the unit itself: of its department, or of its township (not the district office)."""
    if not can(user, Cap.PLAN_REPORT) or unit.kind == Unit.Kind.GROUP:
        return False
    for assignment in getattr(user, "active_assignments", []):
        if unit.department_id is not None and assignment.department_id == unit.department_id:
            return True
        if unit.kind == Unit.Kind.TOWNSHIP and assignment.area_id == unit.area_id and assignment.department_id is None:
            return True
    return False


def may_report_for(user: Viewer, unit: Unit) -> bool:
    """The unit's own officers, and the district office for any unit (reports handed in on paper)."""
    if unit.kind == Unit.Kind.GROUP:
        return False
    return is_units_officer(user, unit) or (can(user, Cap.PLAN_REPORT) and can(user, Cap.PLAN_MANAGE))


def report_get(user: Viewer, pk: int) -> ProgressReport:
    report = (ProgressReport.objects.visible_to(user).select_related("unit", "plan", "submitted_by")
              .filter(pk=pk).first())
    if report is None:
        raise Http404("not found")
    return report


def findings_overdue(plan: Plan, *, today: date | None = None, user: Viewer | None = None) -> list[Finding]:
    """Findings not rectified by their deadline, oldest deadline first (in ``user``'s areas when given)."""
    today = today or timezone.localdate()
    qs = Finding.objects.visible_to(user) if user is not None else Finding.objects.all()
    return list(qs.filter(inspection__plan=plan, status=Finding.Status.OPEN, deadline__lt=today)
                .select_related("unit", "inspection").order_by("deadline", "pk"))


def inspection_get(user: Viewer, pk: int) -> Inspection:
    inspection = Inspection.objects.visible_to(user).select_related("area", "plan").filter(pk=pk).first()
    if inspection is None:
        raise Http404("not found")
    return inspection


def finding_get(user: Viewer, pk: int) -> Finding:
    finding = Finding.objects.visible_to(user).select_related("unit", "inspection").filter(pk=pk).first()
    if finding is None:
        raise Http404("not found")
    return finding


@dataclass(frozen=True)
class MeetingSlot:
    year: int
    quarter: int
    kind: str
    held: list[Meeting]

    @property
    def kind_label(self) -> str:
        return str(Meeting.Kind(self.kind).label)


def meeting_calendar(plan: Plan, *, today: date | None = None) -> list[MeetingSlot]:
    """Every quarter of the plan up to today, for each kind of meeting the plan requires every quarter: the
    meetings held (an empty list: the meeting is missing)."""
    today = today or timezone.localdate()
    held: dict[tuple[int, int, str], list[Meeting]] = {}
    for meeting in Meeting.objects.filter(plan=plan, kind__in=Meeting.QUARTERLY).order_by("held_on"):
        key = (meeting.held_on.year, (meeting.held_on.month - 1) // 3 + 1, meeting.kind)
        held.setdefault(key, []).append(meeting)
    slots: list[MeetingSlot] = []
    for year in plan.years:
        for quarter in range(1, 5):
            if date(year, quarter * 3 - 2, 1) > today:
                break
            slots.extend(MeetingSlot(year, quarter, kind, held.get((year, quarter, kind), []))
                         for kind in Meeting.QUARTERLY)
    return slots


def meetings_missing(plan: Plan, *, today: date | None = None) -> list[MeetingSlot]:
    """Required quarterly meetings not held in a quarter that has ended."""
    today = today or timezone.localdate()
    return [s for s in meeting_calendar(plan, today=today) if not s.held and _quarter_end(s.year, s.quarter) < today]


def _quarter_end(year: int, quarter: int) -> date:
    month, day = PERIOD_END[("Q1", "Q2", "Q3", "Y")[quarter - 1]]
    return date(year, month, day)
