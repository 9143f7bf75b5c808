"""The measures section: the help measures the household receives (帮扶措施), newest first (one query;
suggestions and 爱心超市 points are on the measures page it links to)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from fupin.accounts.roles import Cap
from fupin.dossier.sections import Section, SectionContext, register
from fupin.measures import selectors


def measures(ctx: SectionContext) -> Mapping[str, Any]:
    return {"measures": selectors.household_measures(ctx.household.pk), "household_id": ctx.household.pk,
            "for_pdf": ctx.for_pdf}


register(Section("measures", _("帮扶措施"), 70, "dossier/sections/measures.html", measures,
                 capability=Cap.MEASURES_VIEW))
