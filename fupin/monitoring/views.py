"""Pages of return-to-poverty monitoring: a run's results by township and village, the household
list with filters, starting a run, monitoring cases and their steps, and the monthly trend."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts.access import can, require_capability
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.areas.scoping import get_visible_or_404
from fupin.assessment.models import PolicyVersion
from fupin.assessment.services import policy_values, work_year
from fupin.core.actors import acting_user
from fupin.core.errors import BadInput, DomainError
from fupin.core.jobs import job_create
from fupin.core.reads import personal_data_read
from fupin.core.workflow import may_take
from fupin.monitoring import selectors, services
from fupin.monitoring.filters import CaseFilter, ResultFilter
from fupin.monitoring.models import CaseMeasure, Category, MonitoringCase, Risk
from fupin.monitoring.transitions import MEASURE, STEPS


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _year(request: HttpRequest) -> int:
    return _int(request.GET.get("year")) or work_year()


def _areas(request: HttpRequest) -> dict[str, Any]:
    return {"townships": Area.objects.visible_to(request.user).filter(level="township", valid_to__isnull=True),
            "villages": Area.objects.visible_to(request.user).filter(level="village", valid_to__isnull=True)
            .order_by("code")}


@require_capability(Cap.REGISTRY_VIEW)
def overview(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    run = selectors.latest_run(year)
    township = _int(request.GET.get("township"))
    context: dict[str, Any] = {
        "year": year, "run": run, "years": sorted({v.year for v in PolicyVersion.objects.all()}),
        "can_run": can(request.user, Cap.MONITORING_RUN), "categories": Category.choices, "township": township,
        "open_cases": MonitoringCase.objects.visible_to(request.user).filter(step__in=MonitoringCase.OPEN_STEPS)
        .count(),
    }
    if run is not None:
        context |= selectors.run_summary(request.user, run, township=township)
        context["category_totals"] = [(c, label, context["totals"][c]) for c, label in Category.choices]
    return render(request, "monitoring/overview.html", context)


@require_capability(Cap.SEES_INCOMES)
def results(request: HttpRequest) -> HttpResponse:
    p = request.GET
    year = _year(request)
    run = selectors.latest_run(year)
    rows = ResultFilter(p, queryset=selectors.result_list(request.user, run)).qs if run else None
    return render(request, "monitoring/results.html", {
        "year": year, "run": run, "params": p, "categories": Category.choices, "risks": Risk.choices,
        "page": Paginator(rows, 25).get_page(p.get("page")) if rows is not None else None, **_areas(request)})


@require_POST
@require_capability(Cap.MONITORING_RUN)
def run_start(request: HttpRequest) -> HttpResponse:
    year = _int(request.POST.get("year")) or work_year()
    try:
        policy_values(year)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("monitoring:overview")
    job = job_create(kind="monitoring.run", title=_("%(year)s 年防返贫监测") % {"year": year}, actor=acting_user(request),
                     params={"year": year})
    return redirect("core:job-detail", pk=job.pk)


@require_capability(Cap.REGISTRY_VIEW)
def case_list(request: HttpRequest) -> HttpResponse:
    p = request.GET
    filters = CaseFilter(p, queryset=selectors.case_list(request.user))
    page = Paginator(filters.qs, 25).get_page(p.get("page"))
    personal_data_read(actor=acting_user(request), rows=list(page.object_list), view="monitoring.cases",
                       query={**filters.form.cleaned_data, "page": page.number})
    return render(request, "monitoring/case_list.html", {
        "page": page, "params": p, "step": p.get("step", "open"),
        "steps": MonitoringCase.Step.choices, "categories": Category.choices, **_areas(request)})


def _case(request: HttpRequest, pk: int) -> MonitoringCase:
    return get_visible_or_404(MonitoringCase.objects.select_related("household", "household__village",
                                                                    "household__village__parent", "notice"),
                              request.user, pk=pk)


@require_capability(Cap.REGISTRY_VIEW)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    personal_data_read(actor=acting_user(request), rows=[case], view="monitoring.case")
    checks: list[str] = []
    if case.step == MonitoringCase.Step.ASSISTING:
        checks = [p.message for p in services.elimination_problems(case)]
    actions = [(code, services._action_label(code)) for code, move in STEPS.items()
               if case.step in move.sources and may_take(acting_user(request), move)]
    return render(request, "monitoring/case_detail.html", {
        "case": case, "steps": case.steps.select_related("actor"), "measures": case.measures.all(),
        "actions": actions, "checks": checks, "measure_kinds": CaseMeasure.Kind.choices,
        "can_measure": case.step in MEASURE.sources and can(request.user, Cap.MONITORING_WORK),
        "today": timezone.localdate(),
    })


@require_POST
@require_capability(Cap.REGISTRY_VIEW)
def case_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    case = _case(request, pk)
    try:  # a refused step (409) passes to RefusalMiddleware: the refused-step page
        services.case_step(case, action, actor=acting_user(request), note=request.POST.get("note", ""))
        messages.success(request, _("已办理：%(action)s") % {"action": services._action_label(action)})
    except BadInput as exc:
        messages.error(request, exc.message)
    except PermissionDenied:
        messages.error(request, _("您没有办理该环节的权限"))
    return redirect("monitoring:case-detail", pk=case.pk)


def _date(value: str | None) -> date | None:
    return parse_date(value or "") if value else None


@require_POST
@require_capability(Cap.MONITORING_WORK)
def measure_create(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    p = request.POST
    try:
        services.measure_add(case, actor=acting_user(request), kind=p.get("kind", ""), description=p.get("description", ""),
                             starts_on=_date(p.get("starts_on")), ends_on=_date(p.get("ends_on")),
                             done=p.get("done") in ("on", "1", "true"))
        messages.success(request, _("已登记帮扶措施"))
    except (BadInput, ValueError) as exc:  # a case in the wrong step: the refused-step page (409)
        messages.error(request, getattr(exc, "message", str(exc)))
    return redirect("monitoring:case-detail", pk=case.pk)


@require_POST
@require_capability(Cap.MONITORING_WORK)
def measure_done(request: HttpRequest, pk: int) -> HttpResponse:
    measure = get_visible_or_404(CaseMeasure.objects.all(), request.user, pk=pk)
    try:
        services.measure_complete(measure, actor=acting_user(request),
                                  ends_on=_date(request.POST.get("ends_on")) or timezone.localdate())
        messages.success(request, _("已标记为已落实"))
    except (DomainError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
    return redirect("monitoring:case-detail", pk=measure.case_id)


@require_capability(Cap.REGISTRY_VIEW)
def trends(request: HttpRequest) -> HttpResponse:
    return render(request, "monitoring/trends.html", {"rows": selectors.trends(request.user)})
