"""Pages of the plan: the plan with its measures and units, the units' standing (who is late), a unit's page
(what it owes and has delivered) and filing a report."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts.access import require_capability
from fupin.accounts.roles import Cap
from fupin.core.errors import DomainError
from fupin.core.forms import form_errors
from fupin.plan import selectors
from fupin.plan.forms import ReportForm
from fupin.plan.models import Period, ReportAttachment, Unit
from fupin.plan.services import LineInput, report_submit


def _int(value: str | None) -> int | None:
    return int(value) if value and value.lstrip("-").isdigit() else None


@require_capability(Cap.PLAN_VIEW)
def plan_overview(request: HttpRequest) -> HttpResponse:
    plan = selectors.plan_get(request.GET.get("plan"))
    return render(request, "plan/overview.html", {
        "plan": plan, "measures": selectors.measures_with_units(plan), "today": timezone.localdate(),
        "tab": "overview"})


@require_capability(Cap.PLAN_VIEW)
def unit_list(request: HttpRequest) -> HttpResponse:
    plan = selectors.plan_get(request.GET.get("plan"))
    rows = selectors.standings(plan, Unit.objects.visible_to(request.user))
    return render(request, "plan/unit_list.html", {
        "plan": plan, "rows": rows, "tab": "units",
        "late_units": sum(1 for r in rows if r.overdue), "periods": Period.choices})


@require_capability(Cap.PLAN_VIEW)
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_visible(request.user, pk)
    plan = selectors.plan_get(request.GET.get("plan"))
    rows = selectors.standings(plan, Unit.objects.filter(pk=unit.pk))
    standing = rows[0] if rows else None
    today = timezone.localdate()
    return render(request, "plan/unit_detail.html", {
        "plan": plan, "unit": unit, "standing": standing, "tab": "units",
        "tasks": selectors.unit_tasks(plan, unit), "today": today,
        "can_report": selectors.may_report_for(request.user, unit),
        "reports": unit.reports.filter(plan=plan).order_by("-year", "-period")})


def report_create(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.unit_visible(request.user, pk)  # another area's unit answers as absent
    if not selectors.may_report_for(request.user, unit):
        raise PermissionDenied(Cap.PLAN_REPORT)
    plan = selectors.plan_get(request.GET.get("plan"))
    tasks = list(selectors.unit_tasks(plan, unit).filter(status="open"))
    form = ReportForm(request.POST or None, initial={"year": _int(request.GET.get("year")),
                                                     "period": request.GET.get("period")})
    if request.method == "POST":
        if form.is_valid():
            lines = [LineInput(t.pk, request.POST.get(f"progress-{t.pk}", ""), _int(request.POST.get(f"percent-{t.pk}")),
                               request.POST.get(f"finished-{t.pk}") == "on") for t in tasks]
            try:
                report = report_submit(plan=plan, unit=unit, year=form.cleaned_data["year"],
                                       period=form.cleaned_data["period"], summary=form.cleaned_data["summary"],
                                       actor=request.user, lines=lines, files=request.FILES.getlist("files"))
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("进展报告已报送。"))
                return redirect("plan:report-detail", pk=report.pk)
        else:
            messages.error(request, form_errors(form))
    return render(request, "plan/report_form.html", {
        "plan": plan, "unit": unit, "form": form, "tasks": tasks, "tab": "units", "post": request.POST,
    }, status=400 if form.errors else 200)


@require_capability(Cap.PLAN_VIEW)
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(request.user, pk)
    return render(request, "plan/report_detail.html", {
        "report": report, "plan": report.plan, "tab": "units",
        "lines": report.lines.select_related("task"), "attachments": report.attachments.all()})


@require_capability(Cap.PLAN_VIEW)
def attachment_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    attachment = ReportAttachment.objects.visible_to(request.user).filter(pk=pk).first()
    if attachment is None:
        raise Http404("not found")
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name)
