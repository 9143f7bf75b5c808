"""The workflow's sections: the steps open to the viewer, and the household's timeline.

On the page they are the workflow module's own panels (its inclusion tags build their context, so
the panels look and behave as the module made them); the PDF gets a print version of the timeline
and leaves the forms out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from fupin.dossier.sections import Section, SectionContext, panel_context, register
from fupin.workflow import selectors
from fupin.workflow.templatetags.workflow_panels import household_actions_panel


def actions(ctx: SectionContext) -> Mapping[str, Any]:
    return household_actions_panel(panel_context(ctx), ctx.household)


def timeline(ctx: SectionContext) -> Mapping[str, Any]:
    return {"timeline": list(selectors.household_timeline(ctx.household))}


register(Section("workflow", _("识别与退出流程"), 45, "workflow/_household_actions.html", actions,
                 framed=False, in_pdf=False))
register(Section("timeline", _("流程记录"), 50, "workflow/_timeline.html", timeline,
                 pdf_template="dossier/sections/timeline_pdf.html", framed=False))
