"""The public section (阳光公开) at /public/: no sign-in.

What it shows, and nothing else: the project library (projects entered by the county, 入库, and
later), the yearly fund plans, the project notices (on display now, and the archive) with their
dates, each project's beneficiary list with the head of household's ID number masked and no other
personal data (no names, no household detail), and the supervision hotline 12317. A member of the
public may object to a project notice while it is on display; the objection goes to the notice
and so to the responsible unit's list (``/projects/objections/``).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.core.captcha import captcha_needed, public_post_record, with_captcha
from fupin.core.errors import DomainError
from fupin.core.request_limits import body_limit, public_form_limit
from fupin.projects import selectors, services
from fupin.projects.filters import PublicProjectFilter
from fupin.projects.forms import PublicObjectionForm, form_errors

HOTLINE = "12317"


def _ctx(**values: object) -> dict[str, object]:
    return {"hotline": HOTLINE, "today": timezone.localdate(), **values}


def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(request, "projects/public/home.html", _ctx(
        tab="home",
        notices=list(selectors.public_notices(on=today)[:50]), years=selectors.plan_years(),
        library_count=selectors.public_projects().count()))


def project_library(request: HttpRequest) -> HttpResponse:
    year = request.GET.get("year", "")
    qs = PublicProjectFilter(request.GET, queryset=selectors.public_projects()).qs.order_by("-year", "area__code", "pk")
    return render(request, "projects/public/library.html", _ctx(
        tab="library",
        page=Paginator(qs, 25).get_page(request.GET.get("page")), years=selectors.plan_years(), year=year))


def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.public_project(pk)
    return render(request, "projects/public/project.html", _ctx(
        tab="library",
        project=project, beneficiaries=selectors.beneficiary_rows(project),
        notices=[n for n in selectors.public_notices().filter(subject_id=project.pk).order_by("starts_on", "pk")]))


def fund_plan(request: HttpRequest) -> HttpResponse:
    years = selectors.plan_years()
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() else (years[0] if years else timezone.localdate().year)
    return render(request, "projects/public/plan.html", _ctx(tab="plan", plan=selectors.fund_plan(year), years=years))


def notice_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    archive = selectors.public_notices().order_by("-starts_on", "-pk")
    return render(request, "projects/public/notices.html", _ctx(
        tab="notices",
        current=list(selectors.public_notices(on=today)),
        page=Paginator(archive, 25).get_page(request.GET.get("page"))))


def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.public_notice(pk)
    today = timezone.localdate()
    return render(request, "projects/public/notice.html", _ctx(
        tab="notices",
        notice=notice, on_display=notice.is_on_display(today), days_left=notice.days_left(today),
        in_library=notice.subject_id is not None and selectors.public_projects().filter(pk=notice.subject_id).exists(),
        form=with_captcha(PublicObjectionForm(), captcha_needed(request))))


@body_limit(public_form_limit)
@require_POST
def objection_create(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.public_notice(pk)
    form = with_captcha(PublicObjectionForm(request.POST), public_post_record(request))
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("public:notice-detail", pk=notice.pk)
    d = form.cleaned_data
    if d["website"]:  # the hidden field: a script filled it in; say nothing useful to it
        return redirect("public:notice-detail", pk=notice.pk)
    try:
        services.public_objection(notice, text=d["text"], raised_by_name=d["raised_by_name"], contact=d["contact"],
                                  address=request.META.get("REMOTE_ADDR", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("您的异议已提交，将转责任单位核实处理。也可拨打监督举报电话 12317。"))
    return redirect("public:notice-detail", pk=notice.pk)
