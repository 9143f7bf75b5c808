"""Staff pages: the ticket list, intake, a ticket with its steps and actions, my tickets, figures, routing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fupin.accounts.access import can, require_capability
from fupin.accounts.models import Department, User
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.areas.scoping import get_visible_or_404
from fupin.core.actors import Viewer, acting_user
from fupin.core.audit import Action, audit_record
from fupin.core.errors import BadInput
from fupin.core.files import stored_file_response
from fupin.core.forms import form_errors, submit
from fupin.core.reads import personal_data_read
from fupin.hotline import selectors, services
from fupin.hotline.access import handles
from fupin.hotline.filters import TicketFilter
from fupin.hotline.forms import (
    CallbackForm,
    DeadlineForm,
    NoteForm,
    ReopenForm,
    ReplyForm,
    RuleForm,
    TicketForm,
    TransferForm,
)
from fupin.hotline.models import Category, Channel, RoutingRule, Ticket, TicketAttachment
from fupin.hotline.routing import deadlines
from fupin.notices.models import Notice
from fupin.registry.models import Household


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@require_capability(Cap.HOTLINE_VIEW)
def ticket_list(request: HttpRequest) -> HttpResponse:
    p = request.GET
    filters = TicketFilter(p, queryset=selectors.ticket_list(request.user), request=request)
    page = Paginator(filters.qs, 25).get_page(p.get("page"))
    personal_data_read(actor=acting_user(request), rows=list(page.object_list), view="hotline.tickets",
                       query={**filters.form.cleaned_data, "page": page.number})
    return render(request, "hotline/ticket_list.html", {
        "page": page, "params": p, "now": timezone.now(),
        "statuses": Ticket.Status.choices, "categories": _categories(request.user), "channels": Channel.choices,
        "townships": Area.objects.visible_to(request.user).filter(level="township", valid_to__isnull=True),
        "can_intake": can(request.user, Cap.HOTLINE_INTAKE),
    })


def _categories(user: Viewer) -> list[tuple[str, str]]:
    return [(v, str(label)) for v, label in Category.choices
            if v != Category.CONDUCT or can(user, Cap.HOTLINE_CONDUCT)]


def _intake_places(user: Viewer) -> Any:
    return (Area.objects.visible_to(user).filter(level__in=["county", "township", "village"], valid_to__isnull=True)
            .order_by("code"))


@require_capability(Cap.HOTLINE_INTAKE)
def ticket_new(request: HttpRequest) -> HttpResponse:
    form = TicketForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                ticket = _create_from_form(request, form.cleaned_data)
            except BadInput as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("诉求已登记：%(ref)s，查询码 %(code)s（请告知反映人）") % {
                    "ref": ticket.reference, "code": ticket.tracking_code})
                return redirect("hotline:ticket-detail", pk=ticket.pk)
        else:
            messages.error(request, form_errors(form))
    return render(request, "hotline/ticket_new.html", {
        "form": form, "places": _intake_places(request.user), "categories": Category.choices})


def _create_from_form(request: HttpRequest, data: dict[str, Any]) -> Ticket:
    user = acting_user(request)
    area = _intake_places(user).filter(code=data["area"]).first()
    if area is None:
        raise BadInput(_("所涉区域不在您的辖区内 / the area is not in your scope"))
    household = None
    if data.get("household_no"):
        household = Household.objects.visible_to(user).filter(household_no=data["household_no"]).first()
        if household is None:
            raise BadInput(_("未找到该户编号 / no such household in your scope"))
    notice = None
    if data.get("notice"):
        notice = Notice.objects.visible_to(user).filter(pk=data["notice"]).first()
        if notice is None:
            raise BadInput(_("未找到该公示 / no such notice in your scope"))
    channel = data["channel"] if data["channel"] != Channel.OBJECTION or notice else Channel.HOTLINE
    return services.ticket_create(
        channel=channel, category=data["category"], text=data["text"], area=area, actor=user,
        title=data.get("title", ""), citizen_name=data.get("citizen_name", ""),
        citizen_phone=data.get("citizen_phone", ""), household=household, notice=notice,
        files=request.FILES.getlist("files"))


@require_capability(Cap.HOTLINE_VIEW)
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.ticket_get(request.user, pk)
    acts = handles(request.user, ticket)
    full = acts or can(request.user, Cap.HOTLINE_MANAGE)
    personal_data_read(actor=acting_user(request), rows=[ticket], view="hotline.ticket", full_ids=full)
    return render(request, "hotline/ticket_detail.html", {
        "ticket": ticket, "steps": list(ticket.steps.all()), "attachments": list(ticket.attachments.all()),
        "handles": acts, "full": full, "now": timezone.now(), "overdue": ticket.is_overdue(),
        "departments": Department.objects.order_by("code"), "satisfactions": Ticket.Satisfaction.choices,
        "townships": Area.objects.filter(level="township", valid_to__isnull=True).order_by("code"),
        "objection_pending": bool(ticket.objection and ticket.objection.is_pending),
        "outcomes": ReplyForm.base_fields["outcome"].choices,  # type: ignore[attr-defined]
    })


def _transfer(ticket: Ticket, user: User) -> Callable[[dict[str, Any]], str]:
    def act(data: dict[str, Any]) -> str:
        unit = services.transfer_target(data["to"])
        services.ticket_transfer(ticket, actor=user, reason=data["reason"], department=unit.department,
                                 area=unit.area)
        return _("已转办：%(unit)s") % {"unit": unit.label}
    return act


def _reply(ticket: Ticket, user: User) -> Callable[[dict[str, Any]], str]:
    def act(data: dict[str, Any]) -> str:
        services.ticket_reply(ticket, actor=user, text=data["text"], outcome=data.get("outcome", ""))
        return _("已答复，待回访。")
    return act


def _callback(ticket: Ticket, user: User) -> Callable[[dict[str, Any]], str]:
    def act(data: dict[str, Any]) -> str:
        services.ticket_callback(ticket, actor=user, satisfaction=data["satisfaction"], note=data.get("note", ""))
        return _("回访已记录。") if ticket.status == Ticket.Status.CLOSED else _("回访不满意，已重新办理。")
    return act


def _reopen(ticket: Ticket, user: User) -> Callable[[dict[str, Any]], str]:
    def act(data: dict[str, Any]) -> str:
        services.ticket_reopen(ticket, actor=user, reason=data["reason"])
        return _("已重新办理。")
    return act


def _note(ticket: Ticket, user: User) -> Callable[[dict[str, Any]], str]:
    def act(data: dict[str, Any]) -> str:
        services.ticket_note(ticket, actor=user, text=data["text"])
        return _("办理记录已保存。")
    return act


ACTIONS: dict[str, tuple[type[forms.Form], Callable[[Ticket, User], Callable[[dict[str, Any]], str]]]] = {
    "transfer": (TransferForm, _transfer), "reply": (ReplyForm, _reply), "callback": (CallbackForm, _callback),
    "reopen": (ReopenForm, _reopen), "note": (NoteForm, _note),
}


@require_POST
def ticket_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    ticket = selectors.ticket_get(request.user, pk)  # 404 first: another village's ticket is "not found"
    if action not in ACTIONS:
        raise Http404("unknown action")
    form_class, make = ACTIONS[action]
    if not handles(request.user, ticket):
        raise PermissionDenied(services.NOT_YOUR_UNIT)  # 403: visible, but not this user's unit
    submit(request, form_class(request.POST), make(ticket, acting_user(request)))
    if not Ticket.objects.visible_to(request.user).filter(pk=ticket.pk).exists():  # transferred out of the user's sight
        return redirect("hotline:ticket-list")
    return redirect("hotline:ticket-detail", pk=ticket.pk)


@require_GET
@require_capability(Cap.HOTLINE_VIEW)
def attachment_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    attachment = get_visible_or_404(TicketAttachment.objects.select_related("ticket"), request.user, pk=pk)
    label = attachment.ticket.reference if attachment.ticket.is_confidential else attachment.original_name
    response = stored_file_response(attachment)
    audit_record(actor=acting_user(request), action=Action.READ, obj=attachment, object_label=label,
                 changes={"ticket": attachment.ticket_id})
    return response


@require_capability(Cap.HOTLINE_VIEW)
def my_tickets(request: HttpRequest) -> HttpResponse:
    tickets = TicketFilter({"mine": "1"}, queryset=selectors.ticket_list(request.user), request=request).qs.exclude(
        status=Ticket.Status.CLOSED)
    return render(request, "hotline/my_tickets.html", {
        "tickets": list(tickets[:200]), "notifications": selectors.notifications_of(acting_user(request)),
        "now": timezone.now()})


@require_capability(Cap.HOTLINE_VIEW)
def figures(request: HttpRequest) -> HttpResponse:
    year = _int(request.GET.get("year"))
    return render(request, "hotline/figures.html", {
        "figures": selectors.ticket_figures(request.user, year=year), "year": year,
        "years": range(timezone.localdate().year, 2015, -1)})


@require_capability(Cap.HOTLINE_MANAGE)
def routing(request: HttpRequest) -> HttpResponse:
    return render(request, "hotline/routing.html", {
        "rules": RoutingRule.objects.select_related("area", "department").order_by("category", "area__code", "pk"),
        "deadlines": sorted(deadlines().items()), "labels": dict(Category.choices), "categories": Category.choices,
        "departments": Department.objects.order_by("code")})


@require_POST
@require_capability(Cap.HOTLINE_MANAGE)
def rule_create(request: HttpRequest) -> HttpResponse:
    def create(data: dict[str, Any]) -> str:
        area = None
        if data.get("area"):
            area = Area.objects.filter(code=data["area"], valid_to__isnull=True).first()
            if area is None:
                raise BadInput(_("区划代码无效 / unknown area code"))
        services.routing_rule_create(category=data.get("category", ""), area=area, to=data["to"], actor=acting_user(request))
        return _("分派规则已添加。")

    submit(request, RuleForm(request.POST), create)
    return redirect("hotline:routing")


@require_POST
@require_capability(Cap.HOTLINE_MANAGE)
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.routing_rule_delete(get_object_or_404(RoutingRule, pk=pk), actor=acting_user(request))
    messages.success(request, _("分派规则已删除。"))
    return redirect("hotline:routing")


@require_POST
@require_capability(Cap.HOTLINE_MANAGE)
def deadline_save(request: HttpRequest) -> HttpResponse:
    def save(data: dict[str, Any]) -> str:
        services.deadline_set(actor=acting_user(request), **data)
        return _("办理时限已保存，适用于此后受理的诉求。")

    submit(request, DeadlineForm(request.POST), save)
    return redirect("hotline:routing")
