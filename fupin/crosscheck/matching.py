"""The cross-check rules of RULES.md §5 over whole columns (Polars joins, never a query per row).

Facts are loaded once: the checked households and their members (one query each), the policy
parameters in force for each village, and each loaded list (one query per dataset). Each rule is
a join or an anti-join of a list against the members; the result is one frame of findings
``(dataset, code, id_index, household_id, list_name, detail, id_number)``: the rules join on the
keyed index of the ID numbers, and each finding carries the number sealed as stored (ADR 0024).

Who is checked: every household of the registry that is not ``REMOVED`` — households in the
register in any state, households in identification, and monitored candidates (一般农户). A removed
household has left the registry's active population (docs/adr/0009).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from fupin.assessment.rules import age_expr, school_age_expr
from fupin.assessment.services import REGISTER_STATES, params_for_villages
from fupin.core.bulk import query_frame
from fupin.crosscheck.datasets import OPERATING, Dataset
from fupin.crosscheck.models import ListRow
from fupin.registry import codes
from fupin.registry.models import Household, Member

FINDING_SCHEMA = {"dataset": pl.String, "code": pl.String, "id_index": pl.String, "household_id": pl.Int64,
                  "list_name": pl.String, "detail": pl.String, "id_number": pl.String}
LIST_FIELDS = ["id_index", "id_number", "name", "event_date", "amount_cents", "year", "text_a", "text_b"]
DIBAO_ATTRIBUTES = (codes.Attribute.DIBAO_POOR.value, codes.Attribute.DIBAO_TEKUN_POOR.value)
TEKUN_ATTRIBUTES = (codes.Attribute.TEKUN_POOR.value, codes.Attribute.DIBAO_TEKUN_POOR.value)
ATTRIBUTE_LABELS = {c.value: str(c.label) for c in codes.Attribute}


@dataclass(frozen=True)
class Registry:
    households: pl.DataFrame
    """id, household_no, village_id, attribute, in_register, med_limit_cents."""
    members: pl.DataFrame
    """id_index, id_sealed, reg_name, household_id, relation, home_schooling, age, school_age, vehicle_cents,
    med_limit_cents (members born on or before the reference date of their village)."""


def _cents(value: Any) -> int | None:
    return None if value in (None, "") else int(Decimal(str(value)) * 100)


def params_frame(year: int, village_ids: list[int], as_of: date | None) -> tuple[pl.DataFrame, dict[str, Any]]:
    params, record = params_for_villages(year, village_ids, as_of=as_of)
    rows = []
    for village_id, p in params.items():
        day = p.as_of
        rows.append((village_id, day, day.year, day.month * 100 + day.day, p.integer("school_age_min"),
                     p.integer("school_age_max"), _cents(p.values.get("vehicle_value_limit")),
                     _cents(p.values.get("large_medical_expense_registered")),
                     _cents(p.values.get("large_medical_expense_candidate"))))
    return pl.DataFrame(rows, orient="row", schema={
        "village_id": pl.Int64, "as_of": pl.Date, "asof_year": pl.Int32, "asof_md": pl.Int32, "age_min": pl.Int32,
        "age_max": pl.Int32, "vehicle_cents": pl.Int64, "med_reg_cents": pl.Int64, "med_cand_cents": pl.Int64,
    }), record


def load_registry(year: int, as_of: date | None = None) -> tuple[Registry, dict[str, Any]]:
    checked = Household.objects.exclude(status=Household.Status.REMOVED)
    hh_fields = ["id", "household_no", "village_id", "attribute", "status"]
    hh = query_frame(checked.order_by(), hh_fields, {
        "id": pl.Int64, "household_no": pl.String, "village_id": pl.Int64, "attribute": pl.String,
        "status": pl.String})
    pf, record = params_frame(year, hh.get_column("village_id").unique().to_list(), as_of)
    hh = hh.join(pf, on="village_id", how="left").with_columns(
        in_register=pl.col("status").is_in(REGISTER_STATES).fill_null(False))
    hh = hh.with_columns(med_limit_cents=pl.when(pl.col("in_register")).then(pl.col("med_reg_cents"))
                         .otherwise(pl.col("med_cand_cents")))
    m_fields = ["id_index", "id_number", "name", "household_id", "birth_date", "relation", "home_schooling"]
    members = Member.objects.exclude(household__status=Household.Status.REMOVED).order_by()
    mem = query_frame(members, m_fields, {
        "id_index": pl.String, "id_sealed": pl.String, "reg_name": pl.String, "household_id": pl.Int64, "birth_date": pl.Date,
        "relation": pl.String, "home_schooling": pl.Boolean})
    mem = (mem.join(hh.select("id", "as_of", "asof_year", "asof_md", "age_min", "age_max", "vehicle_cents",
                              "med_limit_cents"), left_on="household_id", right_on="id", how="inner")
           .filter(pl.col("birth_date") <= pl.col("as_of"))
           .with_columns(age=age_expr()).with_columns(school_age=school_age_expr()))
    return Registry(hh.select("id", "household_no", "village_id", "attribute", "in_register", "med_limit_cents"),
                    mem), record


def list_frame(load_id: int) -> pl.DataFrame:
    frame = query_frame(ListRow.objects.filter(load_id=load_id).order_by(), LIST_FIELDS, {
        "id_index": pl.String, "id_sealed": pl.String, "name": pl.String, "event_date": pl.Date, "amount_cents": pl.Int64,
        "year": pl.Int64, "text_a": pl.String, "text_b": pl.String})
    return frame


# --- the rules -----------------------------------------------------------------------------------

def _yuan(cents: pl.Expr) -> pl.Expr:
    return pl.format("{}.{}", cents // 100, (cents % 100).cast(pl.String).str.zfill(2))


def _name_key(expr: pl.Expr) -> pl.Expr:
    """Names compared after removing spaces (ASCII and full-width) anywhere."""
    return expr.str.replace_all(r"[\s\u3000]", "")


def _out(df: pl.DataFrame, dataset: str, code: str, detail: pl.Expr, *, name: pl.Expr | None = None,
         household: pl.Expr | None = None) -> pl.DataFrame:
    return df.select(
        pl.lit(dataset, dtype=pl.String).alias("dataset"), pl.lit(code, dtype=pl.String).alias("code"),
        pl.col("id_index"),
        (household if household is not None else pl.col("household_id")).cast(pl.Int64).alias("household_id"),
        (name if name is not None else pl.col("name")).fill_null("").alias("list_name"),
        detail.fill_null("").alias("detail"),
    )


def _per_member(j: pl.DataFrame, *aggs: pl.Expr) -> pl.DataFrame:
    return j.group_by("id_index", "household_id").agg(pl.col("name").first(), *aggs)


def match(registry: Registry, lists: dict[str, pl.DataFrame], year: int) -> pl.DataFrame:
    """Every finding of RULES.md §5 for ``year``, over the lists given (the loaded datasets only)."""
    mem = registry.members
    out: list[pl.DataFrame] = []
    for dataset, lst in lists.items():
        j = lst.join(mem, on="id_index", how="inner")
        # NAME_MISMATCH on every list: same ID, a different name once spaces are removed.
        bad_name = _per_member(j.filter(_name_key(pl.col("name")) != _name_key(pl.col("reg_name"))),
                               pl.col("reg_name").first())
        out.append(_out(bad_name, dataset, "NAME_MISMATCH",
                        pl.format("名单姓名「{}」，名册姓名「{}」", pl.col("name"), pl.col("reg_name"))))
        out.extend(_RULES[dataset](lst, j, mem, registry, year))
    if not out:
        return pl.DataFrame(schema=FINDING_SCHEMA)
    found = pl.concat(out, how="vertical_relaxed").unique(["dataset", "code", "id_index", "household_id"],
                                                          keep="first", maintain_order=True)
    return found.join(_sealed_numbers(mem, lists), on="id_index", how="left")


def _sealed_numbers(mem: pl.DataFrame, lists: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """id_index -> id_number: a sealed copy of each number, as the registry or a list holds it (ADR 0024).
    The rules compare indexes only; a finding stores the number sealed, never opened on the way."""
    frames = [f.select("id_index", pl.col("id_sealed").alias("id_number")) for f in (mem, *lists.values())]
    return pl.concat(frames).unique("id_index", keep="first")


def _deaths(lst: pl.DataFrame, j: pl.DataFrame, mem: pl.DataFrame, registry: Registry, year: int) -> list[pl.DataFrame]:
    hit = _per_member(j.filter(pl.col("event_date") <= pl.col("as_of")), pl.col("event_date").min())
    return [_out(hit, Dataset.DEATHS, "DECEASED_ACTIVE", pl.format("死亡日期 {}", pl.col("event_date")))]


def _public(lst: pl.DataFrame, j: pl.DataFrame, mem: pl.DataFrame, registry: Registry, year: int) -> list[pl.DataFrame]:
    hit = _per_member(j, pl.col("text_a").first())
    return [_out(hit, Dataset.PUBLIC_EMPLOYEES, "PUBLIC_EMPLOYEE", pl.format("单位：{}", pl.col("text_a")))]


def _vehicles(lst: pl.DataFrame, j: pl.DataFrame, mem: pl.DataFrame, registry: Registry, year: int) -> list[pl.DataFrame]:
    hit = _per_member(j.filter(pl.col("amount_cents") >= pl.col("vehicle_cents")).sort("amount_cents", descending=True),
                      pl.col("amount_cents").first(), pl.col("text_b").first(), pl.col("vehicle_cents").first())
    return [_out(hit, Dataset.VEHICLES, "VEHICLE_OWNER", pl.format(
        "车辆价值 {} 元（{}），不低于 {} 元", _yuan(pl.col("amount_cents")), pl.col("text_b"),
        _yuan(pl.col("vehicle_cents"))))]


def _properties(lst: pl.DataFrame, j: pl.DataFrame, mem: pl.DataFrame, registry: Registry,
                year: int) -> list[pl.DataFrame]:
    hit = _per_member(j, pl.col("text_a").first())
    return [_out(hit, Dataset.PROPERTIES, "PROPERTY_OWNER", pl.format("房产坐落：{}", pl.col("text_a")))]


def _businesses(lst: pl.DataFrame, j: pl.DataFrame, mem: pl.DataFrame, registry: Registry,
                year: int) -> list[pl.DataFrame]:
    hit = _per_member(j.filter(pl.col("text_b").is_in(OPERATING)), pl.col("text_a").first(), pl.col("text_b").first())
    return [_out(hit, Dataset.BUSINESSES, "BUSINESS_OWNER", pl.format("{}（{}）", pl.col("text_a"), pl.col("text_b")))]


def _insurance(lst: pl.DataFrame, j: pl.DataFrame, mem: pl.DataFrame, registry: Registry,
               year: int) -> list[pl.DataFrame]:
    insured = lst.filter(pl.col("year") == year).select("id_index").unique()
    if insured.is_empty():
        return []  # the loaded list has no rows for this year: it says nothing about it
    missing = mem.join(insured, on="id_index", how="anti")
    return [_out(missing, Dataset.MEDICAL_INSURANCE, "NOT_INSURED",
                 pl.lit(f"{year} 年参保名单中没有此人"), name=pl.col("reg_name"))]


def _students(lst: pl.DataFrame, j: pl.DataFrame, mem: pl.DataFrame, registry: Registry,
              year: int) -> list[pl.DataFrame]:
    pupils = mem.filter(pl.col("school_age") & ~pl.col("home_schooling").fill_null(False))
    missing = pupils.join(lst.select("id_index").unique(), on="id_index", how="anti")
    return [_out(missing, Dataset.STUDENTS, "NOT_ENROLLED",
                 pl.format("{} 岁（义务教育阶段），学籍名单中没有此人，无送教上门", pl.col("age")), name=pl.col("reg_name"))]


def _dibao(lst: pl.DataFrame, j: pl.DataFrame, mem: pl.DataFrame, registry: Registry, year: int) -> list[pl.DataFrame]:
    listed = j.group_by("household_id").agg(
        list_dibao=(pl.col("text_b") == "低保").any(), list_tekun=(pl.col("text_b") == "特困").any(),
        first_id=pl.col("id_index").min(), first_name=pl.col("name").sort_by("id_index").first())
    heads = mem.filter(pl.col("relation") == codes.Relation.HEAD.value).select(
        "household_id", pl.col("id_index").alias("head_id"), pl.col("reg_name").alias("head_name"))
    hh = (registry.households.join(listed, left_on="id", right_on="household_id", how="left")
          .join(heads, left_on="id", right_on="household_id", how="left")
          .with_columns(pl.col("list_dibao").fill_null(False), pl.col("list_tekun").fill_null(False),
                        attr_dibao=pl.col("attribute").is_in(DIBAO_ATTRIBUTES),
                        attr_tekun=pl.col("attribute").is_in(TEKUN_ATTRIBUTES)))
    mismatch = hh.filter(((pl.col("attr_dibao") != pl.col("list_dibao")) | (pl.col("attr_tekun") != pl.col("list_tekun")))
                         & pl.coalesce(pl.col("first_id"), pl.col("head_id")).is_not_null())
    on_list = pl.concat_list(pl.when(pl.col("list_dibao")).then(pl.lit("低保")),
                             pl.when(pl.col("list_tekun")).then(pl.lit("特困"))).list.drop_nulls().list.join("、")
    detail = pl.format("户属性「{}」，名单：{}", pl.col("attribute").replace_strict(ATTRIBUTE_LABELS, default=""),
                       pl.when(on_list == "").then(pl.lit("本户无人在册")).otherwise(on_list))
    mismatch = mismatch.with_columns(id_index=pl.coalesce(pl.col("first_id"), pl.col("head_id")))
    found = _out(mismatch, Dataset.DIBAO, "DIBAO_MISMATCH", detail, name=pl.col("first_name").fill_null(""),
                 household=pl.col("id"))
    not_registered = lst.join(mem.select("id_index"), on="id_index", how="anti").group_by("id_index").agg(
        pl.col("name").first(), pl.col("text_b").first())
    return [found, _out(not_registered, Dataset.DIBAO, "DIBAO_NOT_REGISTERED",
                        pl.format("{}对象，不在任何建档立卡或监测户中", pl.col("text_b")),
                        household=pl.lit(None, dtype=pl.Int64))]


def _medical(lst: pl.DataFrame, j: pl.DataFrame, mem: pl.DataFrame, registry: Registry, year: int) -> list[pl.DataFrame]:
    spent = lst.filter(pl.col("year") == year).group_by("id_index").agg(
        pl.col("name").first(), pl.col("amount_cents").sum().alias("spent"))
    hit = spent.join(mem, on="id_index", how="inner").filter(pl.col("spent") >= pl.col("med_limit_cents"))
    return [_out(hit, Dataset.MEDICAL_EXPENSES, "LARGE_MEDICAL_EXPENSE", pl.format(
        "{} 年医疗自付 {} 元，不低于 {} 元", pl.lit(year), _yuan(pl.col("spent")), _yuan(pl.col("med_limit_cents"))))]


def _disaster(lst: pl.DataFrame, j: pl.DataFrame, mem: pl.DataFrame, registry: Registry, year: int) -> list[pl.DataFrame]:
    hit = _per_member(j.filter(pl.col("event_date").dt.year() == year).sort("event_date"),
                      pl.col("event_date").first(), pl.col("amount_cents").sum())
    return [_out(hit, Dataset.DISASTER, "DISASTER_HIT", pl.format(
        "受灾日期 {}，损失 {} 元", pl.col("event_date"), _yuan(pl.col("amount_cents").fill_null(0))))]


_RULES: dict[str, Any] = {
    Dataset.DEATHS: _deaths, Dataset.PUBLIC_EMPLOYEES: _public, Dataset.VEHICLES: _vehicles,
    Dataset.PROPERTIES: _properties, Dataset.BUSINESSES: _businesses, Dataset.MEDICAL_INSURANCE: _insurance,
    Dataset.STUDENTS: _students, Dataset.DIBAO: _dibao, Dataset.MEDICAL_EXPENSES: _medical,
    Dataset.DISASTER: _disaster,
}
