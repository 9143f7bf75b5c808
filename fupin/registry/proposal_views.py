"""Pages of the loops' proposals (ADR 0026 §4): apply or dismiss one from the household's file. The list itself is a
section of the household file (``fupin/dossier/providers/proposals.py``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from fupin.accounts.access import require_capability
from fupin.accounts.roles import Cap
from fupin.core.actors import acting_user
from fupin.core.forms import submit
from fupin.registry.models import ProposedChange
from fupin.registry.proposals import proposal_apply, proposal_dismiss, proposal_get


class ProposalApplyForm(forms.Form):
    version = forms.IntegerField(label=_("版本"), min_value=1)


class ProposalDismissForm(forms.Form):
    reason = forms.CharField(label=_("不采纳理由"), max_length=200)


def _back(proposal: ProposedChange) -> HttpResponse:
    return redirect(reverse("registry:household-detail", args=[proposal.household_id]) + "#sec-proposals")


@require_POST
@require_capability(Cap.REGISTRY_EDIT)
def proposal_apply_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = proposal_get(request.user, pk)

    def apply(data: dict[str, Any]) -> str:
        proposal_apply(proposal, actor=acting_user(request), version=data["version"])
        return _t("变更建议已应用。")

    submit(request, ProposalApplyForm(request.POST), apply)
    return _back(proposal)


@require_POST
@require_capability(Cap.REGISTRY_EDIT)
def proposal_dismiss_view(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = proposal_get(request.user, pk)

    def dismiss(data: dict[str, Any]) -> str:
        proposal_dismiss(proposal, actor=acting_user(request), reason=data["reason"])
        return _t("变更建议已不采纳。")

    submit(request, ProposalDismissForm(request.POST), dismiss)
    return _back(proposal)
