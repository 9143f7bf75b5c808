"""The registry's own sections: basic facts, members, incomes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from fupin.accounts.access import can
from fupin.accounts.roles import Cap
from fupin.assessment.services import poverty_lines
from fupin.dossier.charts import bar_chart_svg
from fupin.dossier.sections import Section, SectionContext, register
from fupin.dossier.selectors import income_chart_data, income_series
from fupin.registry import codes
from fupin.registry.editing import income_years


def may_edit(ctx: SectionContext) -> bool:
    """Whether the page offers the registry's edit forms (never the PDF)."""
    return not ctx.for_pdf and can(ctx.user, Cap.REGISTRY_EDIT)


def facts(ctx: SectionContext) -> Mapping[str, Any]:
    h = ctx.household
    village = h.village
    township = village.parent
    other = [str(label) for c, label in codes.shown(codes.Cause.choices) if c in (h.other_causes or [])]
    return {
        "county": township.parent if township else None,
        "township": township,
        "village": village,
        "other_causes": other,
        "member_count": ctx.household.member_total,
        "can_edit": may_edit(ctx),
    }


def members(ctx: SectionContext) -> Mapping[str, Any]:
    rows = [{"member": m, "id_number": m.id_number if ctx.reveal else m.masked_id, "age": m.age_on(ctx.today)}
            for m in ctx.members]
    return {"rows": rows, "member_total": ctx.household.member_total, "can_edit": may_edit(ctx),
            "others": any(m.relation != codes.Relation.HEAD for m in ctx.members)}


def incomes(ctx: SectionContext) -> Mapping[str, Any]:
    lines = poverty_lines(ctx.household.village, [r.year for r in ctx.incomes]) if ctx.incomes else {}
    points = income_series(ctx.incomes, ctx.household.member_total, lines)
    values: dict[str, Any] = {"points": points, "member_count": ctx.household.member_total,
                              "has_lines": any(p.poverty_line is not None for p in points)}
    if may_edit(ctx):
        values["edit_years"] = list(income_years())
    if ctx.for_pdf:
        values["svg"] = bar_chart_svg(
            [str(p.year) for p in points], [p.per_capita for p in points], unit=_t("人均纯收入(元)"),
            line=[p.poverty_line for p in points], line_label=_t("扶贫标准"),
        ) if points else ""
    else:
        values["chart"] = income_chart_data(points, {
            "perCapita": _t("人均纯收入(元)"), "net": _t("家庭纯收入(元)"), "line": _t("扶贫标准(元)"),
        })
    return values


register(Section("facts", _("基本情况"), 10, "dossier/sections/facts.html", facts, as_of=True))
register(Section("members", _("家庭成员"), 20, "dossier/sections/members.html", members, as_of=True))
register(Section("incomes", _("收入情况"), 30, "dossier/sections/incomes.html", incomes, capability=Cap.SEES_INCOMES,
                 as_of=True))
