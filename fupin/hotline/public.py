"""The public side under /public/hotline/: submit without an account, follow progress with a tracking code.

Nothing here needs a sign-in (the sign-in middleware lets /public/ through). CSRF protection stays on.
A body longer than the form can carry (its text and ``FUPIN_HOTLINE_MAX_FILES`` attachments) is refused
from its Content-Length before it is read. Each client address may submit
``FUPIN_HOTLINE_SUBMITS_PER_HOUR`` tickets and look up ``FUPIN_HOTLINE_LOOKUPS_PER_HOUR`` codes in any hour
(the shared counter of :mod:`fupin.core.ratelimit`; a refused request is not counted). The status page shows
the ticket's own category, dates, status and reply, never names, phone numbers, units' staff or
anything of another ticket. The code is shown once after submitting (carried to that page in the
session, so it never appears in a URL or a server log).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fupin.areas.models import Area
from fupin.core.captcha import captcha_needed, public_post_record, with_captcha
from fupin.core.errors import DomainError
from fupin.core.forms import form_errors
from fupin.core.ratelimit import client_address, event_allowed
from fupin.core.request_limits import body_limit, public_form_limit, upload_form_limit
from fupin.hotline import selectors, services
from fupin.hotline.forms import PublicForm, TrackForm
from fupin.hotline.models import Category, Channel, Ticket, TicketStep
from fupin.notices.models import Notice

HOUR = 3600  # the window of both public limits (FUPIN_HOTLINE_*_PER_HOUR)
PUBLIC_STEPS = (TicketStep.Action.RECEIVED, TicketStep.Action.ROUTED, TicketStep.Action.TRANSFERRED,
                TicketStep.Action.REPLIED, TicketStep.Action.REOPENED, TicketStep.Action.CLOSED)


def over_limit(request: HttpRequest, kind: str, per_hour: int) -> bool:
    """Whether this client already made ``per_hour`` requests of ``kind`` in the last hour; if not, this one counts."""
    return not event_allowed(f"hotline-rate:{kind}:{client_address(request)}", limit=per_hour, window=HOUR)


def _places() -> list[tuple[Area, list[Area]]]:
    townships = list(Area.objects.filter(level="township", valid_to__isnull=True).order_by("code"))
    villages: dict[int, list[Area]] = {}
    for v in Area.objects.filter(level="village", valid_to__isnull=True).order_by("code"):
        villages.setdefault(v.parent_id or 0, []).append(v)
    return [(t, villages.get(t.pk, [])) for t in townships]


def _too_many(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context["error"] = _("提交过于频繁，请一小时后再试，或拨打 12317 热线。")
    return render(request, template, context, status=429)


@body_limit(lambda: upload_form_limit(settings.FUPIN_HOTLINE_MAX_FILES * settings.FUPIN_HOTLINE_MAX_BYTES))
@login_not_required
@require_http_methods(["GET", "POST"])
def public_form(request: HttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = with_captcha(PublicForm(request.POST or None),
                        public_post_record(request) if posted else captcha_needed(request))
    context: dict[str, Any] = {"form": form, "places": _places(), "categories": Category.choices,
                               "max_files": settings.FUPIN_HOTLINE_MAX_FILES,
                               "max_mb": settings.FUPIN_HOTLINE_MAX_BYTES // (1024 * 1024),
                               "max_text": settings.FUPIN_HOTLINE_TEXT_MAX}
    if request.method == "POST":
        valid = form.is_valid()
        with_captcha(form, captcha_needed(request))  # a form shown again asks for what the next post needs
        if not valid:
            context["error"] = form_errors(form)
            return render(request, "hotline/public_form.html", context, status=422)
        if over_limit(request, "submit", settings.FUPIN_HOTLINE_SUBMITS_PER_HOUR):
            return _too_many(request, "hotline/public_form.html", context)
        try:
            ticket = _submit(request, form.cleaned_data)
        except DomainError as exc:
            context["error"] = exc.message
            return render(request, "hotline/public_form.html", context, status=422)
        request.session["hotline_code"] = ticket.tracking_code
        return redirect("hotline-public:submitted")
    return render(request, "hotline/public_form.html", context)


def _submit(request: HttpRequest, data: dict[str, Any]) -> Ticket:
    area = Area.objects.filter(code=data["area"], valid_to__isnull=True, level__in=["township", "village"]).first()
    if area is None:
        raise DomainError(_("请选择所在乡镇或村 / choose your township or village"))
    notice = None
    if data.get("notice"):
        notice = Notice.objects.filter(pk=data["notice"]).first()
        if notice is None:
            raise DomainError(_("未找到该公示编号 / no notice with this number"))
    return services.ticket_create(channel=Channel.WEB, category=data["category"], text=data["text"], area=area,
                                  actor=None, citizen_name=data.get("citizen_name", ""),
                                  citizen_phone=data.get("citizen_phone", ""), notice=notice,
                                  files=request.FILES.getlist("files"))


@login_not_required
def public_submitted(request: HttpRequest) -> HttpResponse:
    code = request.session.pop("hotline_code", None)
    if not code:
        return redirect("hotline-public:form")
    return render(request, "hotline/public_submitted.html", {"code": code})


@body_limit(public_form_limit)
@login_not_required
@require_http_methods(["GET", "POST"])
def public_track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.POST or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST":
        if over_limit(request, "lookup", settings.FUPIN_HOTLINE_LOOKUPS_PER_HOUR):
            return _too_many(request, "hotline/public_track.html", context)
        ticket = selectors.ticket_by_code(services.tracking_code_normalise(form.data.get("code", "")))
        if ticket is None:
            context["error"] = _("查询码不正确，请核对后再试。")
            return render(request, "hotline/public_track.html", context, status=404)
        context["ticket"] = ticket
        context["steps"] = [s for s in ticket.steps.order_by("at", "pk") if s.action in PUBLIC_STEPS]
    return render(request, "hotline/public_track.html", context)
