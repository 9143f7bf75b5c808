"""The household file (一户一档): the page (also as the household stood on a past day), its full change history,
and the same file as a PDF."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from fupin.accounts.access import can, require_capability
from fupin.accounts.roles import Cap
from fupin.core.actors import acting_user
from fupin.core.audit import Action, audit_record
from fupin.core.reads import personal_data_read
from fupin.dossier.forms import AsOfForm
from fupin.dossier.pdf import household_pdf_render
from fupin.dossier.providers.history import PAGE_SIZE, history_batches
from fupin.dossier.sections import SectionContext, render_sections
from fupin.dossier.selectors import household_file_get
from fupin.registry import selectors as registry_selectors
from fupin.registry.history import household_as_of, household_changes


@require_capability(Cap.REGISTRY_VIEW)
def household_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The file; with ``?as_of=YYYY-MM-DD`` the facts, members and income lines as they stood on that day (the
    sections that can draw a past day, and the history), labelled as such."""
    file = household_file_get(request.user, pk)
    can_reveal = can(request.user, Cap.REGISTRY_FULL_ID)
    reveal = request.GET.get("reveal") == "1" and can_reveal
    as_of_form = AsOfForm(request.GET if request.GET.get("as_of") else None)  # an empty day: today's file
    day = as_of_form.cleaned_data["as_of"] if as_of_form.is_valid() else None
    personal_data_read(actor=acting_user(request), rows=[file.household], view="dossier.household_file", full_ids=reveal,
                       query={"as_of": day})
    ctx = SectionContext(request.user, file.household, file.members, file.incomes, reveal=reveal, request=request)
    existed = True
    if day is not None:
        then = household_as_of(file.household, day, viewer=request.user)
        ctx = SectionContext(request.user, then.household, then.members, then.incomes, reveal=reveal, request=request,
                             today=day, as_of=day)
        existed = then.existed
    return render(request, "dossier/household_file.html", {
        "household": file.household, "head": next((m for m in ctx.members if m.relation == "head"), None),
        "sections": render_sections(ctx), "reveal": reveal, "can_reveal": can_reveal, "as_of": day,
        "as_of_form": as_of_form, "existed": existed,
    }, status=400 if as_of_form.is_bound and day is None else 200)


@require_capability(Cap.REGISTRY_VIEW)
def household_history(request: HttpRequest, pk: int) -> HttpResponse:
    """Every change of the household the user may read, newest first, a page at a time."""
    household = registry_selectors.household_get(request.user, pk)
    page = Paginator(household_changes(request.user, household), PAGE_SIZE).get_page(request.GET.get("page"))
    personal_data_read(actor=acting_user(request), rows=[household], view="dossier.household_history",
                       query={"page": page.number})
    return render(request, "dossier/household_history.html", {
        "household": household, "page": page, "batches": history_batches(list(page.object_list)),
    })


@require_capability(Cap.REGISTRY_VIEW)
def household_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable file. ID numbers are always masked in it: paper travels further than a screen."""
    file = household_file_get(request.user, pk)
    pdf = household_pdf_render(file, user=request.user, request=request)
    audit_record(actor=acting_user(request), action=Action.EXPORT, obj=file.household,
                 changes={"format": "pdf", "full_id_numbers": False, "bytes": len(pdf)})
    disposition = content_disposition_header(as_attachment=True, filename=f"一户一档-{file.household.household_no}.pdf")
    return HttpResponse(pdf, content_type="application/pdf", headers={"Content-Disposition": disposition})
