"""Panels of the household page, rendered by inclusion tags so the registry's view needs no change.

The registry sits below the workflow (it cannot import it); its template loads these tags at
render time: ``{% load workflow_panels %}{% household_actions_panel household %}``.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from fupin.registry import codes
from fupin.registry.models import Household
from fupin.workflow import selectors
from fupin.workflow.models import HouseholdTransition

register = template.Library()


@register.inclusion_tag("workflow/_household_actions.html", takes_context=True)
def household_actions_panel(context: template.Context, household: Household) -> dict[str, Any]:
    request = context["request"]
    return {
        "household": household, "request": request, "csrf_token": context.get("csrf_token"),
        "actions": selectors.household_actions(request.user, household),
        "notice": selectors.household_current_notice(household),
        "reasons": HouseholdTransition.Reason.choices,
        "attributes": codes.shown(c for c in codes.Attribute.choices if c[0] != codes.Attribute.ORDINARY),
        "accept": ",".join(f".{e}" for e in settings.FUPIN_EVIDENCE_EXTENSIONS),
        "max_mb": settings.FUPIN_EVIDENCE_MAX_BYTES // (1024 * 1024),
    }


@register.inclusion_tag("workflow/_timeline.html", takes_context=True)
def household_timeline_panel(context: template.Context, household: Household) -> dict[str, Any]:
    return {"household": household, "timeline": list(selectors.household_timeline(household))}
