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


@dataclass(frozen=True)
class Facts:
    households: pl.DataFrame
    """id, household_no, village_id, food_secure, clothing_secure, housing_grade, housing_renovated,
    relocated, safe_water (booleans may be null)."""
    members: pl.DataFrame | pl.LazyFrame
    """household_id, name, birth_date (date), schooling, home_schooling, medical_insurance."""
    incomes: pl.DataFrame | pl.LazyFrame
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
    """One row per household with members on the reference date: outcomes, verdict and the facts
    the reasons are rendered from (``fupin.assessment.reasons``), as one lazy query."""
    pf = params_frame(params_by_village).lazy()
    hh = facts.households.lazy().join(pf, on="village_id", how="left")

    # Members present on the reference date, with their age in full years on that date.
    mem = (
        facts.members.lazy().join(hh.select("id", "asof_year", "asof_md", "age_min", "age_max", "as_of"),
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
        schooling=schooling,
    )
    insured = pl.col("medical_insurance")
    per_household = mem.group_by("household_id").agg(
        members=pl.len(),
        school_age=school_age.sum(),
        # The members a reason names: (name, age, schooling) of those out of school, names otherwise.
        edu_fail=pl.struct("name", "age", "schooling").filter(pl.col("edu_fail")),
        edu_unknown=pl.col("name").filter(pl.col("edu_unknown")),
        med_no=pl.col("name").filter(insured == False),  # noqa: E712 (a Polars expression)
        med_blank=pl.col("name").filter(insured.is_null()),
    )
    df = hh.join(per_household, left_on="id", right_on="household_id", how="inner")
    df = df.join(facts.incomes.lazy(), left_on="id", right_on="household_id", how="left")

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
        education=pl.when(pl.col("edu_fail").list.len() > 0).then(pl.lit(FAIL))
        .when(pl.col("edu_unknown").list.len() > 0).then(pl.lit(UNKNOWN)).otherwise(pl.lit(PASS)),
        medical=pl.when(pl.col("med_no").list.len() > 0).then(pl.lit(FAIL))
        .when(pl.col("med_blank").list.len() > 0).then(pl.lit(UNKNOWN)).otherwise(pl.lit(PASS)),
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
    # The facts the reasons are rendered from, kept for replay, compact (a county run writes
    # 300,000 of them): the per-capita income, the line and the member count are columns of their
    # own; the members a reason names are added only when there are some.
    base = pl.struct(
        "members", "school_age", "net_cents", "food_secure", "clothing_secure",
        housing_grade=pl.col("housing_grade").fill_null(""), relocated="relocated",
        housing_renovated="housing_renovated", safe_water="safe_water",
    ).struct.json_encode()
    named_lists = ("edu_fail", "edu_unknown", "med_no", "med_blank")
    anyone = pl.any_horizontal([pl.col(c).list.len() > 0 for c in named_lists])
    named = pl.struct(*named_lists).struct.json_encode()
    df = df.with_columns(
        facts=pl.when(anyone).then(base.str.strip_suffix("}") + pl.lit(',"named":') + named + pl.lit("}"))
        .otherwise(base),
    )
    return df.drop("edu_fail", "edu_unknown", "med_no", "med_blank").collect()
