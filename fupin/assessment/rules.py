"""The exit assessment rules (RULES.md §2) over columns.

One code path serves a single household and the whole county: facts are loaded as Polars frames
(households, members, incomes), the rules are column expressions, and the result is one frame with
a row per household. Incomes are compared in integer cents, so every comparison is exact; the
per-capita figure is rounded half-up to the cent before it is compared, as the rule says.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import polars as pl

from fupin.assessment.models import INDICATOR_CODES
from fupin.assessment.params import Params

RULESET_VERSION = "RULES-2.0"
"""Bump when the rules of RULES.md §2 change, so stored results say which rules made them."""

PASS, FAIL, UNKNOWN = "PASS", "FAIL", "UNKNOWN"
NOT_IN_SCHOOL = ("not_in_school", "dropped_out")
SCHOOLING_LABELS = {"not_in_school": "非在校生", "dropped_out": "辍学"}


@dataclass(frozen=True)
class Facts:
    households: pl.DataFrame
    """id, household_no, village_id, food_secure, clothing_secure, housing_grade, housing_renovated,
    relocated, safe_water (booleans may be null)."""
    members: pl.DataFrame
    """household_id, name, birth_date (date), schooling, home_schooling, medical_insurance."""
    incomes: pl.DataFrame
    """household_id, wage, business, property, transfer, expense: integer cents, of the assessed year."""


def _cents(amount: Decimal) -> int:
    return int(amount * 100)


def params_frame(params_by_village: Mapping[int, Params]) -> pl.DataFrame:
    """Per village: the parameter values the rules need, as columns."""
    rows = []
    for village_id, p in params_by_village.items():
        line = p.poverty_line
        as_of = p.as_of
        rows.append((village_id, _cents(line) if line is not None else None, as_of.year,
                     as_of.month * 100 + as_of.day, p.integer("school_age_min"), p.integer("school_age_max"),
                     as_of))
    return pl.DataFrame(rows, orient="row", schema={
        "village_id": pl.Int64, "line_cents": pl.Int64, "asof_year": pl.Int32, "asof_md": pl.Int32,
        "age_min": pl.Int32, "age_max": pl.Int32, "as_of": pl.Date,
    })


def _fmt_cents(value: int | None) -> str:
    if value is None:
        return ""
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 100:,}.{value % 100:02d}"


def _fmt_yuan(value: int | None) -> str:
    """A line in yuan: no decimals when whole (3,747 元), else two."""
    if value is None:
        return ""
    return f"{value // 100:,}" if value % 100 == 0 else _fmt_cents(value)


def _names(expr: pl.Expr) -> pl.Expr:
    return expr.str.join("、")


def age_expr() -> pl.Expr:
    """Age in full years on the reference date, over columns ``birth_date``, ``asof_year`` and ``asof_md``
    (month * 100 + day of the reference date; see :func:`params_frame`)."""
    return (pl.col("asof_year") - pl.col("birth_date").dt.year()
            - ((pl.col("birth_date").dt.month().cast(pl.Int32) * 100 + pl.col("birth_date").dt.day())
               > pl.col("asof_md")).cast(pl.Int32))


def school_age_expr() -> pl.Expr:
    """Of compulsory-school age (``school_age_min``..``school_age_max`` inclusive) on the reference date,
    over columns ``age``, ``age_min`` and ``age_max``. The department cross-check (NOT_ENROLLED) uses it too."""
    return pl.col("age").is_between(pl.col("age_min"), pl.col("age_max"))


def evaluate(facts: Facts, year: int, params_by_village: Mapping[int, Params]) -> pl.DataFrame:
    """One row per household with members on the reference date: outcomes, reasons and verdict."""
    pf = params_frame(params_by_village)
    hh = facts.households.join(pf, on="village_id", how="left")

    # Members present on the reference date, with their age in full years on that date.
    mem = (
        facts.members.join(hh.select("id", "asof_year", "asof_md", "age_min", "age_max", "as_of"),
                           left_on="household_id", right_on="id", how="inner")
        .filter(pl.col("birth_date") <= pl.col("as_of"))
        .with_columns(age=age_expr())
    )
    school_age = school_age_expr()
    home = pl.col("home_schooling").fill_null(False)
    schooling = pl.col("schooling").fill_null("")
    mem = mem.with_columns(
        edu_fail=school_age & schooling.is_in(NOT_IN_SCHOOL) & ~home,
        edu_unknown=school_age & (schooling == "") & ~home,
        edu_desc=pl.format("{}({}岁，{})", pl.col("name"), pl.col("age"),
                           schooling.replace_strict(SCHOOLING_LABELS, default="未填写")),
    )
    per_household = mem.group_by("household_id").agg(
        members=pl.len(),
        school_age=school_age.sum(),
        edu_fail_n=pl.col("edu_fail").sum(),
        edu_unknown_n=pl.col("edu_unknown").sum(),
        edu_fail_who=_names(pl.col("edu_desc").filter(pl.col("edu_fail"))),
        edu_unknown_who=_names(pl.col("name").filter(pl.col("edu_unknown"))),
        med_no_n=(pl.col("medical_insurance") == False).sum(),  # noqa: E712 (a Polars expression)
        med_blank_n=pl.col("medical_insurance").is_null().sum(),
        med_no_who=_names(pl.col("name").filter(pl.col("medical_insurance") == False)),  # noqa: E712
        med_blank_who=_names(pl.col("name").filter(pl.col("medical_insurance").is_null())),
    )
    df = hh.join(per_household, left_on="id", right_on="household_id", how="inner")
    df = df.join(facts.incomes, left_on="id", right_on="household_id", how="left")

    # INCOME: net = wage + business + property + transfer − expense, per head, half-up to the cent.
    net = pl.col("wage") + pl.col("business") + pl.col("property") + pl.col("transfer") - pl.col("expense")
    n = pl.col("members").cast(pl.Int64)
    half_up = (net.abs() * 2 + n) // (n * 2)
    df = df.with_columns(net_cents=net, per_capita_cents=pl.when(net < 0).then(-half_up).otherwise(half_up))
    has_income = pl.col("wage").is_not_null()
    df = df.with_columns(
        income=pl.when(~has_income | pl.col("line_cents").is_null()).then(pl.lit(UNKNOWN))
        .when(pl.col("per_capita_cents") > pl.col("line_cents")).then(pl.lit(PASS)).otherwise(pl.lit(FAIL)),
        food_clothing=pl.when((pl.col("food_secure") == False) | (pl.col("clothing_secure") == False))  # noqa: E712
        .then(pl.lit(FAIL))
        .when(pl.col("food_secure").is_null() | pl.col("clothing_secure").is_null()).then(pl.lit(UNKNOWN))
        .otherwise(pl.lit(PASS)),
        education=pl.when(pl.col("edu_fail_n") > 0).then(pl.lit(FAIL))
        .when(pl.col("edu_unknown_n") > 0).then(pl.lit(UNKNOWN)).otherwise(pl.lit(PASS)),
        medical=pl.when(pl.col("med_no_n") > 0).then(pl.lit(FAIL))
        .when(pl.col("med_blank_n") > 0).then(pl.lit(UNKNOWN)).otherwise(pl.lit(PASS)),
        housing=pl.when(pl.col("relocated").fill_null(False)).then(pl.lit(PASS))
        .when(pl.col("housing_grade").is_in(["A", "B"])).then(pl.lit(PASS))
        .when(pl.col("housing_grade").is_in(["C", "D"]) & pl.col("housing_renovated").fill_null(False))
        .then(pl.lit(PASS))
        .when(pl.col("housing_grade").is_in(["C", "D"])).then(pl.lit(FAIL))
        .otherwise(pl.lit(UNKNOWN)),
        water=pl.when(pl.col("safe_water").is_null()).then(pl.lit(UNKNOWN))
        .when(pl.col("safe_water")).then(pl.lit(PASS)).otherwise(pl.lit(FAIL)),
    )
    codes = [pl.when(pl.col(c.lower()) == FAIL).then(pl.lit(c)) for c in INDICATOR_CODES]
    unknowns = [pl.when(pl.col(c.lower()) == UNKNOWN).then(pl.lit(c)) for c in INDICATOR_CODES]
    df = df.with_columns(
        failed_codes=pl.concat_list(codes).list.drop_nulls().list.sort().list.join(";"),
        unknown_codes=pl.concat_list(unknowns).list.drop_nulls().list.sort().list.join(";"),
    ).with_columns(
        verdict=pl.when(pl.col("failed_codes") != "").then(pl.lit("NOT_ELIGIBLE"))
        .when(pl.col("unknown_codes") != "").then(pl.lit("INSUFFICIENT_DATA"))
        .otherwise(pl.lit("EXIT_ELIGIBLE")),
    )
    return _with_reasons(df, year)


def _with_reasons(df: pl.DataFrame, year: int) -> pl.DataFrame:
    yes_no = {True: "是", False: "否"}
    line_text = pl.Series([_fmt_yuan(v) for v in df["line_cents"].to_list()], dtype=pl.String)
    pc_text = pl.Series([_fmt_cents(v) for v in df["per_capita_cents"].to_list()], dtype=pl.String)
    df = df.with_columns(_line=line_text, _pc=pc_text)

    def flag(name: str) -> pl.Expr:
        return pl.col(name).replace_strict(yes_no, default="未填写", return_dtype=pl.String)

    income = (
        pl.when(pl.col("line_cents").is_null()).then(pl.lit(f"{year} 年未设定扶贫标准"))
        .when(pl.col("wage").is_null()).then(pl.lit(f"缺少 {year} 年收支数据"))
        .when(pl.col("income") == PASS)
        .then(pl.format(f"人均纯收入 {{}} 元，超过 {year} 年扶贫标准 {{}} 元", pl.col("_pc"), pl.col("_line")))
        .otherwise(pl.format(f"人均纯收入 {{}} 元，未超过 {year} 年扶贫标准 {{}} 元", pl.col("_pc"), pl.col("_line")))
    )
    food = pl.format("不愁吃：{}，不愁穿：{}", flag("food_secure"), flag("clothing_secure"))
    education = (
        pl.when(pl.col("education") == FAIL)
        .then(pl.format("义务教育阶段成员未在校且未送教上门：{}", pl.col("edu_fail_who")))
        .when(pl.col("education") == UNKNOWN).then(pl.format("在校生状况未填写：{}", pl.col("edu_unknown_who")))
        .when(pl.col("school_age") == 0).then(pl.lit("无义务教育阶段成员"))
        .otherwise(pl.format("义务教育阶段成员 {} 人均在校或送教上门", pl.col("school_age")))
    )
    medical = (
        pl.when(pl.col("medical") == FAIL).then(pl.format("{} 人未参加基本医保：{}", pl.col("med_no_n"), pl.col("med_no_who")))
        .when(pl.col("medical") == UNKNOWN)
        .then(pl.format("{} 人参保情况未填写：{}", pl.col("med_blank_n"), pl.col("med_blank_who")))
        .otherwise(pl.format("全部 {} 人参加基本医保", pl.col("members")))
    )
    grade = pl.col("housing_grade").fill_null("")
    housing = (
        pl.when(pl.col("relocated").fill_null(False)).then(pl.lit("已易地搬迁"))
        .when(grade.is_in(["A", "B"])).then(pl.format("住房安全等级 {}", grade))
        .when(pl.col("housing") == PASS).then(pl.format("住房安全等级 {}，已完成危房改造", grade))
        .when(pl.col("housing") == FAIL).then(pl.format("住房安全等级 {}，未完成危房改造，未易地搬迁", grade))
        .otherwise(pl.lit("住房安全等级未填写，且未易地搬迁"))
    )
    water = (pl.when(pl.col("water") == PASS).then(pl.lit("饮水安全：是"))
             .when(pl.col("water") == FAIL).then(pl.lit("饮水安全：否")).otherwise(pl.lit("饮水安全：未填写")))
    return df.with_columns(
        reasons=pl.struct(INCOME=income, FOOD_CLOTHING=food, EDUCATION=education, MEDICAL=medical,
                          HOUSING=housing, WATER=water).struct.json_encode(),
        facts=pl.struct(
            members="members", school_age="school_age", net_cents="net_cents",
            per_capita_cents="per_capita_cents", line_cents="line_cents", as_of=pl.col("as_of").cast(pl.String),
            housing_grade=grade, relocated="relocated", housing_renovated="housing_renovated",
        ).struct.json_encode(),
    ).drop("_line", "_pc")
