"""Poverty measures over the results of an assessment run, by township or village.

- Foster–Greer–Thorbecke: FGT0 (headcount ratio), FGT1 (poverty gap), FGT2 (squared gap) over
  people, each person carrying the per-capita net income of the household and the poverty line
  in force for it. Poor means "not strictly above the line", as the exit rule has it.
  Households without an income record for the year are left out and counted.
- Alkire–Foster over the six exit indicators, equal weights, people as the unit: a person is
  multidimensionally poor when the weighted share of failed indicators of the household is at
  least ``k``; H is the share of such people, A their average deprivation share, M0 = H × A, and
  each indicator's contribution to M0 is its weight times its censored headcount, over M0.
  Households with any UNKNOWN indicator are left out (complete cases) and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import polars as pl

from fupin.assessment.models import INDICATOR_CODES, AssessmentRun, HouseholdAssessment
from fupin.core.actors import Viewer
from fupin.core.bulk import query_frame

WEIGHT = 1 / len(INDICATOR_CODES)


@dataclass(frozen=True)
class GroupMeasures:
    key: str
    name: str
    people: int
    fgt0: float
    fgt1: float
    fgt2: float
    no_income: int
    """Households left out of the FGT figures: no income record for the year."""
    af_people: int
    af_h: float
    af_a: float
    af_m0: float
    contributions: dict[str, float]
    incomplete: int
    """Households left out of the Alkire–Foster figures: some indicator UNKNOWN."""


def load_frame(run: AssessmentRun, user: Viewer | None = None) -> pl.DataFrame:
    qs = HouseholdAssessment.objects.filter(run=run)
    if user is not None:
        qs = qs.visible_to(user)
    fields = ["household__village__code", "household__village__name", "household__village__parent__code",
              "household__village__parent__name", "members", "per_capita_income", "poverty_line",
              *[c.lower() for c in INDICATOR_CODES]]
    names = ["village_code", "village", "township_code", "township", "members", "pc_income", "line",
             *[c.lower() for c in INDICATOR_CODES]]
    schema = {name: pl.String for name in names} | {"members": pl.Int64, "pc_income": pl.Float64,
                                                    "line": pl.Float64}
    return query_frame(qs, fields, schema)


def compute(frame: pl.DataFrame, *, by: str = "township", k: Fraction = Fraction(1, 3)) -> list[GroupMeasures]:
    """The measures per group (``township`` or ``village``) and for the whole frame (key "")."""
    if frame.is_empty():
        return []
    key, name = (f"{by}_code", by)
    income = pl.col("pc_income")
    with_income = income.is_not_null() & pl.col("line").is_not_null()
    gap = pl.when(income <= pl.col("line")).then((pl.col("line") - income) / pl.col("line")).otherwise(0.0).clip(0.0, 1.0)
    is_poor_income = (income <= pl.col("line")).cast(pl.Float64)
    failed = pl.sum_horizontal([(pl.col(c.lower()) == "FAIL").cast(pl.Int64) for c in INDICATOR_CODES])
    complete = ~pl.any_horizontal([pl.col(c.lower()) == "UNKNOWN" for c in INDICATOR_CODES])
    df = frame.with_columns(
        gap=gap, poor_income=is_poor_income, has_income=with_income, complete=complete,
        score=failed.cast(pl.Float64) * WEIGHT,
    ).with_columns(
        af_poor=pl.col("complete") & (pl.col("score") >= float(k) - 1e-12),
    )
    m = pl.col("members").cast(pl.Float64)
    inc = pl.col("has_income")
    comp = pl.col("complete")
    af = pl.col("af_poor")
    aggs = [
        m.sum().alias("people"),
        (m * pl.col("poor_income")).filter(inc).sum().alias("q"),
        (m * pl.col("gap")).filter(inc).sum().alias("g1"),
        (m * pl.col("gap") ** 2).filter(inc).sum().alias("g2"),
        m.filter(inc).sum().alias("n_income"),
        (~inc).sum().alias("no_income"),
        m.filter(comp).sum().alias("n_af"),
        m.filter(af).sum().alias("q_af"),
        (m * pl.col("score")).filter(af).sum().alias("s_af"),
        (~comp).sum().alias("incomplete"),
        *[(m * (pl.col(c.lower()) == "FAIL").cast(pl.Float64)).filter(af).sum().alias(f"ch_{c}")
          for c in INDICATOR_CODES],
    ]
    grouped = df.group_by(key, name).agg(aggs).sort(key)
    total = df.select(pl.lit("").alias(key), pl.lit("").alias(name), *aggs)
    out = []
    for row in pl.concat([grouped, total], how="vertical_relaxed").iter_rows(named=True):
        n_income, n_af = row["n_income"] or 0.0, row["n_af"] or 0.0
        h = row["q_af"] / n_af if n_af else 0.0
        a = row["s_af"] / row["q_af"] if row["q_af"] else 0.0
        m0 = h * a
        contributions = {c: (WEIGHT * row[f"ch_{c}"] / n_af) / m0 if m0 else 0.0 for c in INDICATOR_CODES}
        out.append(GroupMeasures(
            key=row[key], name=row[name] or "", people=int(row["people"] or 0),
            fgt0=row["q"] / n_income if n_income else 0.0, fgt1=row["g1"] / n_income if n_income else 0.0,
            fgt2=row["g2"] / n_income if n_income else 0.0, no_income=int(row["no_income"] or 0),
            af_people=int(n_af), af_h=h, af_a=a, af_m0=m0, contributions=contributions,
            incomplete=int(row["incomplete"] or 0),
        ))
    return out
