from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fupin.areas.models import Area


def area_tree(request: HttpRequest) -> HttpResponse:
    """The divisions the user may see, townships with their villages, current and ended."""
    areas = list(Area.objects.visible_to(request.user).annotate(
        child_count=Count("children", filter=Q(children__valid_to__isnull=True))).order_by("path"))
    return render(request, "areas/area_tree.html", {"areas": areas})
