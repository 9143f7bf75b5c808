"""The proposals section (变更建议, ADR 0026 §4): the registry changes other modules' work implies (a confirmed
finding, a carried-out measure), each with where it comes from and what it would change; on the page, for users
who may edit the household, the buttons to apply or dismiss one. Below them, the proposals already decided."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from fupin.accounts.roles import Cap
from fupin.dossier.sections import Section, SectionContext, register
from fupin.registry.models import ProposedChange
from fupin.registry.proposals import proposal_list

DECIDED_SHOWN = 10


def source_of(proposal: ProposedChange) -> tuple[str, str]:
    """(what the origin is, the page that shows it, or "") of a proposal's ``source``."""
    pk = proposal.source_id
    if proposal.source_kind == "finding" and pk is not None:
        return _t("部门数据比对疑点 #%(id)s") % {"id": pk}, reverse("crosscheck:finding-detail", args=[pk])
    if proposal.source_kind == "measure" and pk is not None:
        return _t("帮扶措施 #%(id)s") % {"id": pk}, reverse("measures:household", args=[proposal.household_id])
    return proposal.source, ""


def _row(proposal: ProposedChange) -> dict[str, Any]:
    origin, url = source_of(proposal)
    return {"p": proposal, "origin": origin, "url": url, "values": proposal.values_display()}


def proposals(ctx: SectionContext) -> Mapping[str, Any]:
    rows = list(proposal_list(ctx.user, ctx.household))
    return {"open": [_row(p) for p in rows if p.is_open],
            "decided": [_row(p) for p in rows if not p.is_open][:DECIDED_SHOWN],
            "version": ctx.household.version}


register(Section("proposals", _("变更建议"), 35, "dossier/sections/proposals.html", proposals,
                 capability=Cap.REGISTRY_EDIT, in_pdf=False))
