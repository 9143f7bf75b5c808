"""Eligibility rules of the programmes (REFERENCE §8), one function per rule key.

A rule reads plain facts (a :class:`Person` or the household's :class:`HouseFacts`) and the policy
parameters in force, and answers ``None`` (eligible) or the reason for refusal, in Chinese and
English. The same functions serve the record form, department files, suggestions and 应享未享, so
the one rule decides everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from fupin.assessment.params import Params


@dataclass(frozen=True)
class Person:
    pk: int
    birth_date: date
    schooling: str
    health: str
    disability_level: str
    labour: str
    dibao: bool | None


@dataclass(frozen=True)
class HouseFacts:
    attribute: str
    housing_grade: str
    housing_renovated: bool | None
    members: tuple[Person, ...]


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


COMPULSORY = frozenset({"primary", "grade_7", "grade_8", "grade_9"})
DIBAO_ATTRIBUTES = frozenset({"dibao_poor", "dibao_tekun_poor"})
TEKUN_ATTRIBUTES = frozenset({"tekun_poor", "dibao_tekun_poor"})

MemberRule = Callable[[Person, HouseFacts, Params, date], str | None]
HouseholdRule = Callable[[HouseFacts, Params, date], str | None]


def _age_between(p: Person, day: date, low: int, high: int, what: str, what_en: str) -> str | None:
    age = age_on(p.birth_date, day)
    if low <= age <= high:
        return None
    return f"{what}须年满 {low} 至 {high} 周岁（该成员 {age} 岁）/ {what_en} is for ages {low}-{high} (this member is {age})"


def _schooling(p: Person, allowed: frozenset[str], zh: str, en: str) -> str | None:
    return None if p.schooling in allowed else f"该成员不是{zh} / this member is not {en}"


def preschool(p: Person, h: HouseFacts, params: Params, day: date) -> str | None:
    return _schooling(p, frozenset({"preschool"}), "在园幼儿", "in preschool") or _age_between(
        p, day, params.integer("measure_preschool_age_min"), params.integer("measure_preschool_age_max"),
        "学前教育资助", "preschool aid")


def compulsory_school(p: Person, h: HouseFacts, params: Params, day: date) -> str | None:
    return _schooling(p, COMPULSORY, "义务教育在校生", "a compulsory-school pupil") or _age_between(
        p, day, params.integer("school_age_min"), params.integer("school_age_max"), "义务教育阶段补助",
        "compulsory-school aid")


def high_school(p: Person, h: HouseFacts, params: Params, day: date) -> str | None:
    return _schooling(p, frozenset({"senior"}), "普通高中在校生", "a high-school student")


def vocational(p: Person, h: HouseFacts, params: Params, day: date) -> str | None:
    return _schooling(p, frozenset({"secondary_vocational", "higher_vocational"}), "中职或高职在校生",
                      "a vocational student")


def college(p: Person, h: HouseFacts, params: Params, day: date) -> str | None:
    return _schooling(p, frozenset({"college", "higher_vocational"}), "高校在校生", "a college student")


def dropout(p: Person, h: HouseFacts, params: Params, day: date) -> str | None:
    return _schooling(p, frozenset({"dropped_out"}), "辍学学生", "a dropout")


def serious_illness(p: Person, h: HouseFacts, params: Params, day: date) -> str | None:
    return None if p.health == "serious" else "该成员未患大病 / this member has no serious illness"


def chronic_illness(p: Person, h: HouseFacts, params: Params, day: date) -> str | None:
    return None if p.health == "chronic" else "该成员未患长期慢性病 / this member has no chronic illness"


def disabled(p: Person, h: HouseFacts, params: Params, day: date) -> str | None:
    return None if p.health == "disabled" else "该成员不是残疾人 / this member is not disabled"


def disabled_dibao(p: Person, h: HouseFacts, params: Params, day: date) -> str | None:
    if p.health != "disabled":
        return disabled(p, h, params, day)
    if h.attribute in DIBAO_ATTRIBUTES or p.dibao:
        return None
    return "困难残疾人生活补贴限低保家庭中的残疾人 / the living subsidy is for disabled people in 低保 households"


def severe_disability(p: Person, h: HouseFacts, params: Params, day: date) -> str | None:
    if p.health == "disabled" and p.disability_level in ("1", "2"):
        return None
    return "重度残疾人护理补贴限一级、二级残疾人 / the nursing subsidy is for disability grades 1 and 2"


def working_age(p: Person, h: HouseFacts, params: Params, day: date) -> str | None:
    if p.labour in ("lost", "none"):
        return "该成员无劳动能力 / this member cannot work"
    return _age_between(p, day, params.integer("measure_working_age_min"), params.integer("measure_working_age_max"),
                        "就业帮扶", "employment help")


def dibao_household(h: HouseFacts, params: Params, day: date) -> str | None:
    if h.attribute in DIBAO_ATTRIBUTES:
        return None
    return "户属性不是低保户 / the household is not a 低保 household"


def tekun_household(h: HouseFacts, params: Params, day: date) -> str | None:
    if h.attribute in TEKUN_ATTRIBUTES:
        return None
    return "户属性不是特困供养户 / the household is not a 特困 household"


def housing_cd(h: HouseFacts, params: Params, day: date) -> str | None:
    if h.housing_grade not in ("C", "D"):
        return (f"危房改造限 C、D 级危房（该户：{h.housing_grade or '未鉴定'}）/ renovation is for houses graded C or D "
                f"(this one: {h.housing_grade or 'not appraised'})")
    if h.housing_renovated:
        return "该户已完成危房改造 / this house has already been renovated"
    return None


MEMBER_RULES: dict[str, MemberRule] = {
    "preschool": preschool, "compulsory_school": compulsory_school, "high_school": high_school,
    "vocational": vocational, "college": college, "dropout": dropout, "serious_illness": serious_illness,
    "chronic_illness": chronic_illness, "disabled": disabled, "disabled_dibao": disabled_dibao,
    "severe_disability": severe_disability, "working_age": working_age,
}
HOUSEHOLD_RULES: dict[str, HouseholdRule] = {
    "dibao_household": dibao_household, "tekun_household": tekun_household, "housing_cd": housing_cd,
}
RULES = frozenset(MEMBER_RULES) | frozenset(HOUSEHOLD_RULES)


def check(rule: str, person: Person | None, house: HouseFacts, params: Params, day: date) -> str | None:
    """Why the beneficiary does not qualify under ``rule``, or None. A member rule needs a person."""
    if not rule:
        return None
    if rule in HOUSEHOLD_RULES:
        return HOUSEHOLD_RULES[rule](house, params, day)
    if person is None:
        return "该项目须指定受益成员 / this programme needs a member"
    return MEMBER_RULES[rule](person, house, params, day)


def eligible_people(rule: str, house: HouseFacts, params: Params, day: date) -> list[int]:
    """The pks of the members of ``house`` who qualify under a member rule."""
    fn = MEMBER_RULES[rule]
    return [p.pk for p in house.members if fn(p, house, params, day) is None]
