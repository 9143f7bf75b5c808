"""Bulk reads and writes for population-wide work: COPY on PostgreSQL, a cursor or executemany on SQLite.

``bulk_create`` builds a model instance per row; for hundreds of thousands of rows of computed
results that is the slow part. The writers take plain tuples (or a frame) in the table's column
order. The readers give rows as tuples (:func:`fetch_rows`) or, the one way query results become
Polars frames, as typed columns (:func:`read_frame` for a SELECT, :func:`query_frame` for a queryset).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, overload

import polars as pl
from django.db import connection, models


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
                batch_size: int = 5000) -> int:
    """Insert ``rows`` (tuples in ``columns`` order, database column names) into ``model``'s table.

    Must run inside a transaction the caller owns, so a failure leaves nothing behind.
    """
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        sql = f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
        batch: list[Sequence[Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= batch_size:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def fetch_rows(queryset: models.QuerySet[Any], fields: Sequence[str]) -> list[tuple[Any, ...]]:
    """All rows of ``queryset.values_list(*fields)`` through one cursor, without model or dict overhead."""
    sql, params = queryset.values_list(*fields).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


READ_BATCH = 100_000
"""Rows fetched from a cursor at a time (SQLite): a county table never exists as one list of tuples."""


@overload
def read_frame(sql: str, params: Sequence[Any], schema: Mapping[str, Any], *,
               few: bool = False) -> pl.DataFrame: ...
@overload
def read_frame(sql: str, params: Sequence[Any], schema: Mapping[str, Any], *, few: bool = False,
               lazy: Literal[True]) -> pl.LazyFrame: ...
def read_frame(sql: str, params: Sequence[Any], schema: Mapping[str, Any], *, few: bool = False,
               lazy: bool = False) -> pl.DataFrame | pl.LazyFrame:
    """The rows of one SELECT as a Polars frame with ``schema`` (column name: Polars dtype, in the
    SELECT's order): the one way query results become frames. PostgreSQL sends them as CSV through
    ``COPY (...) TO STDOUT`` (parsed by Polars, no Python object per value); SQLite through one cursor,
    a batch of rows at a time. Select amounts as integers (cents) where they must be exact: both
    engines then give the same frame. A date column may arrive as a date or as ISO text (a
    ``CAST(x AS TEXT)``, SQLite's storage, a timestamp's first ten characters). With ``lazy``, the
    conversions are left to the caller's own ``collect`` (one Polars run fewer: each costs a
    thread-pool round on a busy machine, which adds up when one household is assessed).
    ``few``: a handful of rows is expected (one household): a plain cursor on PostgreSQL too."""
    # What arrives: booleans as t/f (PostgreSQL CSV), 0/1 (SQLite) or True/False (PostgreSQL cursor);
    # dates as ISO text (CSV) or either text or dates (a cursor).
    copy_csv = connection.vendor == "postgresql" and not few
    bool_raw = pl.String if copy_csv else (pl.Int8 if connection.vendor == "sqlite" else pl.Boolean)
    raw = {name: (bool_raw if dtype == pl.Boolean else pl.String if dtype == pl.Date else dtype)
           for name, dtype in schema.items()}
    with connection.cursor() as cursor:
        if copy_csv:
            buffer = io.BytesIO()
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:  # type: ignore[attr-defined]
                for block in copy:
                    buffer.write(block)
            data = buffer.getvalue()
            frame = pl.read_csv(data, has_header=False, schema=raw) if data else pl.DataFrame(schema=raw)
        else:
            cursor.execute(sql, params)
            dates = [name for name, dtype in schema.items() if dtype == pl.Date]
            batches = [_rows_frame(rows, raw, dates) for rows in iter(lambda: cursor.fetchmany(READ_BATCH), [])]
            frame = pl.concat(batches, how="vertical_relaxed") if batches else pl.DataFrame(schema=raw)
    conversions = []
    for name, dtype in schema.items():
        if dtype == pl.Boolean and bool_raw != pl.Boolean:
            conversions.append((pl.col(name) == "t") if copy_csv else pl.col(name).cast(pl.Boolean))
        elif dtype == pl.Date and frame.schema[name] != pl.Date:
            conversions.append(pl.col(name).cast(pl.String).str.slice(0, 10).str.to_date("%Y-%m-%d"))
    result = frame.lazy().with_columns(conversions)
    return result if lazy else result.collect()


def _rows_frame(rows: Sequence[Sequence[Any]], raw: Mapping[str, Any], dates: Sequence[str]) -> pl.DataFrame:
    """Cursor rows as columns of the ``raw`` types; a date column keeps what the cursor gave (dates or text)."""
    if not dates:
        return pl.DataFrame(rows, schema=dict(raw), orient="row")
    overrides = {name: dtype for name, dtype in raw.items() if name not in dates}
    return pl.DataFrame(rows, schema=list(raw), schema_overrides=overrides, orient="row", infer_schema_length=None)


@overload
def query_frame(queryset: models.QuerySet[Any], fields: Sequence[str], schema: Mapping[str, Any]) -> pl.DataFrame: ...
@overload
def query_frame(queryset: models.QuerySet[Any], fields: Sequence[str], schema: Mapping[str, Any], *,
                lazy: Literal[True]) -> pl.LazyFrame: ...
def query_frame(queryset: models.QuerySet[Any], fields: Sequence[str], schema: Mapping[str, Any], *,
                lazy: bool = False) -> pl.DataFrame | pl.LazyFrame:
    """``queryset.values_list(*fields)`` as a frame whose columns are named and typed by ``schema``
    (:func:`read_frame`)."""
    sql, params = queryset.values_list(*fields).query.sql_with_params()
    return read_frame(sql, list(params), schema, lazy=True) if lazy else read_frame(sql, list(params), schema)


def insert_frame(model: type[models.Model], frame: pl.DataFrame) -> int:
    """Insert every row of ``frame`` (columns named as the table's database columns) into
    ``model``'s table: PostgreSQL ``COPY ... FROM STDIN`` of the frame written as CSV by Polars,
    SQLite ``executemany``. Nulls become NULL; decimals may be given as text ("3747.00").
    Must run inside a transaction the caller owns."""
    if frame.is_empty():
        return 0
    if connection.vendor != "postgresql":
        return insert_rows(model, frame.columns, frame.iter_rows())
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in frame.columns)
    # NULL is written \N, so an empty string stays an empty string.
    data = frame.write_csv(include_header=False, null_value="\\N", quote_style="necessary").encode()
    sql = f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:  # type: ignore[attr-defined]
        copy.write(data)
    return frame.height
