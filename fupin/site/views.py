from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fupin.areas.models import Area
from fupin.registry.models import Household, Member


def home(request: HttpRequest) -> HttpResponse:
    households = Household.objects.visible_to(request.user)
    totals = households.aggregate(
        total=Count("pk"),
        registered=Count("pk", filter=Q(status__in=["registered", "exit_proposed"])),
        exited=Count("pk", filter=Q(status="exited")),
        returned=Count("pk", filter=Q(status="returned")),
        candidates=Count("pk", filter=Q(status__isnull=True)),
    )
    context = {
        "totals": totals,
        "members": Member.objects.visible_to(request.user).count(),
        "villages": Area.objects.visible_to(request.user).filter(level="village", valid_to__isnull=True).count(),
        "demo": households.filter(is_demo=True).exists(),
    }
    return render(request, "site/home.html", context)
