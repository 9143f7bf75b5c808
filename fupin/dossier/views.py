"""The household file (一户一档): the page, and the same file as a PDF."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from fupin.accounts.access import can, require_capability
from fupin.accounts.roles import Cap
from fupin.core.actors import acting_user
from fupin.core.audit import Action, audit_record
from fupin.core.reads import personal_data_read
from fupin.dossier.pdf import household_pdf_render
from fupin.dossier.sections import SectionContext, render_sections
from fupin.dossier.selectors import household_file_get


@require_capability(Cap.REGISTRY_VIEW)
def household_file(request: HttpRequest, pk: int) -> HttpResponse:
    file = household_file_get(request.user, pk)
    can_reveal = can(request.user, Cap.REGISTRY_FULL_ID)
    reveal = request.GET.get("reveal") == "1" and can_reveal
    personal_data_read(actor=acting_user(request), rows=[file.household], view="dossier.household_file", full_ids=reveal)
    ctx = SectionContext(request.user, file.household, file.members, file.incomes, reveal=reveal, request=request)
    return render(request, "dossier/household_file.html", {
        "household": file.household, "head": next((m for m in file.members if m.relation == "head"), None),
        "sections": render_sections(ctx), "reveal": reveal, "can_reveal": can_reveal,
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
