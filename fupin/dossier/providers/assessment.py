"""The exit assessment section: this work year's verdict with each indicator's reason (or, while the household is
being reassessed after a change, that it is), the earlier years' verdicts, and (on the page, for users who may) a
button to assess the household now."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from fupin.accounts.access import can
from fupin.accounts.roles import Cap
from fupin.assessment import selectors, services
from fupin.assessment.models import Outcome
from fupin.dossier.sections import Section, SectionContext, register


def assessment(ctx: SectionContext) -> Mapping[str, Any]:
    year = services.work_year()
    history = selectors.household_assessment_history(ctx.household.pk)
    latest = next((a for a in history if a.year == year), None)
    # Changed since this verdict was computed: the background job is computing it again (ADR 0026 §5); until it has,
    # the page says so instead of showing a verdict of facts that no longer hold.
    reassessing = latest is not None and selectors.assessment_pending(latest, ctx.household)
    indicators = [{**i, "outcome_label": Outcome(i["outcome"]).label} for i in latest.indicators] if latest else []
    return {
        "year": year, "latest": latest, "indicators": indicators, "reassessing": reassessing,
        "earlier": [a for a in history if a is not latest],
        "can_assess": not ctx.for_pdf and can(ctx.user, Cap.REGISTRY_EDIT) and bool(ctx.members),
    }


register(Section("assessment", _("退出评估"), 40, "dossier/sections/assessment.html", assessment,
                 capability=Cap.SEES_INCOMES))
