"""Reads of projects: scoped lists, a project's trail, progress, alerts, and the public views.

Alerts are set-based: one aggregate query over the projects (per distinct parameter value), never a
query per project.

- Idle funds (账面滞留): money allocated to a project (资金下达) more than ``project_idle_days`` days
  before the reference day that has not been spent by that day. A project is flagged when
  (allocations dated strictly before ``as_of − days``) − (spending dated on or before ``as_of``) > 0;
  an allocation exactly ``days`` old is not yet idle.
  A quality deposit (质保金) retained by the settlement and not yet released is withheld by
  contract, not idle: it is taken off the allocations before comparing.
- Behind schedule: a project not started (村级申报 … 批复实施) whose planned start lies more than
  ``project_schedule_grace_days`` days before ``as_of`` (未按期开工), or a started project not yet
  accepted whose planned end lies more than that before ``as_of`` (未按期完工).
- Deposits overdue (质保金逾期未返还): a deposit retained by a settlement on or before ``as_of``,
  whose release day lies strictly before ``as_of``, and not released by ``as_of``. On its release
  day itself it is due, not overdue.
"""

from __future__ import annotations

from calendar import monthrange
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, Exists, F, Min, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear
from django.utils import timezone

from fupin.accounts.access import can
from fupin.accounts.roles import Cap, Role
from fupin.areas.models import Area
from fupin.areas.scoping import get_visible_or_404
from fupin.assessment.services import params_for_villages, work_year
from fupin.core import idnumber
from fupin.core.actors import Viewer
from fupin.notices.models import Notice, Objection
from fupin.projects.models import (
    PAYING_ACTIONS,
    SPENDING_PAYEES,
    ZERO,
    Asset,
    AssetPayout,
    Beneficiary,
    FundSource,
    Project,
    ProjectStep,
)
from fupin.projects.transitions import BEFORE_START, PROJECT_KINDS
from fupin.registry.models import Member

S = Project.Status
SPENDING = Q(steps__action__in=PAYING_ACTIONS, steps__payee__in=SPENDING_PAYEES)
# Public: the library (入库) and everything after it; proposals are public through their notices only.
PUBLIC_STATUSES = (S.PLANNED, S.APPROVED, S.STARTED, S.ACCEPTED, S.SETTLED)
MONEY_FIELD = DecimalField(max_digits=16, decimal_places=2)


def _zero() -> Value:
    return Value(ZERO, output_field=MONEY_FIELD)


def project_list(user: Viewer) -> QuerySet[Project]:
    """The projects ``user`` sees, with their money (filtered by :class:`fupin.projects.filters.ProjectFilter`)."""
    return with_money(Project.objects.visible_to(user).select_related("area", "area__parent", "department"))


def with_money(qs: QuerySet[Project]) -> QuerySet[Project]:
    """Each project with its allocated and spent totals (one query)."""
    return qs.annotate(
        allocated=Coalesce(Sum("steps__amount", filter=Q(steps__action=ProjectStep.Action.ALLOCATE)), _zero()),
        spent=Coalesce(Sum("steps__amount", filter=SPENDING), _zero()),
    )


def proposal_areas(user: Viewer) -> QuerySet[Area]:
    """Where the user may locate a proposal: the current counties, townships and villages in their areas."""
    return (Area.objects.visible_to(user).filter(level__in=("county", "township", "village"), valid_to__isnull=True)
            .order_by("code"))


def project_get(user: Viewer, pk: int) -> Project:
    return get_visible_or_404(Project.objects.select_related("area", "area__parent", "department", "created_by"),
                              user, pk=pk)


def project_objection_get(user: Viewer, pk: int) -> Objection:
    """An objection to a project's notice, in the user's areas (404 otherwise, and for any other notice)."""
    qs = Objection.objects.select_related("notice", "notice__area").filter(notice__subject_type="projects.project")
    return get_visible_or_404(qs, user, pk=pk)


def actor_units(actor: Viewer | None) -> set[int]:
    """The departments (责任单位) the actor is an officer of."""
    return {a.department_id for a in getattr(actor, "active_assignments", [])
            if a.role == Role.DEPARTMENT_OFFICER and a.department_id}


def unit_objections_filter(actor: Viewer | None) -> Q:
    """Objections to the notices of projects the actor's unit is responsible for (all, for the county)."""
    if can(actor, Cap.PROJECTS_COUNTY) or getattr(actor, "is_superuser", False):
        return Q()
    units = actor_units(actor)
    ids = Project.objects.filter(department_id__in=units).values_list("pk", flat=True)
    return Q(notice__subject_id__in=ids) if units else Q()


