"""Return-to-poverty monitoring rules (RULES.md §4) over columns.

The exit assessment's column rules (``fupin.assessment.rules.evaluate``) compute the per-capita net
income and the EDUCATION / MEDICAL / HOUSING / WATER indicators; this module reuses them and adds
the monitoring risks and the category. One code path serves the whole county and one household.

All money is integer cents and every comparison is exact:
- INCOME_BELOW_LINE: per-capita income of Y (cents) < monitoring line of Y (cents);
- INCOME_DROP: pc(Y) < (1 − r) × pc(Y−1), with r = p/q a decimal ratio, compared as
  pc(Y) × q < (q − p) × pc(Y−1) in integers;
- RIGID_EXPENSE: medical out-of-pocket + education spending + disaster losses of Y (blank counts
  as 0) > the household's total net income of Y−1, or of Y when Y−1 is not recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import polars as pl

from fupin.assessment import rules as exit_rules
from fupin.assessment.params import Params

RULESET_VERSION = "RULES-4.0"
"""Bump when the rules of RULES.md §4 change, so stored results say which rules made them."""

RISK_CODES = ("INCOME_BELOW_LINE", "INCOME_DROP", "RIGID_EXPENSE", "EDUCATION", "MEDICAL", "HOUSING", "WATER",
              "DEPT_SIGNAL")
"""RULES.md §4; labels are ``fupin.monitoring.models.Risk``."""
INDICATOR_RISKS = ("EDUCATION", "MEDICAL", "HOUSING", "WATER")
CATEGORY_CODES = ("UNSTABLE_EXITED", "EDGE", "SUDDEN_HARDSHIP")
EXITED = "exited"


@dataclass(frozen=True)
class MonitoringFacts:
    facts: exit_rules.Facts
    """The exit-assessment facts of year Y (households carry their ``status``)."""
    previous_incomes: pl.DataFrame
    """household_id, wage, business, property, transfer, expense (cents) of Y−1."""
    rigid: pl.DataFrame
    """household_id, rigid_cents: medical out-of-pocket + education + disaster losses of Y (cents)."""


def _ratio_parts(ratio: Decimal) -> tuple[int, int]:
    """A decimal ratio as (p, q) integers with ratio = p / q exactly."""
    sign, digits, exponent = ratio.as_tuple()
    assert isinstance(exponent, int)
    p = int("".join(map(str, digits)) or "0")
    q = 1
    if exponent >= 0:
        p *= 10 ** exponent
    else:
        q = 10 ** (-exponent)
    return (-p if sign else p), q


def _shift_year(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def monitoring_params_frame(params_by_village: Mapping[int, Params]) -> pl.DataFrame:
    rows = []
    for village_id, p in params_by_village.items():
        line = p.money("monitoring_line")
        num, den = _ratio_parts(Decimal(str(p.values["income_drop_ratio"])))
        rows.append((village_id, int(line * 100) if line is not None else None, num, den))
    return pl.DataFrame(rows, orient="row", schema={"village_id": pl.Int64, "mline_cents": pl.Int64,
                                                     "drop_num": pl.Int64, "drop_den": pl.Int64})


def evaluate(mfacts: MonitoringFacts, year: int, params_by_village: Mapping[int, Params],
             signal_household_ids: Iterable[int] | pl.Series = ()) -> pl.DataFrame:
    """One row per monitored household (state EXITED, or a candidate with no state) with members on
    the reference date: ``risks`` (codes joined with ``;``, sorted; "" when none) and ``category``
    (null when no risk), the figures behind them, and the exit indicators' outcomes.

    ``signal_household_ids``: households named by open cross-check findings of kind signal
    (RULES.md §5); they carry DEPT_SIGNAL.
    """
    current = exit_rules.evaluate(mfacts.facts, year, params_by_village)
    if current.is_empty():
        return current
    # Y−1 per-capita: the same rule over last year's incomes, with members present one year earlier.
    previous_params = {vid: replace(p, values=p.values | {"as_of": _shift_year(p.as_of, -1).isoformat()})
                       for vid, p in params_by_village.items()}
    # Only households with a Y−1 record need it (the others have no INCOME_DROP and use Y for RIGID_EXPENSE).
    with_previous = mfacts.previous_incomes["household_id"].implode()
    prev_facts = exit_rules.Facts(mfacts.facts.households.filter(pl.col("id").is_in(with_previous)),
                                  mfacts.facts.members.filter(pl.col("household_id").is_in(with_previous)),
                                  mfacts.previous_incomes)
    previous_schema = {"id": pl.Int64, "prev_net_cents": pl.Int64, "prev_pc_cents": pl.Int64}
    previous = pl.DataFrame(schema=previous_schema) if prev_facts.households.is_empty() else (
        exit_rules.evaluate(prev_facts, year - 1, previous_params).select(
            pl.col("id"), pl.col("net_cents").alias("prev_net_cents"),
            pl.when(pl.col("wage").is_not_null()).then(pl.col("per_capita_cents")).alias("prev_pc_cents")))
    signals = pl.Series("id", list(signal_household_ids) if not isinstance(signal_household_ids, pl.Series)
                        else signal_household_ids, dtype=pl.Int64)
    df = (current.join(previous, on="id", how="left")
          .join(mfacts.rigid, left_on="id", right_on="household_id", how="left")
          .join(monitoring_params_frame(params_by_village), on="village_id", how="left"))
    has_y = pl.col("wage").is_not_null()
    has_prev = pl.col("prev_pc_cents").is_not_null()
    pc = pl.col("per_capita_cents")
    reference_net = pl.when(pl.col("prev_net_cents").is_not_null()).then(pl.col("prev_net_cents")) \
        .otherwise(pl.when(has_y).then(pl.col("net_cents")))
    rigid = pl.col("rigid_cents")
    df = df.with_columns(reference_net_cents=reference_net)
    flags = {
        "INCOME_BELOW_LINE": has_y & pl.col("mline_cents").is_not_null() & (pc < pl.col("mline_cents")),
        "INCOME_DROP": has_y & has_prev
        & (pc * pl.col("drop_den") < (pl.col("drop_den") - pl.col("drop_num")) * pl.col("prev_pc_cents")),
        "RIGID_EXPENSE": rigid.is_not_null() & pl.col("reference_net_cents").is_not_null()
        & (rigid > pl.col("reference_net_cents")),
        **{code: pl.col(code.lower()) == exit_rules.FAIL for code in INDICATOR_RISKS},
        "DEPT_SIGNAL": pl.col("id").is_in(signals.implode()),
    }
    # RISK_CODES sorted alphabetically is the output order of RULES.md §7.
    risk_list = pl.concat_list([pl.when(flags[c].fill_null(False)).then(pl.lit(c)) for c in sorted(RISK_CODES)])
    df = df.with_columns(risks=risk_list.list.drop_nulls().list.join(";"))
    at_risk = pl.col("risks") != ""
    df = df.with_columns(
        category=pl.when(~at_risk).then(pl.lit(None, dtype=pl.String))
        .when(pl.col("status") == EXITED).then(pl.lit("UNSTABLE_EXITED"))
        .when(pl.col("risks").str.contains("INCOME_BELOW_LINE", literal=True)).then(pl.lit("EDGE"))
        .otherwise(pl.lit("SUDDEN_HARDSHIP")),
    )
    return df.with_columns(
        details=pl.struct(
            members="members", per_capita_cents=pc, previous_per_capita_cents="prev_pc_cents",
            monitoring_line_cents="mline_cents", rigid_cents=rigid, reference_net_cents="reference_net_cents",
        ).struct.json_encode(),
    )
