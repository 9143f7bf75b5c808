"""The notice board: what is on public display where and until when, objections recorded and resolved."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts.access import can, ensure_can, require_capability
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.core.actors import acting_user
from fupin.core.errors import DomainError
from fupin.core.forms import submit
from fupin.notices import selectors, services
from fupin.notices.filters import NoticeFilter
from fupin.notices.forms import CloseForm, ObjectionForm, ResolveForm
from fupin.notices.models import Notice


@require_capability(Cap.NOTICES_VIEW)
def notice_list(request: HttpRequest) -> HttpResponse:
    p = request.GET
    filters = NoticeFilter(p, queryset=selectors.notice_list(request.user))
    notices = filters.qs
    everything, on = filters.form.cleaned_data["show"], filters.display_day()
    villages = Area.objects.visible_to(request.user).filter(level="village", valid_to__isnull=True)
    if filters.form.cleaned_data["township"]:
        villages = villages.filter(parent_id=filters.form.cleaned_data["township"])
    return render(request, "notices/notice_list.html", {
        "page": Paginator(notices, 25).get_page(p.get("page")), "params": p, "on": on, "everything": everything,
        "today": timezone.localdate(), "kinds": Notice.Kind.choices, "villages": villages.order_by("code"),
        "townships": Area.objects.visible_to(request.user).filter(level="township", valid_to__isnull=True),
    })


@require_capability(Cap.NOTICES_VIEW)
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.notice_get(request.user, pk)
    today = timezone.localdate()
    manager = can(request.user, Cap.NOTICES_MANAGE)
    return render(request, "notices/notice_detail.html", {
        "notice": notice, "objections": list(notice.objections.all()), "today": today,
        "on_display": notice.is_on_display(today), "days_left": notice.days_left(today),
        "can_object": can(request.user, Cap.NOTICES_OBJECT) and notice.is_on_display(today),
        "can_manage": manager, "objection_form": ObjectionForm(), "resolve_form": ResolveForm(),
    })


@require_POST
def objection_create(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.notice_get(request.user, pk)
    ensure_can(request.user, Cap.NOTICES_OBJECT)

    def raise_(data: dict[str, Any]) -> str:
        services.objection_raise(notice, actor=acting_user(request), **data)
        return _("异议已登记；处理前，该户的下一步流程暂停。")

    submit(request, ObjectionForm(request.POST), raise_)
    return redirect("notices:notice-detail", pk=notice.pk)


@require_POST
def objection_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    objection = selectors.objection_get(request.user, pk)
    ensure_can(request.user, Cap.NOTICES_MANAGE)

    def resolve(data: dict[str, Any]) -> str:
        services.objection_resolve(objection, actor=acting_user(request), **data)
        return _("异议处理结果已记录。")

    submit(request, ResolveForm(request.POST), resolve)
    return redirect("notices:notice-detail", pk=objection.notice_id)


@require_POST
def notice_close(request: HttpRequest, pk: int) -> HttpResponse:
    notice = selectors.notice_get(request.user, pk)
    ensure_can(request.user, Cap.NOTICES_MANAGE)
    form = CloseForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.notice_close(notice, actor=acting_user(request), note=note)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("公示已撤下。"))
    return redirect("notices:notice-detail", pk=notice.pk)
