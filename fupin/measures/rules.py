"""Eligibility rules of the programmes (REFERENCE §8), one rule per key, each written once, as data.

A rule is an ordered list of requirements (:class:`Require`): a condition over the facts of a member
(:class:`Person`) and of the household (:class:`HouseFacts`) and the policy parameters in force, and
the reason given (Chinese / English) when the condition fails; the first failing requirement names
the refusal, ``None`` means eligible.

Conditions are built from a handful of primitives (a fact among some values, a yes/no fact, an age
between two parameters; all of, any of, not), and each primitive reads the same description two ways:

- ``holds``: for one beneficiary. The record form, the API, department files and the suggestions call
  :func:`check` / :func:`eligible_people` (through ``services.validate``).
- ``expr``: a Polars expression over columns, for a whole population at once (应享未享 in
  :mod:`fupin.measures.coverage`). The columns are named as the facts and as the parameters, with the
  reference day as ``asof_year`` / ``asof_md`` (see :func:`params_frame`).

So a rule cannot say one thing in the form and another in the county figures; ``tests/test_rules_agree.py``
runs both readings over a planted population covering every rule and its boundaries.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from fupin.assessment.params import Params
from fupin.assessment.rules import age_expr


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


PERSON_FACTS = ("birth_date", "schooling", "health", "disability_level", "labour", "dibao")
HOUSE_FACTS = ("attribute", "housing_grade", "housing_renovated")
"""The facts a condition may read; in a frame, the column names (a member's row carries its household's)."""


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


COMPULSORY = frozenset({"primary", "grade_7", "grade_8", "grade_9"})
DIBAO_ATTRIBUTES = frozenset({"dibao_poor", "dibao_tekun_poor"})
TEKUN_ATTRIBUTES = frozenset({"tekun_poor", "dibao_tekun_poor"})


@dataclass(frozen=True)
class Subject:
    """One beneficiary under a rule: a member (None for a household rule), the household, the
    parameters in force and the day the rule is read on."""

    person: Person | None
    house: HouseFacts
    params: Params
    day: date

    def fact(self, name: str) -> Any:
        if name in HOUSE_FACTS:
            return getattr(self.house, name)
        if self.person is None:
            raise ValueError(f"a household rule reads the member fact {name}")
        return getattr(self.person, name)

    @property
    def age(self) -> int:
        return age_on(self.fact("birth_date"), self.day)


# --- conditions: one description, two readings ------------------------------------------------------

class Cond(ABC):
    """A condition read two ways: for one subject (``holds``) and over columns (``expr``)."""

    @abstractmethod
    def holds(self, s: Subject) -> bool: ...

    @abstractmethod
    def expr(self) -> pl.Expr:
        """The condition over columns; never null (an unknown fact does not satisfy it)."""

    @abstractmethod
    def facts(self) -> frozenset[str]: ...

    def params(self) -> frozenset[str]:
        return frozenset()


@dataclass(frozen=True)
class OneOf(Cond):
    """The fact is one of ``values`` (a blank or unknown fact is not)."""

    fact: str
    values: frozenset[str]

    def holds(self, s: Subject) -> bool:
        return s.fact(self.fact) in self.values

    def expr(self) -> pl.Expr:
        return pl.col(self.fact).is_in(sorted(self.values)).fill_null(False)

    def facts(self) -> frozenset[str]:
        return frozenset({self.fact})


@dataclass(frozen=True)
class Flag(Cond):
    """A yes/no fact that is yes (unknown counts as no)."""

    fact: str

    def holds(self, s: Subject) -> bool:
        return bool(s.fact(self.fact))

    def expr(self) -> pl.Expr:
        return pl.col(self.fact).fill_null(False)

    def facts(self) -> frozenset[str]:
        return frozenset({self.fact})


@dataclass(frozen=True)
class AgeBetween(Cond):
    """Age in full years on the day, between the parameters ``low`` and ``high`` inclusive."""

    low: str
    high: str

    def holds(self, s: Subject) -> bool:
        return s.params.integer(self.low) <= s.age <= s.params.integer(self.high)

    def expr(self) -> pl.Expr:
        return age_expr().is_between(pl.col(self.low), pl.col(self.high)).fill_null(False)

    def facts(self) -> frozenset[str]:
        return frozenset({"birth_date"})

    def params(self) -> frozenset[str]:
        return frozenset({self.low, self.high})


@dataclass(frozen=True)
class Not(Cond):
    cond: Cond

    def holds(self, s: Subject) -> bool:
        return not self.cond.holds(s)

    def expr(self) -> pl.Expr:
        return ~self.cond.expr()

    def facts(self) -> frozenset[str]:
        return self.cond.facts()

    def params(self) -> frozenset[str]:
        return self.cond.params()


@dataclass(frozen=True)
class _Group(Cond):
    conds: tuple[Cond, ...]

    def facts(self) -> frozenset[str]:
        return frozenset().union(*(c.facts() for c in self.conds))

    def params(self) -> frozenset[str]:
        return frozenset().union(*(c.params() for c in self.conds))


@dataclass(frozen=True)
class AllOf(_Group):
    def holds(self, s: Subject) -> bool:
        return all(c.holds(s) for c in self.conds)

    def expr(self) -> pl.Expr:
        return pl.all_horizontal([c.expr() for c in self.conds])


@dataclass(frozen=True)
class AnyOf(_Group):
    def holds(self, s: Subject) -> bool:
        return any(c.holds(s) for c in self.conds)

    def expr(self) -> pl.Expr:
        return pl.any_horizontal([c.expr() for c in self.conds])


Reason = str | Callable[[Subject], str]


@dataclass(frozen=True)
class Require:
    cond: Cond
    reason: Reason
    """Why a beneficiary failing ``cond`` does not qualify, or a function of the subject giving it."""

    def refusal(self, s: Subject) -> str:
        return self.reason if isinstance(self.reason, str) else self.reason(s)


@dataclass(frozen=True)
class Rule:
    requires: tuple[Require, ...]

    def why(self, s: Subject) -> str | None:
        for r in self.requires:
            if not r.cond.holds(s):
                return r.refusal(s)
        return None

    def expr(self) -> pl.Expr:
        """True for the rows (members, or households) that qualify."""
        return pl.all_horizontal([r.cond.expr() for r in self.requires])

    def facts(self) -> frozenset[str]:
        return frozenset().union(*(r.cond.facts() for r in self.requires))

    def params(self) -> frozenset[str]:
        return frozenset().union(*(r.cond.params() for r in self.requires))

    def narrowing(self, facts: Iterable[str]) -> OneOf | None:
        """A condition "one of ``facts`` is among some values" that every qualifying beneficiary meets (the
        first requirement of that form, alone or inside an all-of), so that a reader may fetch only the rows
        meeting it before the rule decides; None if the rule has none."""
        among = set(facts)
        for r in self.requires:
            for c in r.cond.conds if isinstance(r.cond, AllOf) else (r.cond,):
                if isinstance(c, OneOf) and c.fact in among:
                    return c
        return None


@dataclass(frozen=True)
class MemberRule(Rule):
    def __call__(self, p: Person, h: HouseFacts, params: Params, day: date) -> str | None:
        return self.why(Subject(p, h, params, day))


@dataclass(frozen=True)
class HouseholdRule(Rule):
    def __post_init__(self) -> None:
        if not self.facts() <= set(HOUSE_FACTS):
            raise ValueError(f"a household rule reads only household facts, not {sorted(self.facts() - set(HOUSE_FACTS))}")

    def __call__(self, h: HouseFacts, params: Params, day: date) -> str | None:
        return self.why(Subject(None, h, params, day))


# --- the rules --------------------------------------------------------------------------------------

def _schooling(allowed: Iterable[str], zh: str, en: str) -> Require:
    return Require(OneOf("schooling", frozenset(allowed)), f"该成员不是{zh} / this member is not {en}")


def _ages(low: str, high: str, what: str, what_en: str) -> Require:
    def reason(s: Subject) -> str:
        lo, hi = s.params.integer(low), s.params.integer(high)
        return f"{what}须年满 {lo} 至 {hi} 周岁（该成员 {s.age} 岁）/ {what_en} is for ages {lo}-{hi} (this member is {s.age})"
    return Require(AgeBetween(low, high), reason)


def _housing_grade(s: Subject) -> str:
    grade = s.house.housing_grade
    return (f"危房改造限 C、D 级危房（该户：{grade or '未鉴定'}）/ renovation is for houses graded C or D "
            f"(this one: {grade or 'not appraised'})")


IS_DISABLED = Require(OneOf("health", frozenset({"disabled"})), "该成员不是残疾人 / this member is not disabled")

preschool = MemberRule((
    _schooling({"preschool"}, "在园幼儿", "in preschool"),
    _ages("measure_preschool_age_min", "measure_preschool_age_max", "学前教育资助", "preschool aid"),
))
compulsory_school = MemberRule((
    _schooling(COMPULSORY, "义务教育在校生", "a compulsory-school pupil"),
    _ages("school_age_min", "school_age_max", "义务教育阶段补助", "compulsory-school aid"),
))
high_school = MemberRule((_schooling({"senior"}, "普通高中在校生", "a high-school student"),))
vocational = MemberRule((_schooling({"secondary_vocational", "higher_vocational"}, "中职或高职在校生",
                                    "a vocational student"),))
college = MemberRule((_schooling({"college", "higher_vocational"}, "高校在校生", "a college student"),))
dropout = MemberRule((_schooling({"dropped_out"}, "辍学学生", "a dropout"),))
serious_illness = MemberRule((Require(OneOf("health", frozenset({"serious"})),
                                      "该成员未患大病 / this member has no serious illness"),))
chronic_illness = MemberRule((Require(OneOf("health", frozenset({"chronic"})),
                                      "该成员未患长期慢性病 / this member has no chronic illness"),))
disabled = MemberRule((IS_DISABLED,))
disabled_dibao = MemberRule((
    IS_DISABLED,
    Require(AnyOf((OneOf("attribute", DIBAO_ATTRIBUTES), Flag("dibao"))),
            "困难残疾人生活补贴限低保家庭中的残疾人 / the living subsidy is for disabled people in 低保 households"),
))
severe_disability = MemberRule((
    Require(AllOf((OneOf("health", frozenset({"disabled"})), OneOf("disability_level", frozenset({"1", "2"})))),
            "重度残疾人护理补贴限一级、二级残疾人 / the nursing subsidy is for disability grades 1 and 2"),
))
working_age = MemberRule((
    Require(Not(OneOf("labour", frozenset({"lost", "none"}))), "该成员无劳动能力 / this member cannot work"),
    _ages("measure_working_age_min", "measure_working_age_max", "就业帮扶", "employment help"),
))
dibao_household = HouseholdRule((Require(OneOf("attribute", DIBAO_ATTRIBUTES),
                                         "户属性不是低保户 / the household is not a 低保 household"),))
tekun_household = HouseholdRule((Require(OneOf("attribute", TEKUN_ATTRIBUTES),
                                         "户属性不是特困供养户 / the household is not a 特困 household"),))
housing_cd = HouseholdRule((
    Require(OneOf("housing_grade", frozenset({"C", "D"})), _housing_grade),
    Require(Not(Flag("housing_renovated")), "该户已完成危房改造 / this house has already been renovated"),
))

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


# --- the vectorised reading's inputs ----------------------------------------------------------------

def params_frame(params_by_village: Mapping[int, Params], names: Iterable[str]) -> pl.DataFrame:
    """Per village: the reference day (``asof_year``, ``asof_md`` = month * 100 + day, as
    :func:`fupin.assessment.rules.age_expr` reads it) and the integer parameters ``names``, one column each."""
    wanted = sorted(set(names))
    rows = [(vid, p.as_of.year, p.as_of.month * 100 + p.as_of.day, *(p.integer(n) for n in wanted))
            for vid, p in sorted(params_by_village.items())]
    schema: dict[str, Any] = {"village_id": pl.Int64, "asof_year": pl.Int32, "asof_md": pl.Int32}
    schema |= {n: pl.Int32 for n in wanted}
    return pl.DataFrame(rows, schema=schema, orient="row")
