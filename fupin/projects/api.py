"""Projects over JSON: the library, a project's every step (auditors read them all), taking a step,
progress and alerts, assets; and the public views (no sign-in) of /public/.

``POST …/steps`` is multipart (form fields plus optional ``files``), so documents travel with the
step, as on the project page.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile

from fupin.accounts.access import ensure_can
from fupin.accounts.roles import Cap
from fupin.projects import selectors, services
from fupin.projects.models import Asset, Project, ProjectStep
from fupin.projects.transitions import actions_from

router = Router(tags=["projects"])


class ProjectOut(Schema):
    id: int
    number: str
    year: int
    name: str
    category: str
    nature: str
    area_code: str
    area_name: str
    department: str
    status: str
    status_label: str
    planned_start: date
    planned_end: date
    budget: dict[str, Decimal]
    budget_total: Decimal
    approved_total: Decimal | None


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    sha256: str
    url: str


class StepOut(Schema):
    id: int
    action: str
    action_label: str
    from_status: str
    to_status: str
    actor: str
    at: datetime
    on: date
    note: str
    amount: Decimal | None
    source: str
    payee: str
    payee_name: str
    household_no: str
    notice_id: int | None
    attachments: list[AttachmentOut]


class BeneficiaryOut(Schema):
    household_no: str
    village: str
    head_id_masked: str
    benefit: str


class ProjectDetailOut(ProjectOut):
    tasks: str
    location: str
    benefit_mechanism: str
    performance_targets: str
    allocated: Decimal
    spent: Decimal
    steps: list[StepOut]
    beneficiaries: list[BeneficiaryOut]
    notice_ids: list[int]
    actions: list[str]


class ProjectPage(Schema):
    count: int
    items: list[ProjectOut]


class ProjectFilter(Schema):
    year: int | None = None
    status: str = ""
    category: str = ""
    q: str = ""
    offset: int = 0
    limit: int = 50


class StepIn(Schema):
    action: str
    note: str = ""
    amount: str = ""
    source: str = ""
    payee: str = ""
    payee_name: str = ""
    household_no: str = ""
    seen_status: str | None = None  # the status the client acted on; a different current one → 409


class IdleOut(Schema):
    project_id: int
    name: str
    allocated_before: Decimal
    spent: Decimal
    idle: Decimal
    since: date | None
    days: int


class LateOut(Schema):
    project_id: int
    name: str
    code: str
    due: date
    days_late: int


class AlertsOut(Schema):
    as_of: date
    idle_funds: list[IdleOut]
    behind_schedule: list[LateOut]


class SourceProgressOut(Schema):
    source: str
    label: str
    budget: Decimal
    month: Decimal
    to_date: Decimal
    rate: Decimal


class ProjectProgressOut(Schema):
    project_id: int
    name: str
    approved: Decimal | None
    allocated: Decimal
    month: Decimal
    to_date: Decimal
    months: list[Decimal]
    rate: Decimal


class ProgressOut(Schema):
    year: int
    month: int
    sources: list[SourceProgressOut]
    projects: list[ProjectProgressOut]


class AssetOut(Schema):
    id: int
    project_id: int
    name: str
    kind: str
    value: Decimal
    owner: str
    custodian: str
    formed_on: date
    household_no: str
    income: Decimal


class PayoutOut(Schema):
    year: int
    household_no: str
    amount: Decimal
    paid_on: date


class AssetDetailOut(AssetOut):
    payouts: list[PayoutOut]


class PublicNoticeOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    area_name: str
    starts_on: date
    ends_on: date
    days: int
    on_display: bool
    project_id: int | None


def _project_out(p: Project) -> ProjectOut:
    return ProjectOut(id=p.pk, number=p.number, year=p.year, name=p.name, category=p.category, nature=p.nature,
                      area_code=p.area.code, area_name=p.area.name, department=p.department.name, status=p.status,
                      status_label=str(p.get_status_display()), planned_start=p.planned_start,
                      planned_end=p.planned_end, budget={s: a for s, _l, a in p.budget_by_source()},
                      budget_total=p.budget_total, approved_total=p.approved_total)


def _step_out(s: ProjectStep) -> StepOut:
    return StepOut(id=s.pk, action=s.action, action_label=str(s.get_action_display()), from_status=s.from_status,
                   to_status=s.to_status, actor=str(s.actor) if s.actor_id else "system", at=s.at, on=s.on,
                   note=s.note, amount=s.amount, source=s.source, payee=s.payee, payee_name=s.payee_name,
                   household_no=s.household.household_no if s.household else "", notice_id=s.notice_id,
                   attachments=[AttachmentOut(id=a.pk, name=a.original_name, size=a.size, sha256=a.sha256,
                                              url=reverse("projects:attachment", args=[a.pk]))
                                for a in s.attachments.all()])


def _detail(request: HttpRequest, project: Project) -> ProjectDetailOut:
    return ProjectDetailOut(
        **_project_out(project).dict(), tasks=project.tasks, location=project.location,
        benefit_mechanism=project.benefit_mechanism, performance_targets=project.performance_targets,
        allocated=services.allocated_total(project.pk), spent=services.spending_total(project.pk),
        steps=[_step_out(s) for s in selectors.project_steps(project)],
        beneficiaries=[BeneficiaryOut(household_no=b.household_no, village=b.village, head_id_masked=b.head_id_masked,
                                      benefit=b.benefit) for b in selectors.beneficiary_rows(project)],
        notice_ids=[n.pk for n in selectors.project_notices(project)],
        actions=[t.action for t in actions_from(project.status) if services.may_take(request.user, t, project)])


@router.get("/", response=ProjectPage, summary="项目库 / the project library in your area")
def project_list(request: HttpRequest, filters: Query[ProjectFilter]) -> ProjectPage:
    ensure_can(request.user, Cap.PROJECTS_VIEW)
    qs = selectors.project_list(request.user, year=filters.year, status=filters.status, category=filters.category,
                                q=filters.q).order_by("-year", "pk")
    limit = max(1, min(filters.limit, 500))
    return ProjectPage(count=qs.count(), items=[_project_out(p) for p in qs[filters.offset: filters.offset + limit]])


@router.get("/alerts", response=AlertsOut, summary="资金滞留与进度滞后预警 / idle funds and projects behind schedule")
def alerts(request: HttpRequest, as_of: date | None = None) -> AlertsOut:
    ensure_can(request.user, Cap.PROJECTS_VIEW)
    day = as_of or timezone.localdate()
    visible = Project.objects.visible_to(request.user)
    return AlertsOut(
        as_of=day,
        idle_funds=[IdleOut(project_id=i.project.pk, name=i.project.name, allocated_before=i.allocated_before,
                            spent=i.spent, idle=i.idle, since=i.since, days=i.days)
                    for i in selectors.idle_funds(visible, as_of=day)],
        behind_schedule=[LateOut(project_id=b.project.pk, name=b.project.name, code=b.code, due=b.due,
                                 days_late=b.days_late) for b in selectors.behind_schedule(visible, as_of=day)])


@router.get("/progress", response=ProgressOut, summary="月度支出进度 / monthly spending per fund source and project")
def progress(request: HttpRequest, year: int | None = None, month: int | None = None) -> ProgressOut:
    ensure_can(request.user, Cap.PROJECTS_VIEW)
    today = timezone.localdate()
    year = year or today.year
    month = month or (today.month if year == today.year else 12)
    data = selectors.monthly_progress(Project.objects.visible_to(request.user), year=year,
                                      month=min(max(month, 1), 12))
    return ProgressOut(year=data.year, month=data.month,
                       sources=[SourceProgressOut(**s) for s in data.sources],
                       projects=[ProjectProgressOut(project_id=r["project"].pk, name=r["project"].name,
                                                    approved=r["approved"], allocated=r["allocated"],
                                                    month=r["month"], to_date=r["to_date"], months=r["months"],
                                                    rate=r["rate"]) for r in data.projects])


def _asset_out(a: Asset) -> AssetOut:
    return AssetOut(id=a.pk, project_id=a.project_id, name=a.name, kind=a.kind, value=a.value, owner=a.owner,
                    custodian=a.custodian, formed_on=a.formed_on,
                    household_no=a.household.household_no if a.household else "",
                    income=getattr(a, "income", Decimal("0.00")))


@router.get("/assets", response=list[AssetOut], summary="项目资产 / assets formed by projects")
def asset_list(request: HttpRequest, kind: str = "") -> list[AssetOut]:
    ensure_can(request.user, Cap.PROJECTS_VIEW)
    return [_asset_out(a) for a in selectors.asset_list(request.user, kind=kind)[:1000]]


@router.get("/assets/{asset_id}", response=AssetDetailOut, summary="资产及其收益分配 / an asset and its payouts")
def asset_detail(request: HttpRequest, asset_id: int) -> AssetDetailOut:
    ensure_can(request.user, Cap.PROJECTS_VIEW)
    asset = selectors.asset_get(request.user, asset_id)
    return AssetDetailOut(**_asset_out(asset).dict(), payouts=[
        PayoutOut(year=p.year, household_no=p.household.household_no, amount=p.amount, paid_on=p.paid_on)
        for p in asset.payouts.select_related("household").order_by("-year", "pk")])


@router.get("/public/notices", response=list[PublicNoticeOut], auth=None,
            summary="公开：项目公示公告（无需登录）/ public: project notices")
def public_notices(request: HttpRequest, current: bool = True) -> list[PublicNoticeOut]:
    today = timezone.localdate()
    qs = selectors.public_notices(on=today if current else None)
    return [PublicNoticeOut(id=n.pk, kind=n.kind, kind_label=str(n.get_kind_display()), title=n.title,
                            area_name=n.area.name, starts_on=n.starts_on, ends_on=n.ends_on, days=n.days,
                            on_display=n.is_on_display(today), project_id=n.subject_id) for n in qs[:500]]


@router.get("/public/projects", response=list[ProjectOut], auth=None,
            summary="公开：项目库（无需登录）/ public: the project library")
def public_projects(request: HttpRequest, year: int | None = None) -> list[ProjectOut]:
    return [_project_out(p) for p in selectors.public_projects(year=year).order_by("-year", "pk")[:1000]]


@router.get("/{project_id}", response=ProjectDetailOut, summary="项目及其每一步 / a project and its every step")
def project_detail(request: HttpRequest, project_id: int) -> ProjectDetailOut:
    ensure_can(request.user, Cap.PROJECTS_VIEW)
    return _detail(request, selectors.project_get(request.user, project_id))


@router.post("/{project_id}/steps", response={201: StepOut},
             summary="办理一步（拒绝时不作任何更改）/ take a step (a refusal changes nothing)")
def step_create(request: HttpRequest, project_id: int, payload: Form[StepIn],
                files: File[list[UploadedFile]] = None) -> Status[StepOut]:  # type: ignore[assignment]
    project = selectors.project_get(request.user, project_id)
    if payload.seen_status is not None:
        project.status = payload.seen_status
    household = services.household_for_project(project, payload.household_no) if payload.household_no else None
    step = services.project_step(project, payload.action, actor=request.user, files=files or (), data=services.StepInput(
        note=payload.note, amount=payload.amount or None, source=payload.source, payee=payload.payee,
        payee_name=payload.payee_name, household=household))
    return Status(201, _step_out(step))