def project_objections(user: Viewer, *, limit: int | None = None) -> list[tuple[Objection, Project | None]]:
    """Objections to project notices that reach the user's unit (in their areas), open ones first,
    each with its project (three queries)."""
    qs = (Objection.objects.visible_to(user)
          .filter(notice__subject_type="projects.project")
          .filter(unit_objections_filter(user))
          .select_related("notice", "notice__area", "resolved_by").order_by("status", "-raised_at", "pk"))
    rows = list(qs[:limit] if limit else qs)
    projects = {p.pk: p for p in Project.objects.filter(pk__in={o.notice.subject_id for o in rows})
                .select_related("department", "area")}
    return [(o, projects.get(o.notice.subject_id or 0)) for o in rows]


def project_steps(project: Project) -> list[ProjectStep]:
    return list(project.steps.select_related("actor", "notice", "household").prefetch_related("attachments")
                .order_by("at", "pk"))


def project_notices(project: Project) -> QuerySet[Notice]:
    return Notice.objects.filter(subject_type="projects.project", subject_id=project.pk).select_related("area")\
        .prefetch_related("objections").order_by("starts_on", "pk")


@dataclass(frozen=True)
class BeneficiaryRow:
    household_id: int
    household_no: str
    village: str
    head_id_masked: str
    benefit: str


def beneficiary_rows(project: Project) -> list[BeneficiaryRow]:
    """Beneficiary households with the head's ID number masked (two queries)."""
    rows = list(Beneficiary.objects.filter(project=project).select_related("household__village"))
    heads = dict(Member.objects.filter(household_id__in=[r.household_id for r in rows], relation="head")
                 .values_list("household_id", "id_number"))
    return [BeneficiaryRow(r.household_id, r.household.household_no, r.household.village.name,
                           idnumber.mask(heads.get(r.household_id, "")) or "—", r.benefit) for r in rows]


# --- alerts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdleFunds:
    project: Project
    allocated_before: Decimal
    spent: Decimal
    idle: Decimal
    since: date | None
    days: int


@dataclass(frozen=True)
class DepositOverdue:
    project: Project
    deposit: Decimal
    due: date
    days_late: int


@dataclass(frozen=True)
class BehindSchedule:
    project: Project
    code: str  # DELAYED_START | DELAYED_COMPLETION
    label: str
    due: date
    days_late: int


def _param_groups(projects: QuerySet[Project], name: str) -> dict[int, list[int]]:
    """{parameter value: [area ids]} of the work year, regional versions included."""
    area_ids = set(projects.values_list("area_id", flat=True).distinct())
    if not area_ids:
        return {}
    params, _record = params_for_villages(work_year(), area_ids)
    groups: dict[int, list[int]] = defaultdict(list)
    for area_id, p in params.items():
        groups[int(p.values[name])].append(area_id)
    return groups


def idle_funds(projects: QuerySet[Project], *, as_of: date | None = None) -> list[IdleFunds]:
    as_of = as_of or timezone.localdate()
    result: list[IdleFunds] = []
    base = projects.exclude(status=S.WITHDRAWN)
    for days, area_ids in _param_groups(base, "project_idle_days").items():
        cutoff = as_of - timedelta(days=days)
        qs = (Project.objects.filter(pk__in=base.filter(area_id__in=area_ids).values("pk"))
              .select_related("area", "department")
              .annotate(
                  allocated_before=Coalesce(Sum("steps__amount", filter=Q(steps__action=ProjectStep.Action.ALLOCATE,
                                                                          steps__on__lt=cutoff)), _zero()),
                  spent_by=Coalesce(Sum("steps__amount", filter=SPENDING & Q(steps__on__lte=as_of)), _zero()),
                  retained=Coalesce(Sum("steps__amount", filter=Q(steps__action=ProjectStep.Action.SETTLE,
                                                                  steps__on__lte=as_of)), _zero()),
                  released=Coalesce(Sum("steps__amount", filter=Q(steps__action=ProjectStep.Action.RELEASE,
                                                                  steps__on__lte=as_of)), _zero()),
                  since=Min("steps__on", filter=Q(steps__action=ProjectStep.Action.ALLOCATE)))
              .annotate(idle=F("allocated_before") - F("spent_by") - (F("retained") - F("released")))
              .filter(idle__gt=0).order_by("since", "pk"))
        result += [IdleFunds(p, p.allocated_before, p.spent_by, p.idle, p.since, days) for p in qs]  # type: ignore[attr-defined]
    return sorted(result, key=lambda r: (r.since or as_of, r.project.pk))


