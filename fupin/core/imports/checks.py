"""Per-cell checks over whole Polars columns, by column kind, with every problem located.

A sheet becomes a typed frame: the text cells under their column keys plus parsed columns
(``_<key>``). A rule is a boolean expression over the frame; the rows where it holds become
problem rows ``(sheet, row, column, value, code, zh, en, group)``, collected in :class:`Findings`.
``group`` ties a row to the unit it belongs to (the registry's household number; none for a
one-sheet list), so that a valid-only import can leave a whole unit out. Python runs per row only
where it must and only on few values: identity numbers that are not plain digits (to give
idnumber's exact message) and the rows that fail.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from functools import reduce
from typing import Any

import polars as pl

from fupin.core import idnumber
from fupin.core.imports.problems import Problem, rows_text, rule_text, split_bilingual
from fupin.core.imports.read import ROW, SheetData
from fupin.core.imports.sheets import NO_VALUES, YES_VALUES, Column, Sheet

GROUP = "_group"
"""The unit a row belongs to (the registry's household number), left out whole by a valid-only import."""
PROBLEM_SCHEMA = {"sheet": pl.String, "row": pl.Int64, "column": pl.String, "value": pl.String, "code": pl.String,
                  "zh": pl.String, "en": pl.String, "group": pl.String}
MONEY_MAX_INTEGER_DIGITS = 10
_SIMPLE_ID = r"^(?:[0-9]{17}[0-9X]|[0-9]{15})$"


def _lit_str(value: str) -> pl.Expr:
    return pl.lit(value, dtype=pl.String)


class Findings:
    """Problem rows collected from many rules, turned into :class:`Problem` objects once, at the end."""

    def __init__(self) -> None:
        self.frames: list[pl.DataFrame] = []

    def flag(self, df: pl.DataFrame, mask: pl.Expr, *, label: str, header: str, value: pl.Expr | str,
             code: str | pl.Expr, zh: pl.Expr | None = None, en: pl.Expr | None = None, **params: Any) -> None:
        """Record the rows of ``df`` where ``mask`` holds. ``code`` is a rule code, or an expression giving
        one per row (then ``zh`` and ``en`` give the sentences per row too)."""
        # Positions first, then a gather of those rows: a filter of the whole frame would copy (re-chunk)
        # every column of a million-row sheet even when no row matches.
        positions = df.select(pl.int_range(pl.len(), dtype=pl.UInt32).filter(mask.fill_null(False))).to_series()
        if positions.is_empty():
            return
        hit = df[positions]
        if zh is None or en is None:
            assert isinstance(code, str)
            text_zh, text_en = rule_text(code, **params)
            zh, en = _lit_str(text_zh), _lit_str(text_en)
        cell = pl.col(value) if isinstance(value, str) else value
        code_expr = _lit_str(code) if isinstance(code, str) else code
        self.frames.append(hit.select(
            _lit_str(label).alias("sheet"), pl.col(ROW).cast(pl.Int64).alias("row"), _lit_str(header).alias("column"),
            cell.cast(pl.String).fill_null("").alias("value"), code_expr.alias("code"),
            zh.alias("zh"), en.alias("en"), pl.col(GROUP).cast(pl.String).alias("group"),
        ))

    def frame(self) -> pl.DataFrame:
        if not self.frames:
            return pl.DataFrame(schema=PROBLEM_SCHEMA)
        return pl.concat(self.frames, how="vertical_relaxed")

    @property
    def empty(self) -> bool:
        return not self.frames


def problems_from_frame(found: pl.DataFrame, order: Sequence[str], sheets: Sequence[Sheet]) -> list[Problem]:
    """Problems sorted as a clerk reads them: sheet by sheet, row by row, column by column."""
    if found.is_empty():
        return []
    sheet_rank = {label: i for i, label in enumerate(order)}
    header_rank = {c.header: i for s in sheets for i, c in enumerate(s.columns)}
    ordered = found.with_columns(
        pl.col("sheet").replace_strict(sheet_rank, default=len(order), return_dtype=pl.Int64).alias("_s"),
        pl.col("column").replace_strict(header_rank, default=99, return_dtype=pl.Int64).alias("_c"),
    ).sort(["_s", "row", "_c", "code"], nulls_last=False)
    return [Problem(s, r, c, v, zh, en, code) for s, r, c, v, code, zh, en in ordered.select(
        "sheet", "row", "column", "value", "code", "zh", "en").iter_rows()]


# --- identity numbers ------------------------------------------------------------------------------

def check_character_expr(first17: pl.Expr) -> pl.Expr:
    """GB 11643 check character of 17 digits, over a whole column."""
    total = reduce(lambda acc, term: acc + term,
                   (first17.str.slice(i, 1).cast(pl.Int32) * w for i, w in enumerate(idnumber.WEIGHTS)))
    return (total % 11).replace_strict(dict(enumerate(idnumber.CHECK_CHARACTERS)), return_dtype=pl.String)


def id_columns(raw: pl.Series, today: date) -> pl.DataFrame:
    """Validate a column of identity numbers: ``id`` (18 characters, upgraded from 15; null when bad),
    ``birth``, ``sex``, and ``code``/``zh``/``en`` of the first rule broken (null when valid).

    Plain digit strings are checked over the whole column; only odd-looking values (spaces, full-width
    digits, Excel's 4.11103E+17) and failing values go through :func:`idnumber.parse`, whose message is used.
    """
    upper = raw.str.to_uppercase()
    frame = pl.DataFrame({"raw": upper})
    simple = frame.select(pl.col("raw").str.contains(_SIMPLE_ID).fill_null(False)).to_series()
    odd_values = frame.filter(~simple & pl.col("raw").is_not_null())["raw"].unique().to_list()
    rescued = {}
    for value in odd_values:
        try:
            rescued[value] = idnumber.parse(value, today=today).value
        except idnumber.IdNumberError:
            continue
    candidate = pl.when(simple).then(pl.col("raw")).otherwise(
        pl.col("raw").replace_strict(rescued, default=None, return_dtype=pl.String) if rescued else None)
    frame = frame.with_columns(candidate.alias("cand"))
    first17_15 = pl.col("cand").str.slice(0, 6) + "19" + pl.col("cand").str.slice(6, 9)
    frame = frame.with_columns(
        pl.when(pl.col("cand").str.len_chars() == 15).then(first17_15 + check_character_expr(first17_15))
        .otherwise(pl.col("cand")).alias("up"))
    birth = pl.col("up").str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
    frame = frame.with_columns(birth.alias("birth"))
    ok = (pl.col("up").str.slice(0, 2).is_in(sorted(idnumber.PROVINCE_CODES))
          & pl.col("birth").is_not_null() & (pl.col("birth") <= today)
          & (pl.col("birth") >= idnumber.EARLIEST_BIRTH_DATE)
          & (pl.col("up").str.slice(17, 1) == check_character_expr(pl.col("up").str.slice(0, 17))))
    frame = frame.with_columns(ok.fill_null(False).alias("ok"))
    failing = frame.filter(~pl.col("ok") & pl.col("raw").is_not_null())["raw"].unique().to_list()
    errors: dict[str, tuple[str, str, str]] = {}
    for value in failing:
        try:
            idnumber.parse(value, today=today)
        except idnumber.IdNumberError as exc:
            errors[value] = ("ID_" + exc.code, *split_bilingual(exc.message))
        else:  # cannot happen: the column rules above are idnumber's rules
            errors[value] = ("ID_CHARACTERS", *rule_text("ID_CHARACTERS"))
    def lookup(i: int) -> pl.Expr:
        mapping = {k: v[i] for k, v in errors.items()}
        return pl.col("raw").replace_strict(mapping, default=None, return_dtype=pl.String) if mapping else \
            pl.lit(None, dtype=pl.String)
    return frame.select(
        pl.when(pl.col("ok")).then(pl.col("up")).alias("id"),
        pl.when(pl.col("ok")).then(pl.col("birth")).alias("birth"),
        pl.when(pl.col("ok")).then(
            pl.when(pl.col("up").str.slice(16, 1).cast(pl.Int32) % 2 == 1).then(_lit_str("M")).otherwise(_lit_str("F"))
        ).alias("sex"),
        lookup(0).alias("code"), lookup(1).alias("zh"), lookup(2).alias("en"),
    )


# --- one column at a time ---------------------------------------------------------------------------

def typed_frame(data: SheetData, group: str | None = None) -> pl.DataFrame:
    """The sheet's cells under its column keys (absent columns are all-null), plus ``GROUP``: the cells of the
    column ``group``, or null."""
    exprs = [pl.col(ROW)]
    for column in data.sheet.columns:
        source = data.columns.get(column.key)
        exprs.append(pl.col(source).alias(column.key) if source else pl.lit(None, dtype=pl.String).alias(column.key))
    frame = data.frame.select(exprs)
    return frame.with_columns((pl.col(group) if group else pl.lit(None, dtype=pl.String)).alias(GROUP))


ColumnCheck = Callable[[pl.DataFrame, str, "Findings"], pl.DataFrame]
"""A module's own check of one column (frame, sheet label, findings) -> the frame with its parsed column."""


def check_cells(data: SheetData, found: Findings, today: date, *, group: str | None = None,
                own: Mapping[str, ColumnCheck] | None = None) -> pl.DataFrame:
    """Every column's own rules over the sheet (:func:`check_column`, or the module's ``own`` check of a
    column key); returns the typed frame with the parsed columns."""
    df = typed_frame(data, group)
    for column in data.sheet.columns:
        check = (own or {}).get(column.key)
        if check is not None:
            df = check(df, data.label, found)
        else:
            df = check_column(df, column, data.label, found, today, present=column.key in data.columns)
    return df


def _labels_text(column: Column) -> dict[str, Any]:
    """The allowed values for a CODE_UNKNOWN message (the 56 nationalities are summarised)."""
    labels = column.labels
    if len(labels) > 12:
        return {"labels_zh": "、".join(labels[:5]) + f" 等 {len(labels)} 项",
                "labels_en": ", ".join(labels[:5]) + f" … ({len(labels)} values)"}
    return {"labels_zh": "、".join(labels), "labels_en": ", ".join(labels)}


def check_column(df: pl.DataFrame, column: Column, label: str, found: Findings, today: date, *,
                 present: bool = True) -> pl.DataFrame:
    """Check one column's own rules; return the frame with its parsed column(s) added. A required column
    the sheet lacks is one problem of the file (COLUMN_MISSING), not one per row."""
    key, header, v = column.key, column.header, pl.col(column.key)
    flag: dict[str, Any] = {"label": label, "header": header, "value": key}
    if column.required and present:
        found.flag(df, v.is_null(), code="REQUIRED", **flag)
    if column.kind == "text":
        if column.max_length is not None:
            found.flag(df, v.str.len_chars() > column.max_length, code="TEXT_TOO_LONG",
                       max_length=column.max_length, **flag)
        return df.with_columns(v.alias(f"_{key}"))
    if column.kind == "code":
        mapping = _code_mapping(column)
        df = df.with_columns(v.replace_strict(mapping, default=None, return_dtype=pl.String).alias(f"_{key}"))
        found.flag(df, v.is_not_null() & pl.col(f"_{key}").is_null(), code="CODE_UNKNOWN",
                   **_labels_text(column), **flag)
        return df
    if column.kind == "codes":
        return _check_codes(df, column, found, flag)
    if column.kind == "bool":
        yes_no: dict[str, bool] = {**dict.fromkeys(YES_VALUES, True), **dict.fromkeys(NO_VALUES, False)}
        df = df.with_columns(v.replace_strict(yes_no, default=None, return_dtype=pl.Boolean).alias(f"_{key}"))
        found.flag(df, v.is_not_null() & pl.col(f"_{key}").is_null(), code="BOOL_INVALID", **flag)
        return df
    if column.kind in ("year", "int"):
        return _check_int(df, column, found, flag)
    if column.kind == "money":
        return _check_money(df, column, found, flag)
    if column.kind == "id_number":
        ids = id_columns(df.get_column(key), today)
        df = df.with_columns(ids.get_column("id").alias(f"_{key}"), ids.get_column("birth").alias(f"_{key}_birth"),
                             ids.get_column("sex").alias(f"_{key}_sex"), ids.get_column("code").alias("_idcode"),
                             ids.get_column("zh").alias("_idzh"), ids.get_column("en").alias("_iden"))
        found.flag(df, pl.col("_idcode").is_not_null(), code=pl.col("_idcode"), zh=pl.col("_idzh"),
                   en=pl.col("_iden"), **flag)
        return df.drop("_idcode", "_idzh", "_iden")
    if column.kind == "date":
        return _check_date(df, column, found, flag, today)
    if column.kind == "decimal":
        ok = v.str.contains(_DECIMAL)
        df = df.with_columns(pl.when(ok).then(v).alias(f"_{key}"))
        found.flag(df, v.is_not_null() & ~ok, code="DECIMAL_INVALID", **flag)
        return df
    if column.kind == "division":
        df = df.with_columns(v.alias(f"_{key}"))
        found.flag(df, v.is_not_null() & ~v.str.contains(r"^[0-9]{12}$"), code="DIVISION_SHAPE", **flag)
        return df
    raise ValueError(f"unknown column kind {column.kind}")


_DECIMAL = r"^[0-9]{1,10}(?:\.[0-9]{1,2})?$"


def date_expr(v: pl.Expr) -> pl.Expr:
    """A date as clerks type it (2020-01-05, 2020/1/5, 2020.1.5, 2020年1月5日, 20200105) or as a
    workbook date cell is read (2020-01-05 00:00:00), parsed; null when it is no real date."""
    text = (v.str.replace(r"[ T]00:00(?::00(?:\.0+)?)?$", "").str.replace(r"日$", "")
            .str.replace_all(r"[年月/.]", "-").str.replace(r"^([0-9]{4})([0-9]{2})([0-9]{2})$", "$1-$2-$3"))
    return pl.when(text.str.contains(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$")).then(
        text.str.to_date("%Y-%m-%d", strict=False))


def _check_date(df: pl.DataFrame, column: Column, found: Findings, flag: dict[str, Any], today: date) -> pl.DataFrame:
    key, v = column.key, pl.col(column.key)
    df = df.with_columns(date_expr(v).alias(f"_{key}"))
    parsed = pl.col(f"_{key}")
    found.flag(df, v.is_not_null() & parsed.is_null(), code="DATE_INVALID", **flag)
    found.flag(df, parsed > today, code="DATE_FUTURE", **flag)
    return df.with_columns(pl.when(parsed <= today).then(parsed).alias(f"_{key}"))


def _code_mapping(column: Column) -> dict[str, str]:
    if column.choices is not None:
        return {str(label): str(value) for value, label in column.choices.choices}
    return {label: label for label in column.values}


def _check_codes(df: pl.DataFrame, column: Column, found: Findings, flag: dict[str, Any]) -> pl.DataFrame:
    key, v = column.key, pl.col(column.key)
    mapping = _code_mapping(column)
    items = (v.str.replace_all(r"[、，,;；]", ",").str.split(",")
             .list.eval(pl.element().str.strip_chars()).list.eval(pl.element().filter(pl.element() != "")))
    mapped = items.list.eval(pl.element().replace_strict(mapping, default=None, return_dtype=pl.String))
    df = df.with_columns(mapped.alias(f"_{key}_list"))
    bad = v.is_not_null() & (pl.col(f"_{key}_list").list.eval(pl.element().is_null()).list.any())
    found.flag(df, bad, code="CODE_UNKNOWN", **_labels_text(column), **flag)
    as_json = ("[" + pl.col(f"_{key}_list").list.eval(pl.format('"{}"', pl.element())).list.join(",") + "]")
    return df.with_columns(pl.when(pl.col(f"_{key}_list").is_null()).then(_lit_str("[]")).otherwise(as_json)
                           .alias(f"_{key}")).drop(f"_{key}_list")


def _check_int(df: pl.DataFrame, column: Column, found: Findings, flag: dict[str, Any]) -> pl.DataFrame:
    key, v = column.key, pl.col(column.key)
    whole = v.str.contains(r"^[0-9]{1,9}(?:\.0*)?$")
    df = df.with_columns(pl.when(whole).then(v.str.extract(r"^([0-9]+)").cast(pl.Int64)).alias(f"_{key}"))
    found.flag(df, v.is_not_null() & ~whole & ~v.str.contains(r"^-?[0-9]+(?:\.0*)?$"), code="NUMBER_INVALID", **flag)
    parsed = pl.col(f"_{key}")
    lo = column.min_value if column.min_value is not None else 0
    hi = column.max_value if column.max_value is not None else 10**9
    out_of_range = v.is_not_null() & v.str.contains(r"^-?[0-9]+(?:\.0*)?$") & (parsed.is_null() | (parsed < lo)
                                                                                | (parsed > hi))
    found.flag(df, out_of_range, code="NUMBER_RANGE", min_value=lo, max_value=hi, **flag)
    return df.with_columns(pl.when((parsed >= lo) & (parsed <= hi)).then(parsed).alias(f"_{key}"))


_PLAIN_MONEY = r"^[0-9]{1,10}(?:\.[0-9]{1,2})?$"


def _check_money(df: pl.DataFrame, column: Column, found: Findings, flag: dict[str, Any]) -> pl.DataFrame:
    """Plain amounts (``1234.5``) pass on one regular expression; only the others (thousands separators,
    trailing zeros, and every bad value) are looked at closely, on the few rows that have them."""
    key, v = column.key, pl.col(column.key)
    plain = v.str.contains(_PLAIN_MONEY)
    df = df.with_columns(pl.when(plain).then(v).alias(f"_{key}"))
    odd = df.select(ROW, GROUP, key).filter(v.is_not_null() & ~v.str.contains(_PLAIN_MONEY))
    if odd.is_empty():
        return df
    separated = v.str.contains(r"^-?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?$")
    odd = odd.with_columns(pl.when(separated).then(v.str.replace_all(",", "")).otherwise(v).alias("_plain"))
    t = pl.col("_plain")
    numeric = t.str.contains(r"^-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)$")
    negative = numeric & t.str.starts_with("-") & t.str.contains(r"[1-9]")
    decimals = t.str.extract(r"\.([0-9]*)$").str.strip_chars_end("0").str.len_chars().fill_null(0)
    integer_digits = t.str.extract(r"^-?0*([0-9]*)").str.len_chars().fill_null(0)
    found.flag(odd, ~numeric, code="MONEY_NOT_NUMBER", **flag)
    found.flag(odd, negative, code="MONEY_NEGATIVE", **flag)
    found.flag(odd, numeric & ~negative & (decimals > 2), code="MONEY_DECIMALS", **flag)
    found.flag(odd, numeric & ~negative & (decimals <= 2) & (integer_digits > MONEY_MAX_INTEGER_DIGITS),
               code="MONEY_TOO_LARGE", **flag)
    good = numeric & ~negative & (decimals <= 2) & (integer_digits <= MONEY_MAX_INTEGER_DIGITS)
    value = t.str.strip_chars_start("-").cast(pl.Decimal(12, 2), strict=False).cast(pl.String)
    rescued = odd.filter(good).select(ROW, value.alias("value"))
    if rescued.is_empty():
        return df
    return df.with_columns(pl.coalesce(pl.col(f"_{key}"), pl.col(ROW).replace_strict(
        rescued.get_column(ROW), rescued.get_column("value"), default=None, return_dtype=pl.String)).alias(f"_{key}"))


def duplicates(df: pl.DataFrame, keys: list[str], label: str, header: str, value: str, code: str,
               found: Findings) -> None:
    """Flag every row of a key that occurs more than once, naming the rows it shares the key with."""
    present = pl.all_horizontal(pl.col(k).is_not_null() for k in keys)
    dup = df.select(ROW, GROUP, *{value, *keys}).filter(present).with_columns(pl.len().over(keys).alias("_n")).filter(pl.col("_n") > 1)
    if dup.is_empty():
        return
    rows = dup.group_by(keys).agg(pl.col(ROW).sort().alias("_rows"))
    rows = rows.with_columns(pl.col("_rows").map_elements(rows_text, return_dtype=pl.String).alias("_rows_text"))
    dup = dup.join(rows, on=keys, how="left")
    zh_template, en_template = rule_text(code, rows="{}")
    found.flag(dup, pl.lit(True), label=label, header=header, value=value, code=code,
               zh=pl.format(zh_template, pl.col("_rows_text")), en=pl.format(en_template, pl.col("_rows_text")))
