"""The measures section: the help measures the household receives (帮扶措施), newest first, then its
micro-credit loans with their state, its credit rating (信用户) and its awards (自强之星); a few queries.
Suggestions and 爱心超市 points are on the measures page it links to."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.roles import Cap
from fupin.dossier.sections import Section, SectionContext, register
from fupin.measures import selectors
from fupin.measures.credit_selectors import household_credit


def measures(ctx: SectionContext) -> Mapping[str, Any]:
    return {"measures": selectors.household_measures(ctx.household.pk), "household_id": ctx.household.pk,
            "credit": household_credit(ctx.household.pk, timezone.localdate()), "for_pdf": ctx.for_pdf}


register(Section("measures", _("帮扶措施"), 70, "dossier/sections/measures.html", measures,
                 capability=Cap.MEASURES_VIEW))
