"""Measures pages: the ledger, a household's measures with its suggestions and points, the village
suggestions list, coverage for townships and the district, the monthly 爱心超市 list, and department
uploads. Thin: forms check shapes, services decide."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fupin.accounts.access import can, require_capability
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.areas.scoping import get_visible_or_404
from fupin.assessment.services import work_year
from fupin.core.actors import Viewer, acting_user
from fupin.core.errors import BadInput, DomainError
from fupin.core.forms import submit
from fupin.core.imports.jobs import outcome_context
from fupin.core.imports.uploads import job_report_response, upload_limit
from fupin.core.jobs import job_sweep_stale
from fupin.core.reads import personal_data_read
from fupin.core.request_limits import body_limit, upload_form_limit
from fupin.measures import selectors, services
from fupin.measures.catalogue import CATEGORIES
from fupin.measures.coverage import coverage
from fupin.measures.filters import HouseholdPlaceFilter, MeasureFilter, PointFilter
from fupin.measures.forms import DecisionForm, DeliveryForm, MeasureForm, PointsForm, StatusForm
from fupin.measures.models import Measure, PointEntry, PointRule, Programme
from fupin.measures.suggestions import evaluate
from fupin.measures.transitions import targets_from
from fupin.measures.uploads import delivery_job_get, delivery_start

SHOWN_SUGGESTIONS = 300


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _year(params: Any) -> int:
    """The year viewed (``?year=``, or a form's hidden ``year``); the work year by default."""
    year = _int(params.get("year"))
    return year if year and 2014 <= year <= 2100 else work_year()


def _back(request: HttpRequest, household_pk: int) -> HttpResponse:
    """Back to the household's page, in the year the form was sent from."""
    return redirect(f"{reverse('measures:household', args=[household_pk])}?year={_year(request.POST)}")


def _villages(user: Viewer) -> Any:
    return Area.objects.visible_to(user).filter(level="village", valid_to__isnull=True).order_by("code")


@require_capability(Cap.MEASURES_VIEW)
def measure_list(request: HttpRequest) -> HttpResponse:
    p = request.GET
    filters = MeasureFilter(p, queryset=selectors.measure_list(request.user))
    page = Paginator(filters.qs, 25).get_page(p.get("page"))
    personal_data_read(actor=acting_user(request), rows=list(page.object_list), view="measures.list",
                       query={**filters.form.cleaned_data, "page": page.number})
    return render(request, "measures/measure_list.html", {
        "page": page, "params": p, "villages": _villages(request.user),
        "programmes": Programme.objects.filter(active=True), "categories": CATEGORIES, "tab": "list"})


@require_capability(Cap.MEASURES_VIEW)
def household_measures(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(request.user, pk)
    year = _year(request.GET)
    suggestions = evaluate(selectors.visible_households(request.user).filter(pk=household.pk), year).suggestions
    return render(request, "measures/household.html", {
        "household": household, "measures": [(m, [(t, Measure.Status(t).label) for t in targets_from(m.status)])
                     for m in selectors.household_measures(household.pk)], "suggestions": suggestions,
        "members": list(household.members.order_by("pk")), "programmes": Programme.objects.filter(active=True),
        "statuses": Measure.Status.choices[:3], "rules": PointRule.objects.filter(active=True, award_categories__isnull=True),
        "balance": services.balance_of(household), "year": year, "day": selectors.record_day(year),
        "entries": PointEntry.objects.filter(household=household).select_related("rule")[:20],
        "can_edit": can(request.user, Cap.MEASURES_EDIT)})


@require_POST
@require_capability(Cap.MEASURES_VIEW)
def measure_record(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(request.user, pk)

    def action(d: dict[str, Any]) -> str:
        measure = services.measure_create(household, services.MeasureInput(
            selectors.programme_active(d["programme"]), d["starts_on"], d["ends_on"],
            selectors.household_member(household, d["member"]), d["amount"], d["quantity"], d["evidence"] or "",
            d["status"] or Measure.Status.DONE), actor=acting_user(request))
        return _("已记录帮扶措施：%(name)s") % {"name": measure.programme.name}

    submit(request, MeasureForm(request.POST), action)
    return _back(request, household.pk)


@require_POST
@require_capability(Cap.MEASURES_VIEW)
def suggestion_decide(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(request.user, pk)

    def action(d: dict[str, Any]) -> str:
        programme = selectors.programme_active(d["programme"])
        if d["decision"] == "accept":
            services.suggestion_accept(household, programme, actor=acting_user(request), amount=d["amount"],
                                       starts_on=d["starts_on"] or selectors.record_day(_year(request.POST)))
            return _("已采纳建议并记录措施：%(name)s") % {"name": programme.name}
        services.suggestion_dismiss(household, programme, reason=d["reason"] or "", actor=acting_user(request))
        return _("已记录不采纳及理由：%(name)s") % {"name": programme.name}

    submit(request, DecisionForm(request.POST), action)
    return _back(request, household.pk)


@require_POST
@require_capability(Cap.MEASURES_VIEW)
def points(request: HttpRequest, pk: int) -> HttpResponse:
    household = selectors.household_get(request.user, pk)

    def action(d: dict[str, Any]) -> str:
        on = d["on"] or timezone.localdate()
        if d["action"] == "earn":
            rule = PointRule.objects.filter(code=d["rule"] or "", active=True).first()
            if rule is None:
                raise BadInput("请选择积分事项 / choose a rule", code="RULE_REQUIRED")
            entry = services.points_earn(household, rule, on=on, actor=acting_user(request))
            return _("已获得 %(n)s 积分") % {"n": entry.points}
        entry = services.points_redeem(household, points=d["points"] or 0, goods=d["goods"] or "", on=on,
                                       actor=acting_user(request))
        return _("已兑换 %(goods)s，扣减 %(n)s 积分") % {"goods": entry.goods, "n": entry.points}

    submit(request, PointsForm(request.POST), action)
    return _back(request, household.pk)


@require_POST
@require_capability(Cap.MEASURES_VIEW)
def measure_status(request: HttpRequest, pk: int) -> HttpResponse:
    measure = get_visible_or_404(Measure.objects.all(), request.user, pk=pk)

    def action(d: dict[str, Any]) -> str:
        done = services.measure_set_status(measure, d["status"], actor=acting_user(request), note=d["note"] or "")
        return _("措施状态已改为：%(status)s") % {"status": done.get_status_display()}

    submit(request, StatusForm(request.POST), action)
    return _back(request, measure.household_id)


@require_capability(Cap.MEASURES_VIEW)
def suggestion_list(request: HttpRequest) -> HttpResponse:
    p = request.GET
    year = _year(p)
    households = HouseholdPlaceFilter(p, queryset=selectors.visible_households(request.user)).qs
    items = evaluate(households, year).suggestions
    return render(request, "measures/suggestion_list.html", {
        "items": items[:SHOWN_SUGGESTIONS], "count": len(items), "year": year, "params": p,
        "villages": _villages(request.user), "tab": "suggestions"})


@require_capability(Cap.MEASURES_VIEW)
def coverage_page(request: HttpRequest) -> HttpResponse:
    p = request.GET
    year = _year(p)
    households = HouseholdPlaceFilter(p, queryset=selectors.visible_households(request.user)).qs
    cov = coverage(households, year)
    townships: dict[str, list[Any]] = {}
    for row in cov.villages:
        townships.setdefault(row.township, []).append(row)
    rollup = [{"township": name, "villages": len(rows), "households": sum(r.households for r in rows),
               "without_measure": sum(r.without_measure for r in rows),
               "without_helper": sum(r.without_helper for r in rows),
               "poor_without_industry": sum(1 for r in rows if r.poor_village and not r.industry),
               "high_school": sum(r.high_school for r in rows),
               "high_school_granted": sum(r.high_school_granted for r in rows),
               "gaps": sum(len(r.gaps) for r in rows)} for name, rows in townships.items()]
    return render(request, "measures/coverage.html", {
        "cov": cov, "townships": townships, "rollup": rollup, "year": year, "tab": "coverage", "params": p,
        "township_choices": Area.objects.visible_to(request.user).filter(level="township", valid_to__isnull=True)
        .order_by("code"),
        "without_measure": cov.total("without_measure"), "without_helper": cov.total("without_helper")})


@require_capability(Cap.MEASURES_VIEW)
def points_list(request: HttpRequest) -> HttpResponse:
    p = request.GET
    today = timezone.localdate()
    try:
        y, m = (int(x) for x in p.get("month", "").split("-"))
        month = date(y, m, 1)
    except ValueError:
        month = today.replace(day=1)
    return render(request, "measures/points.html", {
        "rows": selectors.monthly_points(PointFilter(p, queryset=selectors.point_entries(request.user)).qs, month),
        "month": month,
        "villages": _villages(request.user), "params": p, "tab": "points",
        "rules": PointRule.objects.filter(active=True)})


@body_limit(lambda: upload_form_limit(upload_limit()))
@require_capability(Cap.MEASURES_DELIVER)
def delivery_upload(request: HttpRequest) -> HttpResponse:
    """The list is checked and recorded by a job (:mod:`fupin.measures.job_handlers`); its page shows progress."""
    form = DeliveryForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = delivery_start(upload=form.cleaned_data["file"], actor=acting_user(request),
                                 valid_only=form.cleaned_data["valid_only"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("measures:delivery-detail", pk=job.pk)
    return render(request, "measures/deliveries.html", {"form": form, "tab": "deliveries",
                                                        "programmes": Programme.objects.filter(active=True)},
                  status=400 if form.errors else 200)


@require_GET
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress while the delivery job runs (htmx polls this page), then the outcome and the problems."""
    job_sweep_stale()
    context = {**outcome_context(delivery_job_get(request.user, pk)), "tab": "deliveries"}
    template = "measures/_delivery_status.html" if request.headers.get("HX-Request") else "measures/delivery_detail.html"
    return render(request, template, context)


@require_GET
def delivery_report(request: HttpRequest, pk: int) -> FileResponse:
    return job_report_response(delivery_job_get(request.user, pk), f"名单问题报告-{pk}.xlsx")
