"""Bulk writes for population-wide results: COPY on PostgreSQL, executemany on SQLite.

``bulk_create`` builds a model instance per row; for hundreds of thousands of rows of computed
results that is the slow part. These helpers take plain tuples in the table's column order.
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


@overload
def read_frame(sql: str, params: Sequence[Any], schema: Mapping[str, Any], *,
               few: bool = False) -> pl.DataFrame: ...
@overload
def read_frame(sql: str, params: Sequence[Any], schema: Mapping[str, Any], *, few: bool = False,
               lazy: Literal[True]) -> pl.LazyFrame: ...
def read_frame(sql: str, params: Sequence[Any], schema: Mapping[str, Any], *, few: bool = False,
               lazy: bool = False) -> pl.DataFrame | pl.LazyFrame:
    """The rows of one SELECT as a Polars frame with ``schema`` (column name: Polars dtype, in the
    SELECT's order). PostgreSQL sends them as CSV through ``COPY (...) TO STDOUT`` (parsed by Polars,
    no Python object per value); SQLite through one cursor. Select dates as text (``CAST(x AS
    TEXT)``, ISO) and amounts as integers (cents): both engines then give the same frame. With
    ``lazy``, the conversions are left to the caller's own ``collect`` (one Polars run fewer: each
    costs a thread-pool round on a busy machine, which adds up when one household is assessed).
    ``few``: a handful of rows is expected (one household): a plain cursor on PostgreSQL too."""
    # What arrives: booleans as t/f (PostgreSQL CSV), 0/1 (SQLite) or True/False (PostgreSQL cursor);
    # dates as ISO text.
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
            frame = pl.DataFrame(cursor.fetchall(), schema=raw, orient="row")
    conversions = []
    for name, dtype in schema.items():
        if dtype == pl.Boolean and bool_raw != pl.Boolean:
            conversions.append((pl.col(name) == "t") if copy_csv else pl.col(name).cast(pl.Boolean))
        elif dtype == pl.Date:
            conversions.append(pl.col(name).str.to_date("%Y-%m-%d"))
    result = frame.lazy().with_columns(conversions)
    return result if lazy else result.collect()


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
