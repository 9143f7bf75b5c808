"""Pages of the plan: the plan with its measures and units, the units' standing (who is late), a unit's page
(what it owes and has delivered) and filing a report."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts.access import can, require_capability
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.core.actors import acting_user
from fupin.core.errors import BadInput, DomainError
from fupin.core.files import stored_file_response
from fupin.core.forms import form_errors, submit
from fupin.plan import selectors
from fupin.plan.forms import (
    AccountabilityForm,
    AgreementForm,
    InspectionForm,
    MeetingForm,
    RectifyForm,
    ReportForm,
    ReviewForm,
    ScoreForm,
    SurveyForm,
    VerifyForm,
)
from fupin.plan.models import (
    Accountability,
    Agreement,
    Finding,
    Indicator,
    Inspection,
    Meeting,
    Period,
    Plan,
    ReportAttachment,
    Result,
    Review,
    Score,
    Survey,
    Unit,
)
from fupin.plan.review import (
    review_compute,
    review_create,
    review_export,
    review_finalise,
    reviewed_units,
    score_enter,
)
from fupin.plan.services import (
    DECISION_FIELDS,
    DecisionInput,
    FindingInput,
    LineInput,
    accountability_record,
    agreement_sign,
    finding_rectify,
    finding_verify,
    inspection_record,
    meeting_record,
    report_submit,
    survey_record,
)


def plan_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page of the plan: with no plan loaded yet, it says so (and how to load one) instead of a 404."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except selectors.NoPlan:
            return render(request, "plan/no_plan.html")

    return wrapped


def _int(value: str | None) -> int | None:
    return int(value) if value and value.lstrip("-").isdigit() else None


@require_capability(Cap.PLAN_VIEW)
@plan_page
def plan_overview(request: HttpRequest) -> HttpResponse:
    plan = selectors.plan_get(request.GET.get("plan"))
    return render(request, "plan/overview.html", {
        "plan": plan, "measures": selectors.measures_with_units(plan), "today": timezone.localdate(),
        "tab": "overview", "can_manage": can(request.user, Cap.PLAN_MANAGE)})


@require_capability(Cap.PLAN_VIEW)
@plan_page
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
        "may_rectify": selectors.is_units_officer(request.user, unit),
        "findings": unit.findings.filter(inspection__plan=plan).select_related("inspection", "unit")
        .prefetch_related("accountabilities"),
        "can_manage": can(request.user, Cap.PLAN_MANAGE), "kinds": Accountability.Kind.choices,
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
                                       actor=acting_user(request), lines=lines, files=request.FILES.getlist("files"))
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
    return stored_file_response(attachment)


# --- Inspections -------------------------------------------------------------------------------------------

FINDING_ROWS = 5


@require_capability(Cap.PLAN_VIEW)
@plan_page
def inspection_list(request: HttpRequest) -> HttpResponse:
    plan = selectors.plan_get(request.GET.get("plan"))
    return render(request, "plan/inspection_list.html", {
        "plan": plan, "tab": "inspections", "can_manage": can(request.user, Cap.PLAN_MANAGE),
        "inspections": Inspection.objects.visible_to(request.user).filter(plan=plan)
        .select_related("area").annotate(n=Count("findings"), open=Count("findings", filter=Q(findings__status="open"))),
        "overdue": selectors.findings_overdue(plan, user=request.user)})


@require_capability(Cap.PLAN_MANAGE)
def inspection_create(request: HttpRequest) -> HttpResponse:
    plan = selectors.plan_get(request.GET.get("plan"))
    areas = Area.objects.visible_to(request.user).filter(level__in=("county", "township"), valid_to__isnull=True)
    units = Unit.objects.visible_to(request.user).exclude(kind=Unit.Kind.GROUP).order_by("kind", "code")
    form = InspectionForm(request.POST or None, areas=areas.order_by("code"))
    rows = [{"unit": request.POST.get(f"unit-{i}", ""), "problem": request.POST.get(f"problem-{i}", ""),
             "deadline": request.POST.get(f"deadline-{i}", "")} for i in range(FINDING_ROWS)]
    if request.method == "POST" and form.is_valid():
        by_pk = {str(u.pk): u for u in units}
        findings = []
        for row in rows:
            if not (row["unit"] or row["problem"].strip()):
                continue
            unit, deadline = by_pk.get(row["unit"]), parse_date(row["deadline"] or "")
            if unit is None or deadline is None:
                form.add_error(None, _("每个问题须选择整改单位并填写整改时限。"))
                break
            findings.append(FindingInput(unit, row["problem"], deadline))
        if not form.errors:
            try:
                inspection = inspection_record(plan=plan, actor=acting_user(request), findings=findings, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("督查记录已保存，问题已交办整改单位。"))
                return redirect("plan:inspection-detail", pk=inspection.pk)
    return render(request, "plan/inspection_form.html", {"plan": plan, "form": form, "rows": rows, "units": units,
                                                         "tab": "inspections"},
                  status=400 if form.errors else 200)


@require_capability(Cap.PLAN_VIEW)
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.inspection_get(request.user, pk)
    findings = inspection.findings.select_related("unit").prefetch_related("steps", "accountabilities")
    return render(request, "plan/inspection_detail.html", {
        "inspection": inspection, "plan": inspection.plan, "tab": "inspections", "today": timezone.localdate(),
        "findings": [(f, selectors.is_units_officer(request.user, f.unit)) for f in findings],
        "can_manage": can(request.user, Cap.PLAN_MANAGE), "kinds": Accountability.Kind.choices})


def _back_to_finding(request: HttpRequest, finding: Finding) -> HttpResponse:
    target = request.POST.get("next", "")
    if target == "unit":
        return redirect("plan:unit-detail", pk=finding.unit_id)
    return redirect("plan:inspection-detail", pk=finding.inspection_id)


@require_POST
def finding_rectify_view(request: HttpRequest, pk: int) -> HttpResponse:
    finding = selectors.finding_get(request.user, pk)

    def rectify(data: dict[str, Any]) -> str:
        finding_rectify(finding, actor=acting_user(request), rectification=data["rectification"])
        return _("整改情况已报送，等待核验。")

    submit(request, RectifyForm(request.POST), rectify)
    return _back_to_finding(request, finding)


@require_POST
def finding_verify_view(request: HttpRequest, pk: int) -> HttpResponse:
    finding = selectors.finding_get(request.user, pk)

    def verify(data: dict[str, Any]) -> str:
        finding_verify(finding, actor=acting_user(request), accept=data["accept"], note=data["note"])
        return _("核验通过。") if data["accept"] else _("已退回重新整改。")

    submit(request, VerifyForm(request.POST), verify)
    return _back_to_finding(request, finding)


@require_POST
def finding_accountability_view(request: HttpRequest, pk: int) -> HttpResponse:
    finding = selectors.finding_get(request.user, pk)

    def record(data: dict[str, Any]) -> str:
        accountability_record(unit=finding.unit, finding=finding, actor=acting_user(request), **data)
        return _("问责记录已登记。")

    submit(request, AccountabilityForm(request.POST), record)
    return _back_to_finding(request, finding)


# --- The yearly assessment (考核) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewRow:
    unit: Unit
    scores: list[Score | None]
    result: Result | None
    records: list[Accountability]


def _review(plan: Plan, year: int) -> Review:
    review = Review.objects.filter(plan=plan, year=year).first()
    if review is None:
        raise Http404("no review")
    return review


@require_capability(Cap.PLAN_VIEW)
@plan_page
def review_list(request: HttpRequest) -> HttpResponse:
    plan = selectors.plan_get(request.GET.get("plan"))
    form = ReviewForm(initial={"year": max((y for y in plan.years if y < timezone.localdate().year),
                                           default=plan.starts_year)})
    return render(request, "plan/review_list.html", {
        "plan": plan, "tab": "reviews", "reviews": plan.reviews.all(), "form": form,
        "can_manage": can(request.user, Cap.PLAN_MANAGE)})


@require_POST
@require_capability(Cap.PLAN_MANAGE)
def review_create_view(request: HttpRequest) -> HttpResponse:
    plan = selectors.plan_get(request.GET.get("plan"))
    form = ReviewForm(request.POST)
    created: list[Review] = []

    def create(data: dict[str, Any]) -> str:
        created.append(review_create(plan, actor=acting_user(request), **data))
        return _("已建立 %(year)s 年度考核。") % {"year": data["year"]}

    if submit(request, form, create):
        return redirect("plan:review-detail", year=created[0].year)
    return redirect("plan:review-list")


@require_capability(Cap.PLAN_VIEW)
def review_detail(request: HttpRequest, year: int) -> HttpResponse:
    plan = selectors.plan_get(request.GET.get("plan"))
    review = _review(plan, year)
    visible = set(Unit.objects.visible_to(request.user).values_list("pk", flat=True))
    units = [u for u in reviewed_units(plan) if u.pk in visible]
    indicators = list(Indicator.objects.filter(plan=plan))
    scores = {(s.unit_id, s.indicator_id): s for s in Score.objects.filter(review=review, unit__in=units)}
    results = {r.unit_id: r for r in Result.objects.filter(review=review, unit__in=units)}
    records: dict[int, list[Accountability]] = {}
    for a in Accountability.objects.filter(year=year, automatic=True, unit__in=units):
        records.setdefault(a.unit_id, []).append(a)
    tables = []
    for kind, label in ((Unit.Kind.TOWNSHIP, _("乡镇")), (Unit.Kind.DEPARTMENT, _("区直单位"))):
        of_kind = [i for i in indicators if i.unit_kind == kind]
        rows = [ReviewRow(u, [scores.get((u.pk, i.pk)) for i in of_kind], results.get(u.pk), records.get(u.pk, []))
                for u in units if u.kind == kind]
        rows.sort(key=lambda r: (r.result.rank if r.result else 0, r.unit.code))
        if rows:
            tables.append({"label": label, "indicators": of_kind, "rows": rows})
    return render(request, "plan/review_detail.html", {
        "plan": plan, "review": review, "tab": "reviews", "tables": tables, "units": units,
        "manual": [i for i in indicators if not i.computed], "can_manage": can(request.user, Cap.PLAN_MANAGE)})


def _review_post(request: HttpRequest, year: int, action: Any) -> HttpResponse:
    plan = selectors.plan_get(request.GET.get("plan"))
    review = _review(plan, year)
    try:
        messages.success(request, action(review))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("plan:review-detail", year=year)


@require_POST
@require_capability(Cap.PLAN_MANAGE)
def review_compute_view(request: HttpRequest, year: int) -> HttpResponse:
    return _review_post(request, year, lambda review: _("已按平台数据计算 %(n)s 项得分。") % {
        "n": review_compute(review, actor=acting_user(request))})


@require_POST
@require_capability(Cap.PLAN_MANAGE)
def review_finalise_view(request: HttpRequest, year: int) -> HttpResponse:
    return _review_post(request, year, lambda review: _("已定等次：%(n)s 个单位。") % {
        "n": len(review_finalise(review, actor=acting_user(request)))})


@require_POST
@require_capability(Cap.PLAN_MANAGE)
def review_score_view(request: HttpRequest, year: int) -> HttpResponse:
    plan = selectors.plan_get(request.GET.get("plan"))
    review = _review(plan, year)

    def enter(data: dict[str, Any]) -> str:
        unit = Unit.objects.filter(pk=data["unit"]).first()
        indicator = Indicator.objects.filter(pk=data["indicator"], plan=plan).first()
        if unit is None or indicator is None or indicator.unit_kind != unit.kind:
            raise BadInput(_("单位与指标不匹配 / the indicator does not apply to that unit"))
        score_enter(review, unit=unit, indicator=indicator, score=data["score"], basis=data["basis"],
                    actor=acting_user(request))
        return _("已录入 %(unit)s 的“%(indicator)s”得分。") % {"unit": unit.name, "indicator": indicator.name}

    submit(request, ScoreForm(request.POST), enter)
    return redirect("plan:review-detail", year=year)


@require_capability(Cap.PLAN_MANAGE)
def review_export_view(request: HttpRequest, year: int) -> HttpResponseBase:
    plan = selectors.plan_get(request.GET.get("plan"))
    review = _review(plan, year)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{year}年度脱贫攻坚考核结果.xlsx"
        review_export(review, path)
        content = path.read_bytes()
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(path.name)}"
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- Responsibility agreements, meetings, satisfaction surveys ----------------------------------------------


def _year(request: HttpRequest, plan: Plan) -> int:
    year = _int(request.GET.get("year"))
    return year if year is not None and year in plan.years else min(max(plan.years), timezone.localdate().year)


def _units(request: HttpRequest, plan: Plan) -> list[Unit]:
    visible = set(Unit.objects.visible_to(request.user).values_list("pk", flat=True))
    return [u for u in reviewed_units(plan) if u.pk in visible]


@require_capability(Cap.PLAN_VIEW)
@plan_page
def agreement_list(request: HttpRequest) -> HttpResponse:
    plan = selectors.plan_get(request.GET.get("plan"))
    year = _year(request, plan)
    units = _units(request, plan)
    signed = {a.unit_id: a for a in Agreement.objects.filter(plan=plan, year=year, unit__in=units)}
    return render(request, "plan/agreement_list.html", {
        "plan": plan, "tab": "agreements", "year": year, "years": list(plan.years),
        "rows": [(u, signed.get(u.pk)) for u in units], "unsigned": [u for u in units if u.pk not in signed],
        "can_manage": can(request.user, Cap.PLAN_MANAGE)})


@require_POST
@require_capability(Cap.PLAN_MANAGE)
def agreement_sign_view(request: HttpRequest) -> HttpResponse:
    plan = selectors.plan_get(request.GET.get("plan"))

    def sign(data: dict[str, Any]) -> str:
        unit = selectors.unit_visible(request.user, data["unit"])
        agreement_sign(plan=plan, year=data["year"], unit=unit, signed_on=data["signed_on"], actor=acting_user(request))
        return _("已登记 %(unit)s 的 %(year)s 年责任书。") % {"unit": unit.name, "year": data["year"]}

    form = AgreementForm(request.POST)
    submit(request, form, sign)
    return redirect(f"{reverse('plan:agreement-list')}?year={form.cleaned_data.get('year', '') if form.is_valid() else ''}")


@require_capability(Cap.PLAN_VIEW)
@plan_page
def meeting_list(request: HttpRequest) -> HttpResponse:
    plan = selectors.plan_get(request.GET.get("plan"))
    calendar = selectors.meeting_calendar(plan)
    quarters: dict[tuple[int, int], list[selectors.MeetingSlot]] = {}
    for slot in calendar:
        quarters.setdefault((slot.year, slot.quarter), []).append(slot)
    return render(request, "plan/meeting_list.html", {
        "plan": plan, "tab": "meetings", "quarters": sorted(quarters.items(), reverse=True),
        "kinds": [Meeting.Kind(k).label for k in Meeting.QUARTERLY], "missing": len(selectors.meetings_missing(plan)),
        "meetings": Meeting.objects.filter(plan=plan).prefetch_related("decisions__lead")[:50],
        "form": MeetingForm(), "units": Unit.objects.exclude(kind=Unit.Kind.GROUP).order_by("kind", "code"),
        "can_manage": can(request.user, Cap.PLAN_MANAGE), "decision_rows": range(DECISION_ROWS)})


DECISION_ROWS = 3


@require_POST
@require_capability(Cap.PLAN_MANAGE)
def meeting_create_view(request: HttpRequest) -> HttpResponse:
    plan = selectors.plan_get(request.GET.get("plan"))
    units = {str(u.pk): u for u in Unit.objects.exclude(kind=Unit.Kind.GROUP)}

    def record(data: dict[str, Any]) -> str:
        decisions = []
        for i in range(DECISION_ROWS):
            title, lead = request.POST.get(f"decision-{i}", "").strip(), request.POST.get(f"lead-{i}", "")
            if not (title or lead):
                continue
            unit, deadline = units.get(lead), parse_date(request.POST.get(f"deadline-{i}", "") or "")
            if unit is None or deadline is None:
                raise BadInput(DECISION_FIELDS, code="DECISION_FIELDS")
            decisions.append(DecisionInput(title, unit, deadline))
        meeting_record(plan=plan, actor=acting_user(request), decisions=decisions, **data)
        return _("会议已登记，%(n)s 项决定已列为任务。") % {"n": len(decisions)}

    submit(request, MeetingForm(request.POST), record)
    return redirect("plan:meeting-list")


@require_capability(Cap.PLAN_VIEW)
@plan_page
def survey_list(request: HttpRequest) -> HttpResponse:
    plan = selectors.plan_get(request.GET.get("plan"))
    year = _year(request, plan)
    return render(request, "plan/survey_list.html", {
        "plan": plan, "tab": "surveys", "year": year, "years": list(plan.years),
        "surveys": Survey.objects.visible_to(request.user).filter(plan=plan, year=year).select_related("unit"),
        "units": _units(request, plan), "can_manage": can(request.user, Cap.PLAN_MANAGE)})


@require_POST
@require_capability(Cap.PLAN_MANAGE)
def survey_create_view(request: HttpRequest) -> HttpResponse:
    plan = selectors.plan_get(request.GET.get("plan"))

    def record(data: dict[str, Any]) -> str:
        unit = selectors.unit_visible(request.user, data.pop("unit"))
        survey_record(plan=plan, unit=unit, actor=acting_user(request), **data)
        return _("已登记 %(unit)s 的满意度调查。") % {"unit": unit.name}

    form = SurveyForm(request.POST)
    submit(request, form, record)
    return redirect(f"{reverse('plan:survey-list')}?year={form.cleaned_data.get('year', '') if form.is_valid() else ''}")
