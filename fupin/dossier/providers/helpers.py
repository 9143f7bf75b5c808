"""The helpers section (帮扶责任人): the registry's helper panel on the page, a print table in the PDF."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from fupin.dossier.sections import Section, SectionContext, panel_context, register
from fupin.registry import helper_selectors
from fupin.registry.templatetags.helper_panels import household_helpers_panel


def helpers(ctx: SectionContext) -> Mapping[str, Any]:
    if ctx.for_pdf:
        history = list(helper_selectors.helper_history(ctx.household))
        return {"history": history, "current": next((h for h in history if h.is_current), None)}
    return household_helpers_panel(panel_context(ctx), ctx.household)


register(Section("helpers", _("帮扶责任人"), 60, "registry/_helpers.html", helpers,
                 pdf_template="dossier/sections/helpers_pdf.html", framed=False))
