"""The reason of each indicator, rendered in the viewer's language from the stored figures.

A run stores, per household, each indicator's outcome (columns) and the figures the rules read
(``facts``: per-capita income and line in cents, the food/clothing/housing/water answers, the
members a reason names). The sentence is not stored: it is rendered here at display time, with
gettext and named placeholders, so the same result reads 「人均纯收入 3,120.00 元，未超过 2019 年扶贫标准
3,747 元」 in Chinese and in English for an English viewer. Each reason also has a stable code
(``INCOME_NOT_ABOVE_LINE``, ...) and its figures, for the API.

Results stored before this (rule-set RULES-2.0 runs of the first session) kept the Chinese sentence
itself (``HouseholdAssessment.legacy_reasons``); those are shown as they were stored.
See docs/adr/0011-assessment-reasons-rendered-from-figures.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from fupin.assessment.models import INDICATOR_CODES, INDICATOR_LABELS

# The sentence of every reason code, with named placeholders (Chinese source strings).
TEMPLATES: dict[str, Any] = {
    "INCOME_NO_LINE": gettext_lazy("%(year)s 年未设定扶贫标准"),
    "INCOME_NO_RECORD": gettext_lazy("缺少 %(year)s 年收支数据"),
    "INCOME_ABOVE_LINE": gettext_lazy("人均纯收入 %(per_capita)s 元，超过 %(year)s 年扶贫标准 %(line)s 元"),
    "INCOME_NOT_ABOVE_LINE": gettext_lazy("人均纯收入 %(per_capita)s 元，未超过 %(year)s 年扶贫标准 %(line)s 元"),
    "FOOD_CLOTHING_SECURE": gettext_lazy("不愁吃：%(food)s，不愁穿：%(clothing)s"),
    "FOOD_CLOTHING_NOT_SECURE": gettext_lazy("不愁吃：%(food)s，不愁穿：%(clothing)s"),
    "FOOD_CLOTHING_BLANK": gettext_lazy("不愁吃：%(food)s，不愁穿：%(clothing)s"),
    "EDUCATION_OUT_OF_SCHOOL": gettext_lazy("义务教育阶段成员未在校且未送教上门：%(members)s"),
    "EDUCATION_BLANK": gettext_lazy("在校生状况未填写：%(members)s"),
    "EDUCATION_NONE_OF_AGE": gettext_lazy("无义务教育阶段成员"),
    "EDUCATION_ALL_IN_SCHOOL": gettext_lazy("义务教育阶段成员 %(count)s 人均在校或送教上门"),
    "MEDICAL_NOT_INSURED": gettext_lazy("%(count)s 人未参加基本医保：%(members)s"),
    "MEDICAL_BLANK": gettext_lazy("%(count)s 人参保情况未填写：%(members)s"),
    "MEDICAL_ALL_INSURED": gettext_lazy("全部 %(count)s 人参加基本医保"),
    "HOUSING_RELOCATED": gettext_lazy("已易地搬迁"),
    "HOUSING_SAFE_GRADE": gettext_lazy("住房安全等级 %(grade)s"),
    "HOUSING_RENOVATED": gettext_lazy("住房安全等级 %(grade)s，已完成危房改造"),
    "HOUSING_UNSAFE": gettext_lazy("住房安全等级 %(grade)s，未完成危房改造，未易地搬迁"),
    "HOUSING_BLANK": gettext_lazy("住房安全等级未填写，且未易地搬迁"),
    "WATER_SAFE": gettext_lazy("饮水安全：%(value)s"),
    "WATER_UNSAFE": gettext_lazy("饮水安全：%(value)s"),
    "WATER_BLANK": gettext_lazy("饮水安全：%(value)s"),
}
SCHOOLING_LABELS = {"not_in_school": gettext_lazy("非在校生"), "dropped_out": gettext_lazy("辍学")}


@dataclass(frozen=True)
class Reason:
    indicator: str
    """INCOME, FOOD_CLOTHING, ... (RULES.md §2)."""
    outcome: str
    """PASS, FAIL or UNKNOWN."""
    code: str
    """The reason code (a key of ``TEMPLATES``); empty for a result stored as a sentence."""
    figures: dict[str, Any] = field(default_factory=dict)
    """The figures the sentence names, as stored (amounts in cents, answers as true/false/null)."""
    text: str = ""
    """The sentence in the active language."""

    @property
    def label(self) -> str:
        return str(INDICATOR_LABELS[self.indicator])


def fmt_cents(value: int | None) -> str:
    """3,120.00 (and -0.51): amounts named in reasons, two decimals, thousands separated."""
    if value is None:
        return ""
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 100:,}.{value % 100:02d}"


def fmt_line(value: int | None) -> str:
    """A line in yuan: no decimals when whole (3,747), else two."""
    if value is None:
        return ""
    return f"{value // 100:,}" if value % 100 == 0 else fmt_cents(value)


def _answer(value: bool | None) -> str:
    return _("未填写") if value is None else (_("是") if value else _("否"))


def _join(names: list[str]) -> str:
    return pgettext("list separator", "、").join(names)


def _outcome(value: bool | None) -> str:
    return "UNKNOWN" if value is None else ("PASS" if value else "FAIL")


def cents(amount: Decimal | None) -> int | None:
    return None if amount is None else int(amount * 100)


def reason_codes(outcomes: Mapping[str, str], facts: Mapping[str, Any], year: int) -> dict[str, tuple[str, dict[str, Any]]]:
    """{indicator: (reason code, figures)} from the outcomes and the stored facts (with
    ``per_capita_cents`` and ``line_cents``, which a result keeps as columns)."""
    per_capita, line = facts.get("per_capita_cents"), facts.get("line_cents")
    if line is None:
        income: tuple[str, dict[str, Any]] = ("INCOME_NO_LINE", {"year": year})
    elif facts.get("net_cents") is None:
        income = ("INCOME_NO_RECORD", {"year": year})
    else:
        income = ("INCOME_ABOVE_LINE" if outcomes["INCOME"] == "PASS" else "INCOME_NOT_ABOVE_LINE",
                  {"year": year, "per_capita_cents": per_capita, "line_cents": line})
    food = {"food_secure": facts.get("food_secure"), "clothing_secure": facts.get("clothing_secure")}
    food_code = {"PASS": "FOOD_CLOTHING_SECURE", "FAIL": "FOOD_CLOTHING_NOT_SECURE"}.get(
        outcomes["FOOD_CLOTHING"], "FOOD_CLOTHING_BLANK")
    named = facts.get("named") or {}
    edu_fail, edu_unknown = named.get("edu_fail") or [], named.get("edu_unknown") or []
    if outcomes["EDUCATION"] == "FAIL":
        education: tuple[str, dict[str, Any]] = ("EDUCATION_OUT_OF_SCHOOL", {"members": edu_fail})
    elif outcomes["EDUCATION"] == "UNKNOWN":
        education = ("EDUCATION_BLANK", {"members": edu_unknown})
    elif not facts.get("school_age"):
        education = ("EDUCATION_NONE_OF_AGE", {})
    else:
        education = ("EDUCATION_ALL_IN_SCHOOL", {"count": facts.get("school_age")})
    med_no, med_blank = named.get("med_no") or [], named.get("med_blank") or []
    if outcomes["MEDICAL"] == "FAIL":
        medical: tuple[str, dict[str, Any]] = ("MEDICAL_NOT_INSURED", {"count": len(med_no), "members": med_no})
    elif outcomes["MEDICAL"] == "UNKNOWN":
        medical = ("MEDICAL_BLANK", {"count": len(med_blank), "members": med_blank})
    else:
        medical = ("MEDICAL_ALL_INSURED", {"count": facts.get("members")})
    grade = facts.get("housing_grade") or ""
    if facts.get("relocated"):
        housing: tuple[str, dict[str, Any]] = ("HOUSING_RELOCATED", {})
    elif grade in ("A", "B"):
        housing = ("HOUSING_SAFE_GRADE", {"grade": grade})
    elif outcomes["HOUSING"] == "PASS":
        housing = ("HOUSING_RENOVATED", {"grade": grade})
    elif outcomes["HOUSING"] == "FAIL":
        housing = ("HOUSING_UNSAFE", {"grade": grade})
    else:
        housing = ("HOUSING_BLANK", {})
    water = facts.get("safe_water")
    return {
        "INCOME": income, "FOOD_CLOTHING": (food_code, food), "EDUCATION": education, "MEDICAL": medical,
        "HOUSING": housing,
        "WATER": ({"PASS": "WATER_SAFE", "FAIL": "WATER_UNSAFE"}.get(_outcome(water), "WATER_BLANK"),
                  {"safe_water": water}),
    }


def _placeholders(code: str, figures: Mapping[str, Any]) -> dict[str, Any]:
    """The values a template's placeholders take, formatted for the active language."""
    values: dict[str, Any] = dict(figures)
    if "per_capita_cents" in figures:
        values["per_capita"] = fmt_cents(figures["per_capita_cents"])
        values["line"] = fmt_line(figures["line_cents"])
    if code.startswith("FOOD_CLOTHING"):
        values["food"], values["clothing"] = _answer(figures["food_secure"]), _answer(figures["clothing_secure"])
    if code.startswith("WATER"):
        values["value"] = _answer(figures["safe_water"])
    if code == "EDUCATION_OUT_OF_SCHOOL":
        values["members"] = _join([
            _("%(name)s(%(age)s岁，%(schooling)s)") % {
                "name": m["name"], "age": m["age"],
                "schooling": SCHOOLING_LABELS.get(m["schooling"], m["schooling"])}
            for m in figures["members"]])
    elif "members" in figures:
        values["members"] = _join(list(figures["members"]))
    return values


def render(code: str, figures: Mapping[str, Any]) -> str:
    """The sentence of one reason in the active language."""
    return str(TEMPLATES[code]) % _placeholders(code, figures)


def indicator_reasons(outcomes: Mapping[str, str], facts: Mapping[str, Any], year: int,
                      legacy: Mapping[str, str] | None = None) -> list[Reason]:
    """The six reasons, in RULES.md §2 order. ``legacy``: the sentences a result stored before the
    reasons were rendered (shown as stored)."""
    if legacy:
        return [Reason(code, outcomes[code], "", {}, legacy.get(code, "")) for code in INDICATOR_CODES]
    coded = reason_codes(outcomes, facts, year)
    return [Reason(ind, outcomes[ind], coded[ind][0], coded[ind][1], render(*coded[ind])) for ind in INDICATOR_CODES]
