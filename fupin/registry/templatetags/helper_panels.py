"""The helper panel of the household page (an inclusion tag, so the household view needs no change)."""

from __future__ import annotations

from typing import Any

from django import template

from fupin.accounts.access import can
from fupin.accounts.roles import Cap
from fupin.registry import helper_selectors
from fupin.registry.models import Household

register = template.Library()


@register.inclusion_tag("registry/_helpers.html", takes_context=True)
def household_helpers_panel(context: template.Context, household: Household) -> dict[str, Any]:
    request = context["request"]
    history = list(helper_selectors.helper_history(household))
    return {
        "household": household, "request": request, "csrf_token": context.get("csrf_token"),
        "current": next((h for h in history if h.is_current), None), "history": history,
        "can_assign": can(request.user, Cap.REGISTRY_HELPERS),
    }
