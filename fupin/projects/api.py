"""Projects over JSON: the library, a project's every step (auditors read them all), proposing a
project and taking every later step, beneficiaries, assets and their payouts, progress and alerts,
the objections that reach the responsible unit; and the public views (no sign-in) of /public/.

Every write calls the service the pages call, so the same capability, area and unit checks and the
same refusals (with their codes) hold, and a refusal changes nothing. ``POST /`` (a proposal) and
``POST …/steps`` are multipart (form fields plus optional ``files``), so documents travel with the
proposal or the step, as on the pages; the other writes take JSON.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile

from fupin.accounts.access import ensure_can
from fupin.accounts.models import Department
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.areas.scoping import get_visible_or_404
from fupin.core.actors import acting_user
from fupin.core.api_types import BodyIn, Day, Id, Limit, Month, Offset, Text, Year
from fupin.core.errors import BadInput
from fupin.core.workflow import UNSET
from fupin.notices.models import Objection
from fupin.projects import selectors, services
from fupin.projects.filters import AssetFilter, ProjectFilter, PublicProjectFilter
from fupin.projects.models import Asset, AssetPayout, FundSource, Project, ProjectStep

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


class ProjectAttachmentOut(Schema):
    id: int
    name: str
    size: int
    sha256: str
    url: str


class ProjectStepOut(Schema):
    id: int
    action: str
    action_label: str
    from_state: str
    to_state: str
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
    attachments: list[ProjectAttachmentOut]


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
    deposit: Decimal | None  # the quality deposit settlement retained (unspent until released)
    deposit_due: date | None  # the first day it may be released
    deposit_released_on: date | None
    steps: list[ProjectStepOut]
    beneficiaries: list[BeneficiaryOut]
    notice_ids: list[int]
    actions: list[str]


class ProjectPage(Schema):
    count: int
    items: list[ProjectOut]


class ProjectFilterIn(Schema):
    year: Year | None = None
    status: Text = ""
    category: Text = ""
    q: Text = ""
    offset: Offset = 0
    limit: Limit = 50


class ProjectIn(BodyIn):
    """A proposal (村级申报), the proposal form's fields. Performance targets may be sent empty: the
    service refuses a project without them (NO_TARGETS), as the form does."""

    year: Year
    name: Text
    category: Text
    nature: Text
    department_code: Text  # the responsible unit (责任单位)
    planned_start: Day
    planned_end: Day
    tasks: Text
    benefit_mechanism: Text
    performance_targets: Text = ""
    location: Text = ""
    budget_central: Text = ""
    budget_provincial: Text = ""
    budget_city: Text = ""
    budget_district: Text = ""
    budget_integrated: Text = ""
    households: list[Text] = []  # beneficiary household numbers (户编号), the field repeated


class ProjectStepIn(BodyIn):
    action: Text
    note: Text = ""
    amount: Text = ""
    source: Text = ""
    payee: Text = ""
    payee_name: Text = ""
    household_no: Text = ""
    year: Year | None = None  # adjust: the new plan year
    budget_central: Text = ""  # adjust: new amounts per fund source (empty: unchanged)
    budget_provincial: Text = ""
    budget_city: Text = ""
    budget_district: Text = ""
    budget_integrated: Text = ""
    seen_status: Text | None = None  # the status the client acted on; a different current one → 409


class BeneficiaryIn(BodyIn):
    household_no: Text
    benefit: Text = ""


class AssetIn(BodyIn):
    name: Text
    kind: Text
    value: Text
    owner: Text
    custodian: Text
    formed_on: Day
    household_no: Text = ""


class PayoutIn(BodyIn):
    household_no: Text
    year: Year
    amount: Text
    paid_on: Day


class ProjectObjectionResolveIn(BodyIn):
    outcome: Literal["upheld", "dismissed"]
    resolution: Text  # the reply (处理意见)


class ProjectObjectionOut(Schema):
    id: int
    notice_id: int
    notice_kind: str
    project_id: int | None
    project_name: str
    department: str
    raised_at: datetime
    channel: str
    text: str
    status: str
    outcome: str
    resolution: str
    resolved_by: str
    resolved_at: datetime | None
    may_resolve: bool


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


class DepositOverdueOut(Schema):
    project_id: int
    name: str
    deposit: Decimal
    due: date
    days_late: int


class AlertsOut(Schema):
    as_of: date
    idle_funds: list[IdleOut]
    behind_schedule: list[LateOut]
    deposits_overdue: list[DepositOverdueOut]


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
    deposit: Decimal  # the quality deposit held at the month's end: allocated, not spent


class ProgressOut(Schema):
    year: int
    month: int
    sources: list[SourceProgressOut]
    projects: list[ProjectProgressOut]
    deposit_total: Decimal


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


def _step_out(s: ProjectStep) -> ProjectStepOut:
    return ProjectStepOut(id=s.pk, action=s.action, action_label=str(s.get_action_display()), from_state=s.from_state or "",
                   to_state=s.to_state or "", actor=str(s.actor) if s.actor_id else "system", at=s.at, on=s.on,
                   note=s.note, amount=s.amount, source=s.source, payee=s.payee, payee_name=s.payee_name,
                   household_no=s.household.household_no if s.household else "", notice_id=s.notice_id,
                   attachments=[ProjectAttachmentOut(id=a.pk, name=a.original_name, size=a.size, sha256=a.sha256,
                                              url=reverse("projects:attachment", args=[a.pk]))
                                for a in s.attachments.all()])


def _detail(request: HttpRequest, project: Project) -> ProjectDetailOut:
    return ProjectDetailOut(
        **_project_out(project).dict(), tasks=project.tasks, location=project.location,
        benefit_mechanism=project.benefit_mechanism, performance_targets=project.performance_targets,
        allocated=services.allocated_total(project.pk), spent=services.spending_total(project.pk),
        deposit=project.deposit, deposit_due=project.deposit_due,
        deposit_released_on=services.deposit_released_on(project.pk) if project.deposit else None,
        steps=[_step_out(s) for s in selectors.project_steps(project)],
        beneficiaries=[BeneficiaryOut(household_no=b.household_no, village=b.village, head_id_masked=b.head_id_masked,
                                      benefit=b.benefit) for b in selectors.beneficiary_rows(project)],
        notice_ids=[n.pk for n in selectors.project_notices(project)],
        actions=[t.action for t in services.open_actions(acting_user(request), project)])


@router.get("/", response=ProjectPage, summary="项目库 / the project library in your area")
def project_list(request: HttpRequest, filters: Query[ProjectFilterIn]) -> ProjectPage:
    ensure_can(request.user, Cap.PROJECTS_VIEW)
    data = filters.dict(exclude={"offset", "limit"})
    qs = ProjectFilter(data, queryset=selectors.project_list(request.user)).qs.order_by("-year", "pk")
    return ProjectPage(count=qs.count(),
                       items=[_project_out(p) for p in qs[filters.offset: filters.offset + filters.limit]])


@router.get("/alerts", response=AlertsOut, summary="资金滞留与进度滞后预警 / idle funds and projects behind schedule")
def alerts(request: HttpRequest, as_of: Day | None = None) -> AlertsOut:
    ensure_can(request.user, Cap.PROJECTS_VIEW)
    day = as_of or timezone.localdate()
    visible = Project.objects.visible_to(request.user)
    return AlertsOut(
        as_of=day,
        idle_funds=[IdleOut(project_id=i.project.pk, name=i.project.name, allocated_before=i.allocated_before,
                            spent=i.spent, idle=i.idle, since=i.since, days=i.days)
                    for i in selectors.idle_funds(visible, as_of=day)],
        behind_schedule=[LateOut(project_id=b.project.pk, name=b.project.name, code=b.code, due=b.due,
                                 days_late=b.days_late) for b in selectors.behind_schedule(visible, as_of=day)],
        deposits_overdue=[DepositOverdueOut(project_id=d.project.pk, name=d.project.name, deposit=d.deposit, due=d.due,
                                            days_late=d.days_late)
                          for d in selectors.deposits_overdue(visible, as_of=day)])


@router.get("/progress", response=ProgressOut, summary="月度支出进度 / monthly spending per fund source and project")
def progress(request: HttpRequest, year: Year | None = None, month: Month | None = None) -> ProgressOut:
    ensure_can(request.user, Cap.PROJECTS_VIEW)
    today = timezone.localdate()
    year = year or today.year
    month = month or (today.month if year == today.year else 12)
    data = selectors.monthly_progress(Project.objects.visible_to(request.user), year=year, month=month)
    return ProgressOut(year=data.year, month=data.month,
                       sources=[SourceProgressOut(**s) for s in data.sources],
                       projects=[ProjectProgressOut(project_id=r["project"].pk, name=r["project"].name,
                                                    approved=r["approved"], allocated=r["allocated"],
                                                    month=r["month"], to_date=r["to_date"], months=r["months"],
                                                    rate=r["rate"], deposit=r["deposit"]) for r in data.projects],
                       deposit_total=data.totals["deposit"])


def _asset_out(a: Asset) -> AssetOut:
    return AssetOut(id=a.pk, project_id=a.project_id, name=a.name, kind=a.kind, value=a.value, owner=a.owner,
                    custodian=a.custodian, formed_on=a.formed_on,
                    household_no=a.household.household_no if a.household else "",
                    income=getattr(a, "income", Decimal("0.00")))


@router.get("/assets", response=list[AssetOut], summary="项目资产 / assets formed by projects")
def asset_list(request: HttpRequest, kind: Text = "") -> list[AssetOut]:
    ensure_can(request.user, Cap.PROJECTS_VIEW)
    return [_asset_out(a) for a in AssetFilter({"kind": kind}, queryset=selectors.asset_list(request.user)).qs[:1000]]


@router.get("/assets/{asset_id}", response=AssetDetailOut, summary="资产及其收益分配 / an asset and its payouts")
def asset_detail(request: HttpRequest, asset_id: Id) -> AssetDetailOut:
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
def public_projects(request: HttpRequest, year: Year | None = None) -> list[ProjectOut]:
    qs = PublicProjectFilter({"year": year}, queryset=selectors.public_projects()).qs
    return [_project_out(p) for p in qs.order_by("-year", "pk")[:1000]]


def _objection_out(request: HttpRequest, o: Objection, project: Project | None) -> ProjectObjectionOut:
    return ProjectObjectionOut(
        id=o.pk, notice_id=o.notice_id, notice_kind=o.notice.kind, project_id=project.pk if project else None,
        project_name=project.name if project else "", department=project.department.name if project else "",
        raised_at=o.raised_at, channel=o.channel, text=o.text, status=o.status, outcome=o.outcome,
        resolution=o.resolution, resolved_by=str(o.resolved_by) if o.resolved_by_id else "", resolved_at=o.resolved_at,
        may_resolve=bool(o.is_pending and project is not None
                         and services.may_resolve_objection(acting_user(request), project, o.notice)))


@router.get("/objections", response=list[ProjectObjectionOut],
            summary="项目公示的群众异议（责任单位）/ objections to project notices, for the responsible unit")
def objection_list(request: HttpRequest) -> list[ProjectObjectionOut]:
    ensure_can(request.user, Cap.PROJECTS_VIEW)
    return [_objection_out(request, o, p) for o, p in selectors.project_objections(request.user, limit=500)]


@router.post("/objections/{objection_id}/resolve", response=ProjectObjectionOut,
             summary="责任单位处理项目公示异议并答复（拒绝时不作任何更改）/ resolve an objection to a project notice")
def objection_resolve(request: HttpRequest, objection_id: Id, payload: ProjectObjectionResolveIn) -> ProjectObjectionOut:
    objection = selectors.project_objection_get(request.user, objection_id)
    objection = services.project_objection_resolve(objection, outcome=payload.outcome, resolution=payload.resolution,
                                                   actor=acting_user(request))
    return _objection_out(request, objection, services.objection_project(objection))


@router.post("/areas/{area_id}/proposals", response={201: ProjectDetailOut},
             summary="在一地申报项目（村级申报并公示；无绩效目标不得入库）/ propose a project located in an area")
def project_create(request: HttpRequest, area_id: Id, payload: Form[ProjectIn],
                   files: File[list[UploadedFile]] = None) -> Status[ProjectDetailOut]:  # type: ignore[assignment]
    area = get_visible_or_404(Area.objects.all(), request.user, pk=area_id)
    ensure_can(request.user, Cap.PROJECTS_PROPOSE)
    department = Department.objects.filter(code=payload.department_code.strip()).first()
    if department is None:
        message = services.FIELD_REQUIRED.format(label="责任单位", name="department_code")
        raise BadInput(message, fields={"department_code": [message]})
    households = services.households_for_area(area, payload.households)
    data = services.ProjectInput(
        year=payload.year, name=payload.name, category=payload.category, nature=payload.nature, area=area,
        department=department, planned_start=payload.planned_start, planned_end=payload.planned_end,
        tasks=payload.tasks, benefit_mechanism=payload.benefit_mechanism,
        performance_targets=payload.performance_targets, location=payload.location,
        budget={s: getattr(payload, f"budget_{s}") for s in FundSource.values if getattr(payload, f"budget_{s}")})
    project = services.project_propose(data, actor=acting_user(request), households=households, files=files or ())
    return Status(201, _detail(request, selectors.project_get(request.user, project.pk)))


@router.get("/{project_id}", response=ProjectDetailOut, summary="项目及其每一步 / a project and its every step")
def project_detail(request: HttpRequest, project_id: Id) -> ProjectDetailOut:
    ensure_can(request.user, Cap.PROJECTS_VIEW)
    return _detail(request, selectors.project_get(request.user, project_id))


@router.post("/{project_id}/steps", response={201: ProjectStepOut},
             summary="办理一步（拒绝时不作任何更改）/ take a step (a refusal changes nothing)")
def step_create(request: HttpRequest, project_id: Id, payload: Form[ProjectStepIn],
                files: File[list[UploadedFile]] = None) -> Status[ProjectStepOut]:  # type: ignore[assignment]
    project = selectors.project_get(request.user, project_id)
    seen = UNSET if payload.seen_status is None else payload.seen_status
    household = services.household_for_project(project, payload.household_no) if payload.household_no else None
    budget = {s: getattr(payload, f"budget_{s}") for s in FundSource.values if getattr(payload, f"budget_{s}")}
    data = services.StepInput(note=payload.note, amount=payload.amount or None, source=payload.source,
                              payee=payload.payee, payee_name=payload.payee_name, household=household,
                              year=payload.year, budget=budget or None)
    step = services.project_step(project, payload.action, actor=acting_user(request), files=files or (), data=data,
                                 expected=seen)
    return Status(201, _step_out(step))


@router.post("/{project_id}/beneficiaries", response={201: BeneficiaryOut},
             summary="添加受益户 / name a registry household as a beneficiary")
def beneficiary_create(request: HttpRequest, project_id: Id, payload: BeneficiaryIn) -> Status[BeneficiaryOut]:
    project = selectors.project_get(request.user, project_id)
    household = services.household_for_project(project, payload.household_no)
    services.beneficiary_add(project, household=household, benefit=payload.benefit, actor=acting_user(request))
    row = next(b for b in selectors.beneficiary_rows(project) if b.household_id == household.pk)
    return Status(201, BeneficiaryOut(household_no=row.household_no, village=row.village,
                                      head_id_masked=row.head_id_masked, benefit=row.benefit))


@router.post("/{project_id}/assets", response={201: AssetOut},
             summary="登记项目形成的资产（验收后）/ record an asset the project formed (after acceptance)")
def asset_create(request: HttpRequest, project_id: Id, payload: AssetIn) -> Status[AssetOut]:
    project = selectors.project_get(request.user, project_id)
    household = services.household_for_project(project, payload.household_no) if payload.household_no else None
    asset = services.asset_create(project, name=payload.name, kind=payload.kind, value=payload.value,
                                  owner=payload.owner, custodian=payload.custodian, formed_on=payload.formed_on,
                                  household=household, actor=acting_user(request))
    return Status(201, _asset_out(asset))


@router.post("/assets/{asset_id}/payouts", response={201: PayoutOut},
             summary="登记资产收益分配到户 / record an asset's income paid to a household")
def payout_create(request: HttpRequest, asset_id: Id, payload: PayoutIn) -> Status[PayoutOut]:
    asset = selectors.asset_get(request.user, asset_id)
    household = services.household_for_project(asset.project, payload.household_no)
    row: AssetPayout = services.asset_payout(asset, household=household, year=payload.year, amount=payload.amount,
                                             paid_on=payload.paid_on, actor=acting_user(request))
    return Status(201, PayoutOut(year=row.year, household_no=household.household_no, amount=row.amount,
                                 paid_on=row.paid_on))