def behind_schedule(projects: QuerySet[Project], *, as_of: date | None = None) -> list[BehindSchedule]:
    as_of = as_of or timezone.localdate()
    result: list[BehindSchedule] = []
    for grace, area_ids in _param_groups(projects, "project_schedule_grace_days").items():
        limit = as_of - timedelta(days=grace)
        mine = projects.filter(area_id__in=area_ids).select_related("area", "department")
        for p in mine.filter(status__in=BEFORE_START, planned_start__lt=limit):
            result.append(BehindSchedule(p, "DELAYED_START", "未按期开工", p.planned_start,
                                         (as_of - p.planned_start).days))
        for p in mine.filter(status=S.STARTED, planned_end__lt=limit):
            result.append(BehindSchedule(p, "DELAYED_COMPLETION", "未按期完工", p.planned_end,
                                         (as_of - p.planned_end).days))
    return sorted(result, key=lambda r: (r.due, r.project.pk))


def deposits_overdue(projects: QuerySet[Project], *, as_of: date | None = None) -> list[DepositOverdue]:
    """Quality deposits past their release day and not released by ``as_of`` (one query)."""
    as_of = as_of or timezone.localdate()
    steps = ProjectStep.objects.filter(project_id=OuterRef("pk"), on__lte=as_of)
    qs = (projects.filter(deposit__gt=0, deposit_due__lt=as_of)
          .filter(Exists(steps.filter(action=ProjectStep.Action.SETTLE)))
          .exclude(Exists(steps.filter(action=ProjectStep.Action.RELEASE)))
          .select_related("area", "department").order_by("deposit_due", "pk"))
    return [DepositOverdue(p, p.deposit or ZERO, p.deposit_due, (as_of - p.deposit_due).days)
            for p in qs if p.deposit_due is not None]


# --- progress -----------------------------------------------------------------------------------


@dataclass
class Progress:
    year: int
    month: int
    sources: list[dict[str, Any]]  # per fund source: budget, approved share, spent in the month, to date
    projects: list[dict[str, Any]]  # per project: approved, allocated, spent in the month, to date, months,
    # and the quality deposit held (retained by the settlement, not released) at the month's end: unspent
    totals: dict[str, Decimal]


def monthly_progress(projects: QuerySet[Project], *, year: int, month: int) -> Progress:
    """Spending per fund source and per project: in ``month`` of ``year`` and from January to its end,
    with each project's allocations and its quality deposit still held at the month's end (unspent).

    Three aggregate queries (payments per project × source × month; allocations; deposits)."""
    plan = list(projects.exclude(status=S.WITHDRAWN).filter(year=year).select_related("area", "department")
                .order_by("area__code", "pk"))
    ids = [p.pk for p in plan]
    month_end = date(year, month, monthrange(year, month)[1])
    payments = (ProjectStep.objects.filter(project_id__in=ids, action__in=PAYING_ACTIONS, payee__in=SPENDING_PAYEES,
                                           on__year=year, on__month__lte=month)
                .annotate(y=ExtractYear("on"), m=ExtractMonth("on"))
                .values("project_id", "source", "m").annotate(total=Sum("amount")))
    allocated = dict(ProjectStep.objects.filter(project_id__in=ids, action=ProjectStep.Action.ALLOCATE,
                                                on__lte=month_end)
                     .values("project_id").annotate(t=Sum("amount")).values_list("project_id", "t"))
    held: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for project_id, action, total in (
            ProjectStep.objects.filter(project_id__in=ids, action__in=[ProjectStep.Action.SETTLE,
                                                                        ProjectStep.Action.RELEASE],
                                       amount__isnull=False, on__lte=month_end)
            .values("project_id", "action").annotate(t=Sum("amount")).values_list("project_id", "action", "t")):
        amount = Decimal(total).quantize(Decimal("0.01"))  # SQLite sums come back without the cents
        held[project_id] += amount if action == ProjectStep.Action.SETTLE else -amount
    by_project: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    by_source: dict[str, dict[str, Decimal]] = defaultdict(lambda: {"month": ZERO, "to_date": ZERO})
    for row in payments:
        by_project[row["project_id"]][row["m"]] += row["total"]
        by_source[row["source"]]["to_date"] += row["total"]
        if row["m"] == month:
            by_source[row["source"]]["month"] += row["total"]
    sources: list[dict[str, Any]] = []
    for s in FundSource.values:
        budget = sum((getattr(p, f"budget_{s}") for p in plan), ZERO)
        spent = by_source[s]
        sources.append({"source": s, "label": str(FundSource(s).label), "budget": budget, "month": spent["month"],
                        "to_date": spent["to_date"], "rate": _rate(spent["to_date"], budget)})
    rows = []
    for p in plan:
        months = by_project[p.pk]
        to_date = sum(months.values(), ZERO)
        base = p.approved_total or p.budget_total
        rows.append({"project": p, "approved": p.approved_total, "budget": p.budget_total,
                     "allocated": allocated.get(p.pk) or ZERO, "month": months.get(month, ZERO), "to_date": to_date,
                     "months": [months.get(m, ZERO) for m in range(1, 13)], "rate": _rate(to_date, base),
                     "deposit": held.get(p.pk, ZERO)})
    budget_total: Decimal = sum((s["budget"] for s in sources), ZERO)
    spent_total: Decimal = sum((s["to_date"] for s in sources), ZERO)
    totals: dict[str, Decimal] = {"budget": budget_total, "month": sum((s["month"] for s in sources), ZERO),
                                  "to_date": spent_total, "rate": _rate(spent_total, budget_total),
                                  "deposit": sum(held.values(), ZERO)}
    return Progress(year, month, sources, rows, totals)


