"""Rules that tie rows together and to the registry: villages, household references, heads, ID numbers.

The registry's current state comes in as frames (:class:`RegistryState`), loaded with one query
per table; every rule here is a join or a group-by over whole columns. The frames of the sheets
come back with the database keys the writer needs (``village_id``, ``hh_id``, ``member_id``,
``income_id``; null for rows that will be created).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from fupin.core import sealed
from fupin.core.imports.checks import Findings
from fupin.core.imports.problems import Problem, make_problem, rule_text
from fupin.core.imports.read import ROW
from fupin.registry import codes
from fupin.registry.import_checks import HH, Checked
from fupin.registry.models import Household

HEAD = codes.Relation.HEAD.value
# Workflow states the template shows as 脱贫状态 非贫困户 although the 户属性 may be a poor one.
UNLISTED_STATES = [Household.Status.APPLIED.value, Household.Status.VILLAGE_REVIEWED.value,
                   Household.Status.TOWNSHIP_REVIEWED.value, Household.Status.REMOVED.value]


@dataclass
class RegistryState:
    villages: pl.DataFrame
    """code, village_id, visible: current village-level divisions."""
    households: pl.DataFrame
    """household_no, hh_id, hh_visible, db_status."""
    members: pl.DataFrame
    """member_id, id_index (the blind index of the sealed ID number), member_hh_id, db_relation."""
    incomes: pl.DataFrame
    """income_id, income_hh_id, income_year."""
    removed: pl.DataFrame
    """id_index, removed_hh_id, removed_on: members who left their household (``Member.removed_on``)."""


def lookup(key: pl.Expr, table: pl.DataFrame, on: str, value: str) -> pl.Expr:
    """``table[value]`` where ``table[on]`` equals ``key`` (null when absent): a hash lookup that adds one
    column, where a join would copy every column of a million-row frame."""
    return key.replace_strict(table.get_column(on), table.get_column(value), default=None,
                              return_dtype=table.schema[value]).alias(value)


def income_key(household: pl.Expr, year: pl.Expr) -> pl.Expr:
    return household.cast(pl.Int64) * 10_000 + year.cast(pl.Int64)


def with_id_indexes(checked: Checked) -> None:
    """The file's ID numbers are compared with the registry's through their blind indexes (ADR 0024):
    ``_id_index`` next to ``_id_number``, ``_head_id_index`` next to ``_head_id_number``."""
    for key, column in (("members", "_id_number"), ("households", "_head_id_number")):
        if key in checked.frames:
            df = checked.frames[key]
            values = df.get_column(column).to_list()
            checked.frames[key] = df.with_columns(
                pl.Series(column.replace("_number", "_index"), sealed.index_many(sealed.ID, values), dtype=pl.String))


def check_links(checked: Checked, state: RegistryState, *, refuse_removed: bool = True) -> None:
    """Add the registry keys to the frames and flag every broken link. With ``refuse_removed`` (a file), a member
    who left their household is not brought back into it (a page edit adds them back on purpose)."""
    found = checked.found
    with_id_indexes(checked)
    households = state.households
    if "households" in checked.frames:
        checked.frames["households"] = _households(checked.frames["households"], checked.labels["households"],
                                                   state, found)
    if "households" in checked.frames and "version" in checked.present.get("households", ()):
        df = checked.frames["households"].with_columns(lookup(pl.col(HH), households, "household_no", "db_version"))
        checked.stale = df.filter(pl.col("_version").is_not_null() & pl.col("hh_id").is_not_null()
                                  & (pl.col("_version") < pl.col("db_version"))).select(
            ROW, HH, "hh_id", pl.col("_version").cast(pl.Int64), "db_version")
    in_file = (checked.frames["households"].select(pl.col(HH).drop_nulls().unique()).to_series()
               if "households" in checked.frames else pl.Series(HH, [], dtype=pl.String))
    for key in ("members", "incomes"):
        if key not in checked.frames:
            continue
        df = checked.frames[key].with_columns(lookup(pl.col(HH), households, "household_no", "hh_id"),
                                              lookup(pl.col(HH), households, "household_no", "hh_visible"))
        known = pl.col(HH).is_in(in_file.implode()) | pl.col("hh_visible").fill_null(False)
        found.flag(df, pl.col(HH).is_not_null() & ~known, label=checked.labels[key], header="户编号",
                   value="household_no", code="HOUSEHOLD_UNKNOWN")
        # A household outside the user's area is as unknown as an absent one: no key for it.
        checked.frames[key] = df.with_columns(pl.when(pl.col("hh_visible")).then(pl.col("hh_id")).alias("hh_id"))
    if "members" in checked.frames:
        checked.frames["members"] = _member_ids(checked.frames["members"], checked.labels["members"], state, found,
                                                refuse_removed)
    if "incomes" in checked.frames:
        incomes = state.incomes.select(income_key(pl.col("income_hh_id"), pl.col("income_year")).alias("key"),
                                       "income_id")
        checked.frames["incomes"] = checked.frames["incomes"].with_columns(
            lookup(income_key(pl.col("hh_id"), pl.col("_year")), incomes, "key", "income_id"))
    _composition(checked, state)


def _households(df: pl.DataFrame, label: str, state: RegistryState, found: Findings) -> pl.DataFrame:
    df = df.with_columns(lookup(pl.col("_village_code"), state.villages, "code", "village_id"),
                         lookup(pl.col("_village_code"), state.villages, "code", "visible"))
    code_ok = pl.col("_village_code").is_not_null() & pl.col("_village_code").str.contains(r"^[0-9]{12}$")
    found.flag(df, code_ok & pl.col("village_id").is_null(), label=label, header="行政区划代码",
               value="village_code", code="DIVISION_UNKNOWN")
    found.flag(df, code_ok & pl.col("village_id").is_not_null() & ~pl.col("visible"), label=label,
               header="行政区划代码", value="village_code", code="DIVISION_OUT_OF_SCOPE")
    df = df.with_columns(*[lookup(pl.col(HH), state.households, "household_no", c)
                           for c in ("hh_id", "hh_visible", "db_status")])
    found.flag(df, pl.col("hh_id").is_not_null() & ~pl.col("hh_visible"), label=label, header="户编号",
               value="household_no", code="HOUSEHOLD_OUT_OF_SCOPE")
    # A poor 户属性 with 脱贫状态 非贫困户 is what the export writes for a household still under identification
    # or removed from the register: allowed for such a household already in the registry, refused otherwise.
    unlisted = (pl.col("hh_id").is_not_null() & pl.col("hh_visible").fill_null(False)
                & pl.col("db_status").is_in(UNLISTED_STATES).fill_null(False)
                & (pl.col("_poverty_status") == "非贫困户"))
    status = pl.col("_poverty_status")
    zh, en = rule_text("ATTRIBUTE_STATUS_MISMATCH", status="{}")
    found.flag(df, pl.col("_attribute_mismatch") & ~unlisted, label=label, header="户属性", value="attribute",
               code="ATTRIBUTE_STATUS_MISMATCH", zh=pl.format(zh, status), en=pl.format(en, status))
    return df


def _member_ids(df: pl.DataFrame, label: str, state: RegistryState, found: Findings,
                refuse_removed: bool) -> pl.DataFrame:
    df = df.with_columns(lookup(pl.col("_id_index"), state.members, "id_index", "member_id"),
                         lookup(pl.col("_id_index"), state.members, "id_index", "member_hh_id"))
    elsewhere = pl.col("member_id").is_not_null() & (pl.col("hh_id").is_null()
                                                     | (pl.col("hh_id") != pl.col("member_hh_id")))
    found.flag(df, elsewhere, label=label, header="身份证号", value="id_number", code="ID_IN_OTHER_HOUSEHOLD")
    if refuse_removed and not state.removed.is_empty():
        left = df.join(state.removed.select("id_index", "removed_hh_id"), left_on=["_id_index", "hh_id"],
                       right_on=["id_index", "removed_hh_id"], how="semi")
        found.flag(left, pl.col("member_id").is_null(), label=label, header="身份证号", value="id_number",
                   code="MEMBER_REMOVED")
    return df


def kept_members(checked: Checked, state: RegistryState) -> pl.DataFrame:
    """Registry members of the households the file touches whose ID numbers are not in the file: kept as they are."""
    touched = [checked.frames[k].select(pl.col("hh_id").drop_nulls()) for k in ("households", "members")
               if k in checked.frames]
    if not touched:
        return state.members.clear().with_columns(pl.lit(None, dtype=pl.String).alias(HH))
    ids = pl.concat(touched).to_series().unique()
    kept = state.members.filter(pl.col("member_hh_id").is_in(ids.implode()))
    if "members" in checked.frames:
        in_file = checked.frames["members"].select(pl.col("_id_index").drop_nulls()).to_series()
        kept = kept.filter(~pl.col("id_index").is_in(in_file.implode()))
    names = state.households.select(pl.col("hh_id").alias("member_hh_id"), pl.col("household_no").alias(HH))
    return kept.join(names, on="member_hh_id", how="left")


def _composition(checked: Checked, state: RegistryState) -> None:
    """Every household the file touches has members and exactly one head, whose ID is 户主身份证号."""
    found = checked.found
    kept = kept_members(checked, state).group_by(HH).agg(
        pl.len().alias("n_kept"), (pl.col("db_relation") == HEAD).sum().alias("heads_kept"),
        pl.col("id_index").filter(pl.col("db_relation") == HEAD).first().alias("kept_head_id"))
    members = checked.frames.get("members")
    if members is not None:
        is_head = pl.col("_relation") == HEAD
        in_file = members.filter(pl.col(HH).is_not_null()).group_by(HH).agg(
            pl.len().alias("n_file"), is_head.sum().alias("heads_file"),
            pl.col("_id_index").filter(is_head).first().alias("file_head_id"),
            pl.col(ROW).min().alias("first_row"), pl.col("hh_id").first().alias("m_hh_id"))
    else:
        in_file = pl.DataFrame(schema={HH: pl.String, "n_file": pl.UInt32, "heads_file": pl.UInt32,
                                       "file_head_id": pl.String, "first_row": pl.Int64, "m_hh_id": pl.Int64})
    totals = in_file.join(kept, on=HH, how="full", coalesce=True).with_columns(
        (pl.col("n_file").fill_null(0) + pl.col("n_kept").fill_null(0)).alias("n_total"),
        (pl.col("heads_file").fill_null(0) + pl.col("heads_kept").fill_null(0)).alias("heads_total"))
    in_sheet1: pl.Series = pl.Series(HH, [], dtype=pl.String)
    if "households" in checked.frames:
        label = checked.labels["households"]
        narrow = checked.frames["households"].select(ROW, HH, "household_no", "head_id_number", "_head_id_index")
        df = narrow.join(totals.select(HH, "n_total", "heads_total", "heads_file", "file_head_id", "kept_head_id"),
                         on=HH, how="left")
        df = df.with_columns(pl.col("n_total").fill_null(0), pl.col("heads_total").fill_null(0))
        keyed = pl.col(HH).is_not_null()
        found.flag(df, keyed & (pl.col("n_total") == 0), label=label, header="户编号", value="household_no",
                   code="HOUSEHOLD_NO_MEMBERS")
        found.flag(df, keyed & (pl.col("n_total") > 0) & (pl.col("heads_total") == 0), label=label, header="户编号",
                   value="household_no", code="HOUSEHOLD_NO_HEAD")
        head_id = pl.when(pl.col("heads_file") == 1).then(pl.col("file_head_id")).otherwise(pl.col("kept_head_id"))
        found.flag(df, keyed & (pl.col("heads_total") == 1) & pl.col("_head_id_index").is_not_null()
                   & head_id.is_not_null() & (head_id != pl.col("_head_id_index")),
                   label=label, header="户主身份证号", value="head_id_number", code="HEAD_ID_MISMATCH")
        in_sheet1 = df.select(pl.col(HH).drop_nulls()).to_series()
    if members is None:
        return
    label = checked.labels["members"]
    # Households only in sheet 2 (already in the registry): their heads are checked at their member rows.
    only_m = totals.filter(~pl.col(HH).is_in(in_sheet1.implode()) & pl.col("m_hh_id").is_not_null())
    no_head = only_m.filter(pl.col("heads_total") == 0).select(HH, pl.col("first_row"))
    flagged = members.join(no_head, left_on=[HH, ROW], right_on=[HH, "first_row"], how="semi")
    found.flag(flagged, pl.lit(True), label=label, header="与户主关系", value="relation", code="HOUSEHOLD_NO_HEAD")
    many = totals.filter(pl.col("heads_total") > 1).select(HH, "heads_kept")
    heads = members.filter(pl.col("_relation") == HEAD).join(many, on=HH, how="inner")
    if heads.is_empty():
        return
    zh_plain, en_plain = rule_text("HOUSEHOLD_TWO_HEADS", where="", where_en="")
    zh_db, en_db = rule_text("HOUSEHOLD_TWO_HEADS", where="（平台中已登记了另一名户主）",
                             where_en=" (another head is already registered)")
    registered = pl.col("heads_kept").fill_null(0) > 0
    found.flag(heads, pl.lit(True), label=label, header="与户主关系", value="relation", code="HOUSEHOLD_TWO_HEADS",
               zh=pl.when(registered).then(pl.lit(zh_db)).otherwise(pl.lit(zh_plain)),
               en=pl.when(registered).then(pl.lit(en_db)).otherwise(pl.lit(en_plain)))


def stale_problems(checked: Checked, changes: pl.DataFrame) -> list[Problem]:
    """The households the file would change that were changed on the platform after the file was exported (their
    数据版本 in the file is older than the registry's, ADR 0026). Called once the unchanged rows are left out
    (``changes``: the changed cells of existing rows), so an older file that changes nothing of such a household
    passes. A file without 数据版本 is the newer change."""
    if checked.stale is None or checked.stale.is_empty():
        return []
    touched = [changes.get_column("household_id")]
    for key, id_column in (("households", "hh_id"), ("members", "member_id"), ("incomes", "income_id")):
        df = checked.frames.get(key)
        if df is not None and key != "households":
            touched.append(df.filter(pl.col(id_column).is_null()).get_column("hh_id").drop_nulls())
        elif df is not None:
            touched.append(df.get_column("hh_id").drop_nulls())  # rows left after drop_unchanged: changed ones
    ids = pl.concat(touched).unique()
    hit = checked.stale.filter(pl.col("hh_id").is_in(ids.implode()))
    label = checked.labels["households"]
    return [make_problem(label, row, "数据版本", str(file), "CHANGED_SINCE_EXPORT", file=file, registry=registry)
            for row, file, registry in hit.select(ROW, "_version", "db_version").iter_rows()]
