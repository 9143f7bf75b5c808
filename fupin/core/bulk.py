"""Bulk writes for population-wide results: COPY on PostgreSQL, executemany on SQLite.

``bulk_create`` builds a model instance per row; for hundreds of thousands of rows of computed
results that is the slow part. These helpers take plain tuples in the table's column order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

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
