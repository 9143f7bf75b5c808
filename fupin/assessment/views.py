"""Pages of the exit assessment: results of a run, one household re-assessed, policy versions."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts.access import can, require_capability
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.areas.scoping import get_visible_or_404
from fupin.assessment import measures, selectors, services
from fupin.assessment.filters import ResultFilter, VillageExitFilter
from fupin.assessment.forms import PolicyVersionForm, VillageFactsForm
from fupin.assessment.models import INDICATORS, PolicyVersion, Verdict, VillageFacts
from fupin.assessment.params import PARAMS
from fupin.assessment.villages import (
    PLAN_TARGETS,
    county_incidence,
    target_progress,
    village_facts_save,
    village_verdicts,
)
from fupin.core.actors import acting_user
from fupin.core.errors import DomainError
from fupin.core.jobs import job_create
from fupin.registry.selectors import household_get


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _year(request: HttpRequest) -> int:
    return _int(request.GET.get("year")) or services.work_year()


@require_capability(Cap.REGISTRY_VIEW)
def overview(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    run = selectors.runs_for_year(year).order_by("-pk").first()
    context: dict[str, Any] = {"year": year, "run": run, "years": sorted({v.year for v in PolicyVersion.objects.all()}),
               "verdicts": Verdict.choices, "can_run": can(request.user, Cap.ASSESSMENT_RUN)}
    if run is not None:
        context |= selectors.run_summary(acting_user(request), run)
        context["verdict_totals"] = [(code, label, context["totals"][code]) for code, label in Verdict.choices]
    return render(request, "assessment/overview.html", context)


@require_capability(Cap.SEES_INCOMES)
def results(request: HttpRequest) -> HttpResponse:
    params = request.GET
    year = _year(request)
    run = selectors.runs_for_year(year).order_by("-pk").first()
    rows = ResultFilter(params, queryset=selectors.result_list(acting_user(request), run)).qs if run else None
    townships = Area.objects.visible_to(request.user).filter(level="township", valid_to__isnull=True)
    villages = Area.objects.visible_to(request.user).filter(level="village", valid_to__isnull=True).order_by("code")
    return render(request, "assessment/results.html", {
        "year": year, "run": run, "page": Paginator(rows, 25).get_page(params.get("page")) if rows is not None else None,
        "params": params, "verdicts": Verdict.choices, "indicators": INDICATORS, "townships": townships,
        "villages": villages,
    })


@require_POST
@require_capability(Cap.REGISTRY_EDIT)
def household_assess(request: HttpRequest, pk: int) -> HttpResponse:
    household = household_get(request.user, pk)
    year = _int(request.POST.get("year")) or services.work_year()
    try:
        result = services.household_assess(household, year, actor=acting_user(request))
        messages.success(request, _("%(no)s %(year)s 年评估结论：%(verdict)s") % {
            "no": household.household_no, "year": year, "verdict": result.get_verdict_display()})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("registry:household-detail", pk=household.pk)


@require_POST
@require_capability(Cap.ASSESSMENT_RUN)
def run_start(request: HttpRequest) -> HttpResponse:
    year = _int(request.POST.get("year")) or services.work_year()
    job = job_create(kind="assessment.run", title=_("%(year)s 年全区退出评估") % {"year": year}, actor=acting_user(request),
                     params={"year": year})
    return redirect("core:job-detail", pk=job.pk)


@require_capability(Cap.REGISTRY_VIEW)
def policy_list(request: HttpRequest) -> HttpResponse:
    versions = PolicyVersion.objects.select_related("region", "created_by").order_by("-year", "region__code", "-number")
    return render(request, "assessment/policy_list.html", {
        "versions": versions, "params": PARAMS, "can_manage": can(request.user, Cap.POLICY_MANAGE)})


@require_capability(Cap.POLICY_MANAGE)
def policy_new(request: HttpRequest) -> HttpResponse:
    form = PolicyVersionForm(request.POST or None, initial={"year": services.work_year()})
    if request.method == "POST" and form.is_valid():
        try:
            version = services.policy_version_create(
                year=form.cleaned_data["year"], region=form.cleaned_data["region"], values=form.values(),
                reason=form.cleaned_data["reason"], actor=acting_user(request), publish=form.cleaned_data["publish"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("assessment:policy-detail", pk=version.pk)
    return render(request, "assessment/policy_form.html", {"form": form})


@require_capability(Cap.POLICY_MANAGE)
def policy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(PolicyVersion.objects.select_related("region"), pk=pk)
    preview = version.runs.filter(finished_at__isnull=False).order_by("-pk").first()
    base = selectors.runs_for_year(version.year).order_by("-pk").first()
    changes = selectors.draft_changes(acting_user(request), preview, base) if preview else []
    return render(request, "assessment/policy_detail.html", {
        "version": version, "values": [(p.name, p.label, version.values.get(p.name)) for p in PARAMS],
        "preview": preview, "base": base, "changes": changes})


@require_POST
@require_capability(Cap.POLICY_MANAGE)
def policy_preview(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(PolicyVersion, pk=pk, status=PolicyVersion.Status.DRAFT)
    job = job_create(kind="assessment.preview", title=_("草稿参数试算：%(year)s 年 v%(n)s") % {
        "year": version.year, "n": version.number}, actor=acting_user(request), params={"version": version.pk})
    return redirect("core:job-detail", pk=job.pk)


@require_POST
@require_capability(Cap.POLICY_MANAGE)
def policy_publish(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(PolicyVersion, pk=pk)
    try:
        services.policy_version_publish(version, actor=acting_user(request))
        messages.success(request, _("已发布"))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("assessment:policy-detail", pk=version.pk)


@require_capability(Cap.REGISTRY_VIEW)
def poverty_measures(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    by = "village" if request.GET.get("by") == "village" else "township"
    k_sixths = _int(request.GET.get("k")) or 2
    k_sixths = min(max(k_sixths, 1), 6)
    run = selectors.runs_for_year(year).order_by("-pk").first()
    rows = measures.compute(measures.load_frame(run, acting_user(request)), by=by, k=Fraction(k_sixths, 6)) if run else []
    return render(request, "assessment/measures.html", {
        "year": year, "run": run, "by": by, "k": k_sixths, "k_choices": range(1, 7), "rows": rows,
        "indicators": INDICATORS,
    })


@require_capability(Cap.REGISTRY_VIEW)
def village_exit(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    filters = VillageExitFilter(request.GET, queryset=Area.objects.visible_to(request.user).filter(level="village"))
    villages = filters.qs
    only_poor = not filters.form.cleaned_data["all"]
    page = Paginator(villages.order_by("code"), 50).get_page(request.GET.get("page"))
    verdicts = village_verdicts(year, Area.objects.filter(pk__in=[v.pk for v in page]))
    county = Area.objects.filter(level="county", valid_to__isnull=True).first()
    return render(request, "assessment/villages.html", {
        "year": year, "page": page, "verdicts": verdicts, "only_poor": only_poor, "params": request.GET,
        "townships": Area.objects.visible_to(request.user).filter(level="township", valid_to__isnull=True),
        "county": county_incidence(year, county) if county and can(request.user, Cap.ASSESSMENT_RUN) else None,
    })


@require_capability(Cap.REGISTRY_EDIT)
def village_facts_edit(request: HttpRequest, pk: int) -> HttpResponse:
    village = get_visible_or_404(Area.objects.filter(level="village"), request.user, pk=pk)
    year = _int(request.GET.get("year") or request.POST.get("year")) or services.work_year()
    instance = VillageFacts.objects.filter(village=village, year=year).first()
    form = VillageFactsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        village_facts_save(village, year, form.cleaned_data, actor=acting_user(request))
        messages.success(request, _("已保存"))
        return redirect(f"{reverse('assessment:villages')}?year={year}&all=1")
    return render(request, "assessment/village_facts.html", {"village": village, "year": year, "form": form,
                                                              "verdict": village_verdicts(year, Area.objects.filter(pk=village.pk))[0]})


@require_capability(Cap.REGISTRY_VIEW)
def targets(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    areas = Area.objects.visible_to(request.user).filter(level__in=("county", "township"), valid_to__isnull=True)
    return render(request, "assessment/targets.html", {
        "year": year, "rows": target_progress(year, areas), "years": sorted(PLAN_TARGETS)})
