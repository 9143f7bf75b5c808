"""The household file is a column of sections; each module contributes its own.

A section is data: a key, a title, an order, a template and a context function that reads what the
section shows for one household. Modules register sections in ``fupin/dossier/providers/<module>.py``
(every module there is imported at start-up, so adding a file is enough; the page and the PDF loop
over the registry and never name a section). The dossier sits above the modules whose data it
shows, so a provider may import their selectors; the modules themselves never import the dossier.

Sections that the programme needs but whose module is not built yet are listed in ``PLANNED``: until
a provider registers the same key, the page shows them with an honest "本模块建设中" placeholder,
so nobody mistakes an empty section for "no measures" or "not monitored".
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template import Context
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from fupin.accounts.access import can
from fupin.accounts.roles import FIELD_GROUPS
from fupin.core.actors import Viewer

PLACEHOLDER_TEMPLATE = "dossier/sections/_placeholder.html"


@dataclass(frozen=True)
class SectionContext:
    """What every section may read: the household as the page loaded it, and who is looking.

    ``members`` and ``incomes`` are already loaded (one query each), so sections do not query them
    again. ``reveal`` is True only when the viewer may see full ID numbers and asked to, on the page;
    the PDF always has it False. ``as_of`` is set when the page shows the household as it stood on that
    day: ``household``, ``members`` and ``incomes`` are then as they were (``registry.history``), ``today``
    is that day, and only the sections that can draw a past day are shown (``Section.as_of``).
    """

    user: Viewer
    household: Any
    members: list[Any]
    incomes: list[Any]
    reveal: bool = False
    for_pdf: bool = False
    today: date = field(default_factory=timezone.localdate)
    request: HttpRequest | None = None
    as_of: date | None = None


ContextFunction = Callable[[SectionContext], Mapping[str, Any]]


@dataclass(frozen=True)
class Section:
    key: str
    title: str | Promise
    order: int
    template: str = PLACEHOLDER_TEMPLATE
    context: ContextFunction | None = None  # None: the module is not built yet (placeholder)
    pdf_template: str = ""  # defaults to ``template``; the template may also test ``for_pdf``
    in_pdf: bool = True
    capability: str = ""  # only users holding it see the section
    planned: str | Promise = ""  # placeholders: what the section will show once its module lands
    # On the page, a framed section is drawn in a card under its title; an unframed one draws its own
    # (a module's existing panel). The PDF always frames, so an unframed section needs a
    # ``pdf_template`` of its own or ``in_pdf=False``.
    framed: bool = True
    # Drawn from the SectionContext's household, members and incomes alone, so it can show a past day (``as_of``).
    as_of: bool = False

    @property
    def is_placeholder(self) -> bool:
        return self.context is None


@dataclass(frozen=True)
class RenderedSection:
    key: str
    title: str | Promise
    html: SafeString
    is_placeholder: bool
    framed: bool = True


# Sections the household file must have, in their places, before their modules exist.
PLANNED: dict[str, Section] = {
    s.key: s for s in (
        Section("measures", _("帮扶措施"), 70, planned=_("产业、就业、教育、健康、住房、金融等帮扶措施及落实情况。")),
        Section("monitoring", _("防返贫监测"), 80, planned=_("监测预警信号、风险类型、监测帮扶及风险消除情况。")),
    )
}

_REGISTRY: dict[str, Section] = {}


def register(section: Section) -> Section:
    """Add a section, or replace the one with the same key (a module replacing its placeholder)."""
    _REGISTRY[section.key] = section
    return section


def sections() -> list[Section]:
    """Every section in page order: registered ones, and placeholders for planned keys still unclaimed."""
    merged = {**PLANNED, **_REGISTRY}
    return sorted(merged.values(), key=lambda s: (s.order, s.key))


def panel_context(ctx: SectionContext) -> Context:
    """What a module's inclusion tag expects of the page's template context: the request and the
    CSRF token (passed explicitly, so the panel's forms post with a valid token)."""
    values: dict[str, Any] = {"request": ctx.request}
    if ctx.request is not None:
        values["csrf_token"] = get_token(ctx.request)
    return Context(values)


def discover_providers() -> None:
    """Import every module of ``fupin.dossier.providers``; each registers its sections on import."""
    from fupin.dossier import providers

    for module in pkgutil.iter_modules(providers.__path__):
        importlib.import_module(f"{providers.__name__}.{module.name}")


def render_sections(ctx: SectionContext) -> list[RenderedSection]:
    """Each section the viewer may see, rendered (the page and the PDF share this)."""
    rendered = []
    sees = {group: can(ctx.user, capability) for group, capability in FIELD_GROUPS.items()}
    for section in sections():
        if (ctx.for_pdf and not section.in_pdf) or (ctx.as_of is not None and not section.as_of):
            continue
        if section.capability and not can(ctx.user, section.capability):
            continue
        template = (section.pdf_template or section.template) if ctx.for_pdf else section.template
        values: dict[str, Any] = {"section": section, "household": ctx.household, "for_pdf": ctx.for_pdf,
                                  "reveal": ctx.reveal, "sees": sees, "as_of": ctx.as_of}
        if section.context is not None:
            values.update(section.context(ctx))
        html = render_to_string(template, values, request=ctx.request)
        rendered.append(RenderedSection(section.key, section.title, SafeString(html), section.is_placeholder,
                                        section.framed or ctx.for_pdf))
    return rendered
