from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fupin.accounts.access import require_capability
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.registry import codes, selectors
from fupin.registry.models import Household


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@require_capability(Cap.REGISTRY_VIEW)
def household_list(request: HttpRequest) -> HttpResponse:
    params = request.GET
    households = selectors.household_list(
        request.user, q=params.get("q", ""), township=_int(params.get("township")),
        village=_int(params.get("village")), status=params.get("status", ""), attribute=params.get("attribute", ""),
    )
    page = Paginator(households, 25).get_page(params.get("page"))
    townships = Area.objects.visible_to(request.user).filter(level="township", valid_to__isnull=True)
    villages = Area.objects.visible_to(request.user).filter(level="village", valid_to__isnull=True)
    if _int(params.get("township")):
        villages = villages.filter(parent_id=_int(params.get("township")))
    context = {
        "page": page, "rows": selectors.household_rows(page.object_list), "params": params, "townships": townships, "villages": villages.order_by("code"),
        "statuses": Household.Status.choices, "attributes": codes.Attribute.choices,
    }
    return render(request, "registry/household_list.html", context)
