"""The projects section: projects the household benefits from, and the income of project assets
distributed to it (资产收益分配), each payout linked to its asset."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from fupin.accounts.roles import Cap
from fupin.dossier.sections import Section, SectionContext, register
from fupin.projects import selectors


def projects(ctx: SectionContext) -> Mapping[str, Any]:
    return {"benefits": selectors.household_benefits(ctx.household.pk),
            "payouts": selectors.household_payouts(ctx.household.pk), "for_pdf": ctx.for_pdf}


register(Section("projects", _("项目受益与资产收益"), 75, "dossier/sections/projects.html", projects,
                 capability=Cap.PROJECTS_VIEW))
