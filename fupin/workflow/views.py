"""Workflow steps posted from the household page, and the evidence downloads."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fupin.accounts.access import require_capability
from fupin.accounts.roles import Cap
from fupin.areas.scoping import get_visible_or_404
from fupin.core.actors import acting_user
from fupin.core.audit import Action, audit_record
from fupin.core.errors import BadInput
from fupin.core.files import stored_file_response
from fupin.core.workflow import UNSET
from fupin.registry.models import Household
from fupin.workflow import selectors
from fupin.workflow.forms import TransitionForm
from fupin.workflow.services import household_transition
from fupin.workflow.transitions import TRANSITIONS


@require_POST
def household_transition_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    household = get_visible_or_404(Household.objects.select_related("village"), request.user, pk=pk)
    spec = TRANSITIONS.get(action)
    if spec is None:
        raise Http404("unknown action")
    back = reverse("registry:household-detail", args=[household.pk]) + "#workflow"
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(back)
    # The state shown on the page the clerk acted on. A refused step (TransitionRefused,
    # ConcurrentChange) passes to RefusalMiddleware: the 409 page; bad input is told here.
    seen = (request.POST["seen_status"] or None) if "seen_status" in request.POST else UNSET
    try:
        household_transition(household, action, actor=acting_user(request), files=request.FILES.getlist("files"),
                             expected=seen, **form.cleaned_data)
    except BadInput as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已办理：%(label)s") % {"label": spec.label})
    return redirect(back)


@require_GET
@require_capability(Cap.REGISTRY_VIEW)
def attachment_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    attachment = selectors.attachment_get(request.user, pk)
    response = stored_file_response(attachment)
    audit_record(actor=acting_user(request), action=Action.READ, obj=attachment,
                 changes={"household": attachment.transition.household_id})
    return response
