"""Project pages for staff: the library, a project's file and its steps, progress and alerts, assets,
and the objections that reach the responsible unit. Thin: forms check shapes, services decide."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts.access import can, require_capability
from fupin.accounts.models import Department
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.areas.scoping import get_visible_or_404
from fupin.core.actors import Viewer, acting_user
from fupin.core.audit import Action, audit_record
from fupin.core.errors import BadInput, DomainError
from fupin.core.files import stored_file_response
from fupin.core.forms import submit
from fupin.notices.forms import ResolveForm
from fupin.notices.models import Objection
from fupin.projects import selectors, services
from fupin.projects.filters import AssetFilter, ProjectFilter
from fupin.projects.forms import AssetForm, BeneficiaryForm, PayoutForm, ProjectForm, StepForm, form_errors
from fupin.projects.models import Asset, FundSource, Project, ProjectAttachment, ProjectStep
from fupin.projects.report import monthly_report
from fupin.projects.transitions import TRANSITIONS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@require_capability(Cap.PROJECTS_VIEW)
def project_list(request: HttpRequest) -> HttpResponse:
    p = request.GET
    qs = ProjectFilter(p, queryset=selectors.project_list(request.user)).qs
    visible = Project.objects.visible_to(request.user)
    return render(request, "projects/project_list.html", {
        "page": Paginator(qs.order_by("-year", "area__code", "pk"), 25).get_page(p.get("page")), "params": p,
        "statuses": Project.Status.choices, "categories": Project.Category.choices,
        "years": sorted(set(visible.values_list("year", flat=True)), reverse=True),
        "idle_count": len(selectors.idle_funds(visible)), "late_count": len(selectors.behind_schedule(visible)),
        "deposit_count": len(selectors.deposits_overdue(visible)),
        "can_propose": can(request.user, Cap.PROJECTS_PROPOSE),
    })


def _areas_for(user: Viewer) -> QuerySet[Area]:
    return selectors.proposal_areas(user)


@require_capability(Cap.PROJECTS_VIEW)
def project_create(request: HttpRequest) -> HttpResponse:
    """The proposal form (GET for anyone who reads projects, so the form can be looked at; POST proposes)."""
    form = ProjectForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST":
        if not can(request.user, Cap.PROJECTS_PROPOSE):
            raise PermissionDenied(Cap.PROJECTS_PROPOSE)
        if form.is_valid():
            project = _propose(request, form)
            if project is not None:
                messages.success(request, _("项目已申报，村级公示已发布。"))
                return redirect("projects:project-detail", pk=project.pk)
        else:
            messages.error(request, form_errors(form))
    return render(request, "projects/project_form.html", {
        "form": form, "areas": _areas_for(request.user), "departments": Department.objects.order_by("code"),
        "sources": FundSource.choices})


def _propose(request: HttpRequest, form: ProjectForm) -> Project | None:
    d = form.cleaned_data
    area = _areas_for(request.user).filter(pk=d["area"]).first()
    department = Department.objects.filter(pk=d["department"]).first()
    if area is None or department is None:
        messages.error(request, services.BAD_AREA if area is None else services.FIELD_REQUIRED.format(
            label="责任单位", name="department"))
        return None
    try:
        households = services.households_for_area(area, (d["households"] or "").split())
        data = services.ProjectInput(
            year=d["year"], name=d["name"], category=d["category"], nature=d["nature"], area=area,
            department=department, planned_start=d["planned_start"], planned_end=d["planned_end"], tasks=d["tasks"],
            benefit_mechanism=d["benefit_mechanism"], performance_targets=d["performance_targets"] or "",
            location=d["location"] or "",
            budget={s: d[f"budget_{s}"] or 0 for s in FundSource.values})
        return services.project_propose(data, actor=acting_user(request), households=households,
                                        files=request.FILES.getlist("files"))
    except DomainError as exc:
        messages.error(request, exc.message)
        return None


@require_capability(Cap.PROJECTS_VIEW)
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(request.user, pk)
    open_actions = services.open_actions(acting_user(request), project)
    rows = selectors.beneficiary_rows(project)
    spent = services.spending_total(project.pk)
    return render(request, "projects/project_detail.html", {
        "project": project, "steps": selectors.project_steps(project), "beneficiaries": rows,
        "notices": list(selectors.project_notices(project)), "actions": open_actions, "spent": spent,
        "allocated": services.allocated_total(project.pk), "assets": list(project.assets.all()),
        "sources": FundSource.choices, "payees": ProjectStep.Payee.choices, "today": timezone.localdate(),
        "can_add_beneficiary": (can(request.user, Cap.PROJECTS_PROPOSE) or can(request.user, Cap.PROJECTS_TOWNSHIP))
        and project.status not in (Project.Status.SETTLED, Project.Status.WITHDRAWN),
        "can_add_asset": can(request.user, Cap.PROJECTS_ASSETS)
        and project.status in (Project.Status.ACCEPTED, Project.Status.SETTLED),
        "asset_kinds": Asset.Kind.choices, "deposit_released_on": services.deposit_released_on(project.pk)
        if project.deposit else None,
    })


@require_POST
def project_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    project = selectors.project_get(request.user, pk)
    if action not in TRANSITIONS or action == "propose":
        raise Http404("unknown action")
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("projects:project-detail", pk=project.pk)
    d = form.cleaned_data
    try:
        household = services.household_for_project(project, d["household_no"]) if d["household_no"] else None
        budget = {s: request.POST[f"budget_{s}"] for s in FundSource.values if request.POST.get(f"budget_{s}")}
        data = services.StepInput(note=d["note"], amount=d["amount"] or None, source=d["source"], payee=d["payee"],
                                  payee_name=d["payee_name"], household=household, year=d["year"],
                                  budget=budget or None)
        services.project_step(project, action, actor=acting_user(request), data=data, files=request.FILES.getlist("files"))
    except BadInput as exc:  # a refused step (409) passes to RefusalMiddleware: the refused-step page
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已办理：%(step)s") % {"step": TRANSITIONS[action].label})
    return redirect("projects:project-detail", pk=project.pk)


@require_POST
def beneficiary_add(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(request.user, pk)
    form = BeneficiaryForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("projects:project-detail", pk=project.pk)
    try:
        household = services.household_for_project(project, form.cleaned_data["household_no"])
        services.beneficiary_add(project, household=household, benefit=form.cleaned_data["benefit"],
                                 actor=acting_user(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("受益户已添加。"))
    return redirect("projects:project-detail", pk=project.pk)


@require_POST
def asset_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(request.user, pk)
    form = AssetForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("projects:project-detail", pk=project.pk)
    d = form.cleaned_data
    try:
        household = services.household_for_project(project, d["household_no"]) if d["household_no"] else None
        asset = services.asset_create(project, name=d["name"], kind=d["kind"], value=d["value"], owner=d["owner"],
                                      custodian=d["custodian"], formed_on=d["formed_on"], household=household,
                                      actor=acting_user(request))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("projects:project-detail", pk=project.pk)
    messages.success(request, _("资产已登记。"))
    return redirect("projects:asset-detail", pk=asset.pk)


@require_capability(Cap.PROJECTS_VIEW)
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_visible_or_404(ProjectAttachment.objects.select_related("step__project"), request.user, pk=pk)
    response = stored_file_response(attachment)
    audit_record(actor=acting_user(request), action=Action.READ, obj=attachment,
                 changes={"project": attachment.step.project_id})
    return response


# --- progress and alerts ------------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[int, int]:
    """The year and month asked for; by default this month, or December of the latest year with
    projects when this year has none yet."""
    today = timezone.localdate()
    latest = (Project.objects.visible_to(request.user).filter(year__lte=today.year).order_by("-year")
              .values_list("year", flat=True).first())
    year = _int(request.GET.get("year")) or latest or today.year
    month = _int(request.GET.get("month")) or (today.month if year == today.year else 12)
    return year, min(max(month, 1), 12)


@require_capability(Cap.PROJECTS_VIEW)
def progress(request: HttpRequest) -> HttpResponse:
    year, month = _period(request)
    visible = Project.objects.visible_to(request.user)
    return render(request, "projects/progress.html", {
        "progress": selectors.monthly_progress(visible, year=year, month=month), "year": year, "month": month,
        "months": range(1, 13), "idle": selectors.idle_funds(visible), "late": selectors.behind_schedule(visible),
        "deposits": selectors.deposits_overdue(visible), "today": timezone.localdate(),
    })


@require_capability(Cap.PROJECTS_VIEW)
def progress_report(request: HttpRequest) -> HttpResponse:
    year, month = _period(request)
    assignment = getattr(request.user, "primary_assignment", None)
    unit = f"{assignment.area.name}" if assignment else _("全部区域")
    content = monthly_report(Project.objects.visible_to(request.user), year=year, month=month, unit=unit,
                             as_of=timezone.localdate())
    audit_record(actor=acting_user(request), action=Action.EXPORT, object_type="projects.report",
                 object_label=f"{year}-{month:02d}", changes={"year": year, "month": month})
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="project-progress-{year}-{month:02d}.xlsx"'
    return response


# --- assets -------------------------------------------------------------------------------------


@require_capability(Cap.PROJECTS_VIEW)
def asset_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    qs = AssetFilter(request.GET, queryset=selectors.asset_list(request.user)).qs
    return render(request, "projects/asset_list.html", {
        "page": Paginator(qs, 25).get_page(request.GET.get("page")), "kinds": Asset.Kind.choices, "kind": kind})


@require_capability(Cap.PROJECTS_VIEW)
def asset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    asset = selectors.asset_get(request.user, pk)
    payouts = list(asset.payouts.select_related("household").order_by("-year", "pk"))
    return render(request, "projects/asset_detail.html", {
        "asset": asset, "payouts": payouts, "can_pay": can(request.user, Cap.PROJECTS_ASSETS),
        "this_year": timezone.localdate().year, "today": timezone.localdate()})


@require_POST
def asset_payout(request: HttpRequest, pk: int) -> HttpResponse:
    asset = selectors.asset_get(request.user, pk)
    form = PayoutForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("projects:asset-detail", pk=asset.pk)
    d = form.cleaned_data
    try:
        household = services.household_for_project(asset.project, d["household_no"])
        services.asset_payout(asset, household=household, year=d["year"], amount=d["amount"], paid_on=d["paid_on"],
                              actor=acting_user(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("收益分配已登记，并记入该户档案。"))
    return redirect("projects:asset-detail", pk=asset.pk)


# --- objections to project notices, for the responsible unit ------------------------------------


@require_capability(Cap.PROJECTS_VIEW)
def objection_list(request: HttpRequest) -> HttpResponse:
    """Objections to project notices, for the responsible unit: each open one with a reply form for
    those who may resolve it (the unit's officers, and who manages notices there)."""
    rows = [(o, p, o.is_pending and p is not None and services.may_resolve_objection(acting_user(request), p, o.notice))
            for o, p in selectors.project_objections(request.user)]
    return render(request, "projects/objection_list.html", {
        "rows": rows, "today": date.today(), "outcomes": Objection.Outcome.choices})


@require_POST
def objection_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    objection = selectors.project_objection_get(request.user, pk)

    def resolve(data: dict[str, Any]) -> str:
        services.project_objection_resolve(objection, actor=acting_user(request), **data)
        return _("异议已处理，处理意见已记录。")

    submit(request, ResolveForm(request.POST), resolve)
    return redirect("projects:objection-list")
