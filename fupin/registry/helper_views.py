"""Pages for helpers (帮扶责任人) and resident work teams (驻村工作队)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts.access import ensure_can, require_capability
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.areas.scoping import get_visible_or_404
from fupin.core.errors import DomainError
from fupin.registry import helper_selectors
from fupin.registry.helper_forms import HelperForm
from fupin.registry.helper_services import helper_assign
from fupin.registry.models import Household


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@require_POST
def helper_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_visible_or_404(Household.objects.all(), request.user, pk=pk)
    ensure_can(request.user, Cap.REGISTRY_HELPERS)
    back = reverse("registry:household-detail", args=[household.pk]) + "#helpers"
    form = HelperForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(f"{form.fields[k].label}：{e}" for k, errs in form.errors.items() for e in errs))
        return redirect(back)
    try:
        helper_assign(household, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("帮扶责任人已更新。"))
    return redirect(back)


@require_capability(Cap.REGISTRY_VIEW)
def work_team_list(request: HttpRequest) -> HttpResponse:
    p = request.GET
    current = p.get("show") != "all"
    teams = helper_selectors.work_team_list(request.user, village=_int(p.get("village")),
                                            township=_int(p.get("township")), current=current)
    villages = Area.objects.visible_to(request.user).filter(level="village", valid_to__isnull=True)
    if _int(p.get("township")):
        villages = villages.filter(parent_id=_int(p.get("township")))
    return render(request, "registry/work_team_list.html", {
        "page": Paginator(teams, 25).get_page(p.get("page")), "params": p, "current": current,
        "villages": villages.order_by("code"),
        "townships": Area.objects.visible_to(request.user).filter(level="township", valid_to__isnull=True),
    })
