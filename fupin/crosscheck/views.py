"""Pages of the department cross-check: overview, upload, findings queue, one finding, trends."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fupin.accounts.access import can, require_capability
from fupin.accounts.models import User
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.assessment.services import work_year
from fupin.core.actors import Viewer, acting_user
from fupin.core.errors import BadInput, DomainError
from fupin.core.imports.jobs import outcome_context
from fupin.core.imports.uploads import job_report_response, upload_limit
from fupin.core.jobs import job_create, job_sweep_stale
from fupin.core.reads import personal_data_read
from fupin.core.request_limits import body_limit, upload_form_limit
from fupin.crosscheck import selectors, services
from fupin.crosscheck.datasets import FINDING_LABELS, Dataset, Kind
from fupin.crosscheck.filters import FindingFilter
from fupin.crosscheck.forms import CloseForm, UploadForm, VerifyForm
from fupin.crosscheck.job_handlers import RUN_KIND
from fupin.crosscheck.loading import datasets_for
from fupin.crosscheck.models import Finding
from fupin.crosscheck.uploads import load_job_get, load_start
from fupin.registry.proposals import proposals_of_source


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _year(request: HttpRequest) -> int:
    return _int(request.GET.get("year")) or work_year()


def _reveal(request: HttpRequest) -> bool:
    """Full ID numbers: only when asked for (``?reveal=1``) by a role that may see them; masked otherwise."""
    return request.GET.get("reveal") == "1" and can(request.user, Cap.REGISTRY_FULL_ID)


def _may_upload(user: Viewer) -> bool:
    if not (can(user, Cap.DEPARTMENT_UPLOAD) or can(user, Cap.CROSSCHECK_RUN)):
        return False
    return bool(datasets_for(user))


@require_capability(Cap.REGISTRY_VIEW)
def overview(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    run = selectors.latest_run(year)
    latest = services.latest_loads()
    visible = FindingFilter({}, queryset=selectors.finding_list(request.user, year=year)).qs
    by_code = {code: n for code, n in _count_by(visible, "code")}
    return render(request, "crosscheck/overview.html", {
        "year": year, "run": run, "tab": "overview",
        "datasets": [(d, latest.get(d.value)) for d in Dataset],
        "codes": [(code, label, by_code.get(code, 0)) for code, label in FINDING_LABELS.items()],
        "open_total": sum(by_code.values()), "can_run": can(request.user, Cap.CROSSCHECK_RUN),
        "can_upload": _may_upload(request.user), "loads": selectors.loads_latest_first(20),
    })


def _count_by(qs: Any, field: str) -> list[tuple[str, int]]:
    from django.db.models import Count
    return [(r[field], r["n"]) for r in qs.order_by().values(field).annotate(n=Count("id"))]


@require_capability(Cap.REGISTRY_VIEW)
def findings(request: HttpRequest) -> HttpResponse:
    params = request.GET
    year = _year(request)
    filters = FindingFilter(params, queryset=selectors.finding_list(request.user, year=year), request=request)
    rows = filters.qs
    status = filters.form.cleaned_data["status"]
    page = Paginator(rows, 25).get_page(params.get("page"))
    full_id = _reveal(request)
    personal_data_read(actor=acting_user(request), rows=list(page.object_list), view="crosscheck.findings",
                       full_ids=full_id, query={**filters.form.cleaned_data, "year": year, "page": page.number})
    townships = Area.objects.visible_to(request.user).filter(level="township", valid_to__isnull=True)
    villages = Area.objects.visible_to(request.user).filter(level="village", valid_to__isnull=True).order_by("code")
    return render(request, "crosscheck/findings.html", {
        "year": year, "tab": "findings", "params": params, "status": status,
        "page": page, "codes": list(FINDING_LABELS.items()),
        "datasets": Dataset.choices, "kinds": Kind.choices, "statuses": Finding.Status.choices,
        "townships": townships, "villages": villages, "full_id": full_id,
        "can_reveal": can(request.user, Cap.REGISTRY_FULL_ID),
    })


@require_capability(Cap.REGISTRY_VIEW)
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    finding = selectors.finding_get(request.user, pk)
    can_work = can(request.user, Cap.CROSSCHECK_WORK)
    full_id = _reveal(request)
    personal_data_read(actor=acting_user(request), rows=[finding], view="crosscheck.finding", full_ids=full_id)
    return render(request, "crosscheck/finding_detail.html", {
        "f": finding, "year": finding.year, "can_work": can_work,
        "full_id": full_id, "can_reveal": can(request.user, Cap.REGISTRY_FULL_ID),
        "assignees": selectors.finding_assignees(finding) if can_work and finding.status != Finding.Status.CLOSED else [],
        "verify_form": VerifyForm(), "close_form": CloseForm(),
        "proposals": proposals_of_source(request.user, f"finding:{finding.pk}"),
    })


def _step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    finding = selectors.finding_get(request.user, pk)
    try:
        if action == "assign":
            assignee_id = _int(request.POST.get("assignee"))
            assignee = User.objects.filter(pk=assignee_id).first() if assignee_id else None
            services.finding_assign(finding, actor=acting_user(request), assignee=assignee)
            messages.success(request, _("已分派"))
        elif action == "verify":
            services.finding_verify(finding, actor=acting_user(request), note=request.POST.get("note", ""))
            messages.success(request, _("已登记核实情况"))
        else:
            services.finding_close(finding, actor=acting_user(request), disposition=request.POST.get("disposition", ""),
                                   note=request.POST.get("note", ""))
            messages.success(request, _("疑点已办结"))
    except BadInput as exc:  # a refused step (TransitionRefused, ConcurrentChange) answers 409 (RefusalMiddleware)
        messages.error(request, exc.message)
    return redirect("crosscheck:finding-detail", pk=finding.pk)


@require_POST
@require_capability(Cap.CROSSCHECK_WORK)
def finding_assign(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, "assign")


@require_POST
@require_capability(Cap.CROSSCHECK_WORK)
def finding_verify(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, "verify")


@require_POST
@require_capability(Cap.CROSSCHECK_WORK)
def finding_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, "close")


@require_POST
@require_capability(Cap.CROSSCHECK_RUN)
def run_start(request: HttpRequest) -> HttpResponse:
    year = _int(request.POST.get("year")) or work_year()
    if not services.latest_loads():
        messages.error(request, services.NO_LISTS)
        return redirect("crosscheck:overview")
    job = job_create(kind=RUN_KIND, title=_("%(year)s 年部门数据比对") % {"year": year}, actor=acting_user(request),
                     params={"year": year})
    return redirect("core:job-detail", pk=job.pk)


@body_limit(lambda: upload_form_limit(upload_limit()))
def upload(request: HttpRequest) -> HttpResponse:
    if not _may_upload(request.user):
        raise_denied()
    datasets = datasets_for(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, datasets=datasets)
    if request.method == "POST" and form.is_valid():
        try:
            job = load_start(dataset=form.cleaned_data["dataset"], upload=form.cleaned_data.get("upload"),
                             actor=acting_user(request), valid_only=form.cleaned_data["valid_only"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("crosscheck:load-detail", pk=job.pk)
    return render(request, "crosscheck/upload.html", {"form": form, "tab": "upload", "year": work_year(),
                                                      "sheets": _formats(datasets)},
                  status=400 if form.errors else 200)


def raise_denied() -> None:
    from django.core.exceptions import PermissionDenied
    raise PermissionDenied(Cap.DEPARTMENT_UPLOAD)


def _formats(datasets: list[str]) -> list[tuple[str, str, str]]:
    from fupin.crosscheck.datasets import SHEETS
    return [(d, str(Dataset(d).label), "、".join(c.header for c in SHEETS[d].columns)) for d in datasets]


@require_GET
def load_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress while the load job runs (htmx polls this page), then the outcome and problems."""
    job_sweep_stale()
    job = load_job_get(request.user, pk)
    context = {**outcome_context(job), "dataset_label": Dataset(job.params["dataset"]).label}
    template = "crosscheck/_load_status.html" if request.headers.get("HX-Request") else "crosscheck/load_detail.html"
    return render(request, template, context)


@require_GET
def load_report(request: HttpRequest, pk: int) -> FileResponse:
    return job_report_response(load_job_get(request.user, pk), f"名单问题报告-{pk}.xlsx")


@require_capability(Cap.REGISTRY_VIEW)
def trends(request: HttpRequest) -> HttpResponse:
    year = _int(request.GET.get("year"))
    return render(request, "crosscheck/trends.html", {
        "rows": selectors.trends(request.user, year=year), "year": year or work_year(), "only_year": year,
        "tab": "trends"})
