"""The monitoring section (防返贫监测): the household's monitoring cases with their steps and measures,
and its results in the latest monitoring runs (per-capita income against the monitoring line)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from fupin.accounts.roles import Cap
from fupin.dossier.sections import Section, SectionContext, register
from fupin.monitoring import selectors


def monitoring(ctx: SectionContext) -> Mapping[str, Any]:
    return {**selectors.household_monitoring(ctx.household.pk), "for_pdf": ctx.for_pdf}


register(Section("monitoring", _("防返贫监测"), 80, "dossier/sections/monitoring.html", monitoring,
                 capability=Cap.SEES_INCOMES))