def _rate(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(Decimal("0.1")) if whole else Decimal("0.0")


# --- assets -------------------------------------------------------------------------------------


def asset_list(user: Viewer) -> QuerySet[Asset]:
    qs = Asset.objects.visible_to(user).select_related("project", "project__area", "household")
    return qs.annotate(income=Coalesce(Sum("payouts__amount"), _zero())).order_by("project_id", "pk")


def asset_get(user: Viewer, pk: int) -> Asset:
    return get_visible_or_404(Asset.objects.select_related("project", "project__area", "household"), user, pk=pk)


def household_benefits(household_id: int) -> list[Beneficiary]:
    return list(Beneficiary.objects.filter(household_id=household_id).select_related("project")
                .order_by("-project__year", "project_id"))


def household_payouts(household_id: int) -> list[AssetPayout]:
    return list(AssetPayout.objects.filter(household_id=household_id)
                .select_related("asset", "asset__project").order_by("-year", "pk"))


# --- public -------------------------------------------------------------------------------------


def public_projects(*, year: int | None = None) -> QuerySet[Project]:
    qs = Project.objects.filter(status__in=PUBLIC_STATUSES).select_related("area", "area__parent", "department")
    return qs.filter(year=year) if year else qs


def public_project(pk: int) -> Project:
    from django.http import Http404

    project = public_projects().filter(pk=pk).first()
    if project is None:
        raise Http404("not found")
    return project


def public_notices(*, on: date | None = None) -> QuerySet[Notice]:
    """Project notices: with ``on``, those on display that day; otherwise every one published."""
    qs = Notice.objects.filter(kind__in=PROJECT_KINDS, subject_type="projects.project").select_related(
        "area", "area__parent")
    if on is not None:
        qs = qs.filter(status=Notice.Status.OPEN, starts_on__lte=on, ends_on__gte=on).order_by("ends_on", "pk")
    return qs


def public_notice(pk: int) -> Notice:
    from django.http import Http404

    notice = public_notices().filter(pk=pk).first()
    if notice is None:
        raise Http404("not found")
    return notice


def fund_plan(year: int) -> dict[str, Any]:
    """The yearly fund plan (年度资金项目计划): the year's library projects and their money by source."""
    projects = list(public_projects(year=year).order_by("area__code", "pk"))
    totals = {s: sum((getattr(p, f"budget_{s}") for p in projects), ZERO) for s in FundSource.values}
    return {"year": year, "projects": projects, "totals": totals, "total": sum(totals.values(), ZERO),
            "sources": [(s, str(FundSource(s).label)) for s in FundSource.values]}


def plan_years() -> list[int]:
    return sorted(set(public_projects().values_list("year", flat=True)), reverse=True)
