"""The household file as an A4 PDF, drawn by WeasyPrint from the same sections as the page.

Nothing is fetched while rendering (the URL fetcher allows ``data:`` only): the stylesheet is read
from this package and the income chart is inline SVG. ID numbers are always masked.
"""

from __future__ import annotations

import threading
from pathlib import Path

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from fupin.core.actors import Viewer
from fupin.dossier.sections import SectionContext, render_sections
from fupin.dossier.selectors import HouseholdFile

PRINT_CSS = Path(__file__).resolve().parent / "print.css"
# Pango and fontconfig under WeasyPrint have crashed in threaded servers (Kozea/WeasyPrint #1402,
# #684); gunicorn runs gthread workers, so one PDF is drawn at a time per process. A household's
# file takes a second or two, and printing is rare next to reading.
_RENDER_LOCK = threading.Lock()


def household_pdf_html(file: HouseholdFile, *, user: Viewer, request: HttpRequest | None = None) -> str:
    today = timezone.localdate()
    ctx = SectionContext(user, file.household, file.members, file.incomes, reveal=False, for_pdf=True,
                         today=today, request=request)
    return render_to_string("dossier/household_file_pdf.html", {
        "household": file.household, "head": next((m for m in file.members if m.relation == "head"), None),
        "sections": render_sections(ctx), "printed": today, "user": user,
    }, request=request)


def household_pdf_render(file: HouseholdFile, *, user: Viewer, request: HttpRequest | None = None) -> bytes:
    from weasyprint import CSS, HTML  # imported here: loading Pango costs time every other page does not need
    from weasyprint.urls import URLFetcher

    source = household_pdf_html(file, user=user, request=request)
    with _RENDER_LOCK:
        fetcher = URLFetcher(allowed_protocols=["data"])
        html = HTML(string=source, url_fetcher=fetcher)
        stylesheet = CSS(string=PRINT_CSS.read_text(encoding="utf-8"), url_fetcher=fetcher)
        pdf: bytes = html.write_pdf(stylesheets=[stylesheet])
    return pdf
