"""Pages for helpers (帮扶责任人) and resident work teams (驻村工作队)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fupin.accounts.access import can, ensure_can, require_capability
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.areas.scoping import get_visible_or_404
from fupin.core.actors import Viewer, acting_user
from fupin.core.errors import DomainError
from fupin.core.forms import submit
from fupin.registry import helper_selectors
from fupin.registry.filters import WorkTeamFilter
from fupin.registry.helper_forms import EndForm, HelperForm, WorkTeamForm, WorkTeamMemberForm
from fupin.registry.helper_services import (
    helper_assign,
    work_team_create,
    work_team_end,
    work_team_member_add,
    work_team_member_end,
)
from fupin.registry.models import Household, WorkTeam, WorkTeamMember


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@require_POST
def helper_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_visible_or_404(Household.objects.all(), request.user, pk=pk)
    ensure_can(request.user, Cap.REGISTRY_HELPERS)

    def assign(data: dict[str, Any]) -> str:
        helper_assign(household, actor=acting_user(request), **data)
        return _("帮扶责任人已更新。")

    submit(request, HelperForm(request.POST), assign)
    return redirect(reverse("registry:household-detail", args=[household.pk]) + "#helpers")


@require_capability(Cap.REGISTRY_VIEW)
def work_team_list(request: HttpRequest) -> HttpResponse:
    p = request.GET
    filters = WorkTeamFilter(p, queryset=helper_selectors.work_team_list(request.user))
    teams = filters.qs
    current = not filters.form.cleaned_data["show"]
    villages = Area.objects.visible_to(request.user).filter(level="village", valid_to__isnull=True)
    if filters.form.cleaned_data["township"]:
        villages = villages.filter(parent_id=filters.form.cleaned_data["township"])
    return render(request, "registry/work_team_list.html", {
        "page": Paginator(teams, 25).get_page(p.get("page")), "params": p, "current": current,
        "villages": villages.order_by("code"),
        "townships": Area.objects.visible_to(request.user).filter(level="township", valid_to__isnull=True),
        "perms_work_teams": can(request.user, Cap.WORK_TEAMS_MANAGE),
    })


def _villages(user: Viewer) -> Any:
    return (Area.objects.visible_to(user).filter(level=Area.Level.VILLAGE, valid_to__isnull=True)
            .select_related("parent").order_by("code"))


@require_capability(Cap.WORK_TEAMS_MANAGE)
def work_team_create_view(request: HttpRequest) -> HttpResponse:
    form = WorkTeamForm(request.POST or None, villages=_villages(request.user),
                        initial={"village": _int(request.GET.get("village"))})
    if request.method == "POST" and form.is_valid():
        try:
            team = work_team_create(form.cleaned_data["village"], actor=acting_user(request),
                                    dispatching_unit=form.cleaned_data["dispatching_unit"],
                                    starts_on=form.cleaned_data["starts_on"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已派驻工作队，请登记第一书记和队员。"))
            return redirect("registry:work-team-detail", pk=team.pk)
    return render(request, "registry/work_team_form.html", {"form": form}, status=400 if form.errors else 200)


@require_capability(Cap.REGISTRY_VIEW)
def work_team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_visible_or_404(WorkTeam.objects.select_related("village", "village__parent"), request.user, pk=pk)
    return render(request, "registry/work_team_detail.html", {
        "team": team, "members": team.members.order_by("ends_on", "role", "-starts_on", "pk"),
        "member_form": WorkTeamMemberForm(), "end_form": EndForm(),
        "can_manage": can(request.user, Cap.WORK_TEAMS_MANAGE),
    })


@require_POST
def work_team_member_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_visible_or_404(WorkTeam.objects.all(), request.user, pk=pk)
    ensure_can(request.user, Cap.WORK_TEAMS_MANAGE)

    def add(data: dict[str, Any]) -> str:
        work_team_member_add(team, actor=acting_user(request), **data)
        return _("已登记队员 %(name)s。") % {"name": data["name"]}

    submit(request, WorkTeamMemberForm(request.POST), add)
    return redirect("registry:work-team-detail", pk=team.pk)


@require_POST
def work_team_member_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_visible_or_404(WorkTeamMember.objects.all(), request.user, pk=pk)
    ensure_can(request.user, Cap.WORK_TEAMS_MANAGE)

    def end(data: dict[str, Any]) -> str:
        work_team_member_end(member, actor=acting_user(request), ends_on=data["ends_on"])
        return _("已登记 %(name)s 离任。") % {"name": member.name}

    submit(request, EndForm(request.POST), end)
    return redirect("registry:work-team-detail", pk=member.team_id)


@require_POST
def work_team_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    team = get_visible_or_404(WorkTeam.objects.all(), request.user, pk=pk)
    ensure_can(request.user, Cap.WORK_TEAMS_MANAGE)

    def end(data: dict[str, Any]) -> str:
        work_team_end(team, actor=acting_user(request), **data)
        return _("工作队已撤回，在任队员同日离任。")

    submit(request, EndForm(request.POST), end)
    return redirect("registry:work-team-detail", pk=team.pk)
