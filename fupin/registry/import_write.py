"""The registry side of an import: its current state as frames, and bulk writes.

Reads are one query per table (:func:`fupin.core.bulk.read_frame`). Writes go in chunks: ``executemany`` on SQLite, ``COPY`` on
PostgreSQL (straight into the table for new rows; into a temporary table, then one
``UPDATE ... FROM``, for existing rows). The caller holds the transaction: a crash anywhere
leaves the registry as it was.

An existing row is written only when the file changes it (:func:`drop_unchanged`): its values in the columns
the file carries are compared with the stored ones over whole columns, so a re-import of the same file writes
nothing, and a row it does not change keeps its ``updated_at``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from fupin.accounts.models import User
from fupin.areas.scoping import scope_of
from fupin.core import sealed
from fupin.core.bulk import read_frame
from fupin.registry import template
from fupin.registry.import_checks import HH
from fupin.registry.import_links import RegistryState, lookup
from fupin.registry.models import Change, Household, IncomeRecord, Member
from fupin.registry.pinyin import pinyin_keys_many
from fupin.registry.reassess import reassess_after_commit

CHUNK = 20_000
BULK_MIN_ROWS = 50_000
"""An insert of more rows than this, and than the table holds, is a bulk load (see :class:`BulkWriter`)."""
SQLITE_CACHE_KIB = 256 * 1024
PG_LOCK_TIMEOUT = "5s"
PG_MAINTENANCE_WORK_MEM = "256MB"
HOUSEHOLD_TABLE = Household._meta.db_table
MEMBER_TABLE = Member._meta.db_table
INCOME_TABLE = IncomeRecord._meta.db_table
CHANGE_TABLE = Change._meta.db_table
CREATED = "*"
"""A history row's field when the row itself was created."""
HEAD = "head"
LABEL_OF_STATUS = {"registered": "未脱贫", "exit_proposed": "未脱贫", "exited": "已脱贫", "returned": "返贫"}
"""The 脱贫状态 a workflow state shows (every other state, and none, shows 非贫困户)."""


# --- reading the registry ----------------------------------------------------------------------

def _visible(paths: pl.Expr, actor: User | None) -> pl.Expr:
    scope = scope_of(actor) if actor is not None else None
    if scope is None or scope.everything:
        return pl.lit(True)
    if not scope.paths:
        return pl.lit(False)
    return pl.any_horizontal(paths.str.starts_with(p) for p in scope.paths)


@dataclass(frozen=True)
class Narrow:
    """The part of the registry a write of a few rows can touch: the households it names (by number) and the ID
    numbers it names (by blind index). An edit's rules read only these rows; a file's read the whole registry."""

    household_nos: tuple[str, ...]
    id_indexes: tuple[str, ...]


def _in(column: str, values: tuple[Any, ...]) -> tuple[str, list[Any]]:
    """``column IN (...)`` for ``values`` (never empty: an empty list matches nothing)."""
    if not values:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def load_state(actor: User | None, narrow: Narrow | None = None) -> RegistryState:
    """The registry as frames: villages, households (with visibility for ``actor``), members, incomes; with
    ``narrow``, only the households, members and incomes that a write naming those rows can touch (its households'
    rows, and the members holding its ID numbers), in a few index lookups instead of reading every row.

    ``actor`` None is the command line's superuser context: everything is visible.
    """
    villages = read_frame('SELECT code, id, path FROM areas_area WHERE level = %s AND valid_to IS NULL', ["village"],
                          {"code": pl.String, "village_id": pl.Int64, "path": pl.String})
    villages = villages.with_columns(_visible(pl.col("path"), actor).alias("visible")).drop("path")
    where, params = _in("h.household_no", narrow.household_nos) if narrow else ("1 = 1", [])
    households = read_frame(
        f'SELECT h.id, h.household_no, h.status, h.version, a.path FROM "{HOUSEHOLD_TABLE}" h '  # noqa: S608
        f'JOIN areas_area a ON a.id = h.village_id WHERE {where}', params,
        {"hh_id": pl.Int64, "household_no": pl.String, "db_status": pl.String, "db_version": pl.Int64,
         "path": pl.String}, few=bool(narrow))
    households = households.with_columns(_visible(pl.col("path"), actor).alias("hh_visible")).drop("path")
    member_where, member_params, income_where, income_params = "1 = 1", [], "1 = 1", []
    removed_where, removed_params = "1 = 1", []
    if narrow is not None:
        ids = tuple(households.get_column("hh_id").to_list())
        in_households, hh_params = _in("household_id", ids)
        by_index, index_params = _in("id_index", narrow.id_indexes)
        member_where, member_params = f"({in_households} OR {by_index})", hh_params + index_params
        income_where, income_params = in_households, hh_params
        removed_where, removed_params = by_index, index_params
    members = read_frame(f'SELECT id, id_index, household_id, relation FROM "{MEMBER_TABLE}" '  # noqa: S608
                         f'WHERE removed_on IS NULL AND {member_where}', member_params,
                         {"member_id": pl.Int64, "id_index": pl.String, "member_hh_id": pl.Int64,
                          "db_relation": pl.String}, few=bool(narrow))
    incomes = read_frame(f'SELECT id, household_id, year FROM "{INCOME_TABLE}" WHERE {income_where}',  # noqa: S608
                         income_params, {"income_id": pl.Int64, "income_hh_id": pl.Int64, "income_year": pl.Int64},
                         few=bool(narrow))
    removed = read_frame(f'SELECT id_index, household_id, removed_on FROM "{MEMBER_TABLE}" '  # noqa: S608
                         f'WHERE removed_on IS NOT NULL AND {removed_where}', removed_params,
                         {"id_index": pl.String, "removed_hh_id": pl.Int64, "removed_on": pl.Date}, few=bool(narrow))
    return RegistryState(villages, households, members, incomes, removed)


# --- rows as the tables hold them ------------------------------------------------------------------

def _text(key: str) -> pl.Expr:
    """A blank-able CharField: NOT NULL in the table, so a blank cell is stored as ''."""
    return pl.col(f"_{key}").fill_null("").alias(key)


def household_rows(df: pl.DataFrame, now: str) -> pl.DataFrame:
    """Sheet 1 rows as registry_household rows. An existing household keeps its workflow state while the
    file's 脱贫状态 is the one that state shows (拟退出 stays 拟退出 under 未脱贫)."""
    shown = pl.col("db_status").replace_strict(LABEL_OF_STATUS, default="非贫困户", return_dtype=pl.String)
    keep = pl.col("hh_id").is_not_null() & (shown == pl.col("_poverty_status"))
    rows = df.select(
        pl.col("hh_id").alias("id"), pl.col("_household_no").alias("household_no"), pl.col("village_id"),
        pl.col("_attribute").alias("attribute"), _text("main_cause"),
        pl.col("_other_causes").alias("other_causes"), pl.col("_identified_year").alias("identified_year"),
        pl.when(keep).then(pl.col("db_status")).otherwise(pl.col("_status")).alias("status"),
        pl.col("_exit_year").alias("exit_year"),
        *[pl.col(f"_{k}").alias(k) for k in ("food_secure", "clothing_secure")], _text("housing_grade"),
        *[pl.col(f"_{k}").alias(k) for k in ("housing_renovated", "relocated", "safe_water")], _text("phone"),
        _text("address"), _text("bank_name"), _text("bank_account"), pl.lit(False).alias("is_demo"), pl.lit(now).alias("updated_at"),
    )
    return rows


def _sealed(rows: pl.DataFrame, column: str) -> pl.DataFrame:
    """``rows`` with ``column`` sealed (ADR 0024), when it has that column: the rows go to the table by SQL, past
    the model field. Rows are sealed just before they are written: only the rows that are."""
    if column not in rows.columns:
        return rows
    return rows.with_columns(pl.Series(column, sealed.seal_many(rows.get_column(column).to_list()), dtype=pl.String))


def _with_id_indexes(rows: pl.DataFrame) -> pl.DataFrame:
    """New members' ID numbers sealed, with their blind indexes (an existing member's never change: members are
    found by them)."""
    indexes = sealed.id_indexes(rows.get_column("id_number").to_list(), exact=rows.get_column("id_index").to_list())
    return _sealed(rows, "id_number").with_columns(*[pl.Series(k, v, dtype=pl.String) for k, v in indexes.items()])


MEMBER_TEXT = ("ethnicity", "education", "schooling", "health", "disability_level", "labour", "work_location")
MEMBER_FLAGS = ("home_schooling", "medical_insurance", "serious_illness_insurance", "pension_insurance", "dibao",
                "extreme_poverty_support")


def member_rows(df: pl.DataFrame) -> pl.DataFrame:
    """Sheet 2 rows as registry_member rows: sex and birth date from the ID, pinyin per distinct name (the ID
    number still plain: :func:`_with_id_indexes` seals a new member's)."""
    names = df.get_column("_name").drop_nulls().unique().to_list()
    keys = pinyin_keys_many(names)
    table = pl.DataFrame({"name": list(keys), "name_pinyin": [k[0] for k in keys.values()],
                          "name_initials": [k[1] for k in keys.values()]},
                         schema={"name": pl.String, "name_pinyin": pl.String, "name_initials": pl.String})
    return df.select(
        pl.col("member_id").alias("id"), pl.col("hh_id").alias("household_id"), pl.col("_name").alias("name"),
        lookup(pl.col("_name"), table, "name", "name_pinyin").fill_null(""),
        lookup(pl.col("_name"), table, "name", "name_initials").fill_null(""),
        pl.col("_id_number").alias("id_number"), pl.col("_id_number_sex").alias("sex"),
        pl.col("_id_number_birth").dt.strftime("%Y-%m-%d").alias("birth_date"), pl.col("_relation").alias("relation"),
        *[_text(k) for k in MEMBER_TEXT[:3]], pl.col("_home_schooling").alias("home_schooling"),
        *[_text(k) for k in MEMBER_TEXT[3:]], pl.col("_work_months").alias("work_months"),
        *[pl.col(f"_{k}").alias(k) for k in MEMBER_FLAGS[1:]],
        pl.col("_id_index").alias("id_index"),  # computed by the link checks (check_links)
    )


def income_rows(df: pl.DataFrame) -> pl.DataFrame:
    return df.select(pl.col("income_id").alias("id"), pl.col("hh_id").alias("household_id"),
                     pl.col("_year").alias("year"), *[pl.col(f"_{k}").alias(k) for k in IncomeRecord.AMOUNT_FIELDS])


def update_columns(sheet_key: str, present: set[str]) -> list[str]:
    """The table columns an update may overwrite: those whose template column is in the file (a column the
    file leaves out is not blanked), plus what they imply (name -> pinyin, 脱贫状态 -> status)."""
    implied = {"village_code": ["village_id"], "poverty_status": ["status"], "name": ["name", "name_pinyin",
               "name_initials"], "id_number": ["sex", "birth_date"], "household_no": [], "head_id_number": [],
               "year": [], "version": []}
    sheet = next(s for s in template.SHEETS if s.key == sheet_key)
    columns: list[str] = []
    for column in sheet.columns:
        if column.key in present:
            columns.extend(implied.get(column.key, [column.key]))
    if sheet_key == "households":
        columns.append("updated_at")
    return columns


# --- rows the file does not change -------------------------------------------------------------

MONEY_COLUMNS = frozenset(IncomeRecord.AMOUNT_FIELDS)
JSON_COLUMNS = frozenset({"other_causes"})
DATE_COLUMNS = frozenset({"birth_date"})
SEALED_COLUMNS = frozenset({"phone", "bank_account"})
"""Stored sealed under a random nonce: compared as the plain text they open to."""
COMPARED = (("households", "hh_id", HOUSEHOLD_TABLE), ("members", "member_id", MEMBER_TABLE),
            ("incomes", "income_id", INCOME_TABLE))


CHANGE_SCHEMA = {"household_id": pl.Int64, "member_id": pl.Int64, "year": pl.Int64, "field": pl.String,
                 "old": pl.String, "new": pl.String}
"""The changed cells of existing rows, as :class:`~fupin.registry.models.Change` rows take them (JSON text)."""
UNRECORDED = frozenset({"name_pinyin", "name_initials", "updated_at"})
"""Columns derived from another one: their changes are that one's."""


def drop_unchanged(frames: dict[str, pl.DataFrame], present: dict[str, set[str]]) -> tuple[dict[str, int],
                                                                                           pl.DataFrame]:
    """Leave out of ``frames`` the rows of registry rows that the file does not change: existing rows whose values
    in every column the file carries (:func:`update_columns`) are the stored ones. Returns how many rows of each
    sheet were left out, and the cells the other existing rows change (:data:`CHANGE_SCHEMA`: the history's
    source, ADR 0026). Rows left out are not written, so their ``updated_at`` (and their history) stays as it is."""
    rows_of: dict[str, Callable[[pl.DataFrame], pl.DataFrame]] = {
        "households": lambda df: household_rows(df, ""), "members": member_rows, "incomes": income_rows}
    unchanged: dict[str, int] = {}
    changes = [pl.DataFrame(schema=CHANGE_SCHEMA)]
    for key, id_column, table in COMPARED:
        df = frames.get(key)
        if df is None:
            continue
        existing = df.filter(pl.col(id_column).is_not_null())
        if existing.is_empty():
            unchanged[key] = 0
            continue
        columns = [c for c in update_columns(key, present[key]) if c != "updated_at"]
        rows = rows_of[key](existing)
        owner = pl.col("id") if key == "households" else pl.col("household_id")
        same, cells = _compare(table, rows.select("id", *columns, owner.alias("_owner"),
                                                  *(["year"] if key == "incomes" else [])), key)
        frames[key] = df.filter(~pl.col(id_column).is_in(same.implode()).fill_null(False))  # new rows: null id
        unchanged[key] = same.len()
        changes.append(cells)
    return unchanged, pl.concat(changes, how="vertical_relaxed")


def _json(column: str, value: pl.Expr) -> pl.Expr:
    """A value as the JSON text a Change row holds: amounts (cents here) as "12.30", dates as "2020-01-05"."""
    if column in MONEY_COLUMNS:
        cents = value.cast(pl.Int64)
        value = pl.format("{}.{}", cents // 100, (cents % 100).cast(pl.String).str.zfill(2))
    elif column in DATE_COLUMNS:
        value = value.dt.strftime("%Y-%m-%d")
    encoded = pl.struct(value.alias("v")).struct.json_encode().str.slice(5).str.head(-1)
    return pl.when(value.is_null()).then(None).otherwise(encoded)


def _compare(table: str, rows: pl.DataFrame, key: str) -> tuple[pl.Series, pl.DataFrame]:
    """The ids of ``rows`` (``id``, table columns as :func:`household_rows` and the others give them, ``_owner``
    the household, and for incomes ``year``) whose every column equals the stored row's, and the changed cells of
    the others. One query over the range of their ids; sealed columns are opened to compare them."""
    columns = [c for c in rows.columns if c not in ("id", "_owner", "year")]
    if not columns:
        return rows.get_column("id"), pl.DataFrame(schema=CHANGE_SCHEMA)
    selected = ", ".join(f'CAST(ROUND("{c}" * 100) AS BIGINT)' if c in MONEY_COLUMNS else f'"{c}"' for c in columns)
    schema = {"id": pl.Int64, **{c: _stored_dtype(c, rows.schema[c]) for c in columns}}
    stored = read_frame(f'SELECT id, {selected} FROM "{table}" WHERE id BETWEEN %s AND %s',  # noqa: S608
                        [rows.get_column("id").min(), rows.get_column("id").max()], schema)
    joined = rows.join(stored.rename({c: f"{c}__stored" for c in columns}), on="id", how="inner")
    opened = [pl.Series(f"{c}__open", sealed.unseal_many(joined.get_column(f"{c}__stored").to_list()), dtype=pl.String)
              for c in columns if c in SEALED_COLUMNS]
    joined = joined.with_columns(*opened)
    equal = {c: (pl.col(c).eq_missing(pl.col(f"{c}__open")) if c in SEALED_COLUMNS else
                 _comparable(c, pl.col(c)).eq_missing(_comparable(c, pl.col(f"{c}__stored"), stored=True)))
             for c in columns}
    joined = joined.with_columns(*[e.alias(f"{c}__same") for c, e in equal.items()])
    same = pl.all_horizontal(pl.col(f"{c}__same") for c in columns)
    changed = joined.filter(~same)
    member = pl.col("id") if key == "members" else pl.lit(None, dtype=pl.Int64)
    year = pl.col("year").cast(pl.Int64) if key == "incomes" else pl.lit(None, dtype=pl.Int64)
    cells = [pl.DataFrame(schema=CHANGE_SCHEMA)]
    for c in (c for c in columns if c not in UNRECORDED):
        hit = changed.filter(~pl.col(f"{c}__same"))
        if hit.is_empty():
            continue
        if c in SEALED_COLUMNS:
            hit = hit.with_columns(pl.Series(c, sealed.seal_many(hit.get_column(c).to_list()), dtype=pl.String))
            old, new = _json(c, pl.col(f"{c}__stored")), _json(c, pl.col(c))
        else:  # both sides as they compare: amounts in cents, dates as dates, JSON lists as lists
            old = _json(c, _comparable(c, pl.col(f"{c}__stored"), stored=True))
            new = _json(c, _comparable(c, pl.col(c)))
        cells.append(hit.select(pl.col("_owner").alias("household_id"), member.alias("member_id"), year.alias("year"),
                                pl.lit(c).alias("field"), old.alias("old"), new.alias("new")))
    return joined.filter(same).get_column("id"), pl.concat(cells, how="vertical_relaxed")


def _stored_dtype(column: str, dtype: pl.DataType) -> pl.DataType:
    if column in MONEY_COLUMNS:
        return pl.Int64()  # cents, selected so (read_frame: amounts exact on both engines)
    if column in DATE_COLUMNS:
        return pl.Date()
    if column in JSON_COLUMNS or column in SEALED_COLUMNS:
        return pl.String()
    return dtype


def _comparable(column: str, value: pl.Expr, *, stored: bool = False) -> pl.Expr:
    """A file's value (or, with ``stored``, a stored one) in the form both compare in: amounts in cents, dates as
    dates, JSON lists as lists (stored JSON may be spaced: PostgreSQL's jsonb is)."""
    if column in JSON_COLUMNS:
        return value.str.json_decode(pl.List(pl.String))
    if stored:
        return value
    if column in MONEY_COLUMNS:
        return (value.cast(pl.Float64) * 100).round(0).cast(pl.Int64)
    if column in DATE_COLUMNS:
        return value.str.to_date("%Y-%m-%d")
    return value


# --- writing ---------------------------------------------------------------------------------------

class BulkWriter:
    """Inserts and updates whole frames in chunks, reporting rows written.

    A first load (more new rows than the table holds) runs in bulk-load mode, as both engines' manuals
    advise: the table's secondary indexes (and on PostgreSQL its unique and foreign-key constraints) are
    dropped, the rows go in, and the indexes and constraints are built again from the loaded data, which
    is several times faster than growing them one random key at a time. All of it happens inside the
    caller's transaction: a crash restores them untouched, and a rebuilt unique index or foreign key
    that no longer holds fails the import as a whole. On PostgreSQL the table is locked for the rest of
    the transaction; if that lock cannot be had within a few seconds, the rows go in the ordinary way.
    """

    def __init__(self, advance: Callable[[int], None]) -> None:
        self.advance = advance
        self.postgres = connection.vendor == "postgresql"

    def insert(self, table: str, frame: pl.DataFrame) -> None:
        if frame.is_empty():
            return
        columns = ", ".join(f'"{c}"' for c in frame.columns)
        with self._bulk_load(table, frame.height):
            if self.postgres:
                self._copy(f'COPY "{table}" ({columns}) FROM STDIN WITH (FORMAT csv, NULL \'\\N\')', frame)
            else:
                self._executemany(f'INSERT INTO "{table}" ({columns}) '  # noqa: S608
                                  f'VALUES ({", ".join(["%s"] * frame.width)})', frame)

    def update(self, table: str, frame: pl.DataFrame) -> None:
        """Update rows by ``id`` with the values of the other columns."""
        if frame.is_empty():
            return
        names = [c for c in frame.columns if c != "id"]
        if self.postgres:
            staging = f"_import_{table}"
            listed = ", ".join(f'"{c}"' for c in ["id", *names])
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE TEMPORARY TABLE "{staging}" ON COMMIT DROP AS SELECT {listed} '  # noqa: S608
                               f'FROM "{table}" WITH NO DATA')
            self._copy(f'COPY "{staging}" ({listed}) FROM STDIN WITH (FORMAT csv, NULL \'\\N\')',
                       frame.select(["id", *names]))
            assignments = ", ".join(f'"{c}" = s."{c}"' for c in names)
            with connection.cursor() as cursor:
                cursor.execute(f'UPDATE "{table}" AS t SET {assignments} FROM "{staging}" AS s '  # noqa: S608
                               'WHERE t.id = s.id')
                cursor.execute(f'DROP TABLE "{staging}"')
            return
        assignments = ", ".join(f'"{c}" = %s' for c in names)
        self._executemany(f'UPDATE "{table}" SET {assignments} WHERE id = %s',  # noqa: S608
                          frame.select([*names, "id"]))

    @contextmanager
    def session(self) -> Iterator[None]:
        """SQLite: a page cache big enough for a county's tables and indexes while writing (the default 2 MB
        makes every random index update a disk read); restored afterwards."""
        if self.postgres:
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            cache = int(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        yield
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {cache}")

    def _executemany(self, sql: str, frame: pl.DataFrame) -> None:
        with connection.cursor() as cursor:
            for chunk in frame.iter_slices(CHUNK):
                cursor.executemany(sql, list(_rows(chunk)))
                self.advance(chunk.height)

    def _copy(self, sql: str, frame: pl.DataFrame) -> None:
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for chunk in frame.iter_slices(CHUNK):
                copy.write(chunk.write_csv(include_header=False, null_value="\\N").encode("utf-8"))
                self.advance(chunk.height)

    @contextmanager
    def _bulk_load(self, table: str, rows: int) -> Iterator[None]:
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608
            existing = int(cursor.fetchone()[0])
        if rows <= max(existing, BULK_MIN_ROWS):
            yield
            return
        rebuild = _postgres_drop(table) if self.postgres else _sqlite_drop(table)
        yield
        with connection.cursor() as cursor:
            for statement in rebuild:
                cursor.execute(statement)


def _sqlite_drop(table: str) -> list[str]:
    """Drop the table's own indexes (unique column constraints stay); return the statements that restore them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                       "AND sql IS NOT NULL", [table])
        indexes = [(str(name), str(sql)) for name, sql in cursor.fetchall()]
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in indexes]


def _postgres_drop(table: str) -> list[str]:
    """Drop the table's secondary indexes and its unique and foreign-key constraints; return the statements
    that build them again. Nothing is dropped when the table cannot be locked within a few seconds."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{PG_LOCK_TIMEOUT}'")
            cursor.execute("SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
                           "WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY contype DESC, conname",
                           [table])
            constraints = [(str(n), str(d)) for n, d, _ in cursor.fetchall()]
            cursor.execute("SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i "
                           "ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
                           "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
                           "ORDER BY i.relname", [table])
            indexes = [(str(n), str(d)) for n, d in cursor.fetchall()]
            for name, _ in reversed(constraints):
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute("SET LOCAL lock_timeout = DEFAULT")
    except OperationalError:
        return []
    return [f"SET LOCAL maintenance_work_mem = '{PG_MAINTENANCE_WORK_MEM}'",
            *[definition for _, definition in indexes],
            *[f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}' for name, definition in constraints]]


def _rows(frame: pl.DataFrame) -> Iterator[tuple[Any, ...]]:
    return zip(*(s.to_list() for s in frame.iter_columns()), strict=True)


def _split(rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(new rows without ``id``, existing rows); no copy when all rows are of one kind."""
    existing = int(rows.get_column("id").is_not_null().sum())
    if existing == 0:
        return rows.drop("id"), rows.clear()
    if existing == rows.height:
        return rows.clear().drop("id"), rows.sort("id")
    return rows.filter(pl.col("id").is_null()).drop("id"), rows.filter(pl.col("id").is_not_null()).sort("id")


@dataclass(frozen=True)
class Stamp:
    """Who writes, why, from where and since when the new facts hold: every history row of one write carries it
    (:class:`~fupin.registry.models.Change`, ADR 0026)."""

    actor_id: int | None
    event: str
    source: str
    valid_from: date
    reason: str = ""
    batch: uuid.UUID = field(default_factory=uuid.uuid4)


def write_all(frames: dict[str, pl.DataFrame], present: dict[str, set[str]], writer: BulkWriter,
              changes: pl.DataFrame, stamp: Stamp) -> None:
    """Write the checked rows of the three sheets (the frames are consumed), their history (``changes``, the
    changed cells :func:`drop_unchanged` found, plus one row per row created), and raise the version of every
    household changed. New rows go in sorted by their unique key, so the unique indexes grow at their end (members
    in file order: their key is a keyed hash); updates go in the order of the rows' ids."""
    with writer.session():
        created = _write_all(frames, present, writer)
        record_changes(pl.concat([changes, created], how="vertical_relaxed"), stamp, writer)


def record_changes(changes: pl.DataFrame, stamp: Stamp, writer: BulkWriter | None = None) -> None:
    """Append ``changes`` (:data:`CHANGE_SCHEMA`) to the history under ``stamp``, and raise the version (and
    ``updated_at``) of each household they change; a household created by them starts at version 1. Once the write
    commits, the households' verdict and risk are computed again in the background (:mod:`fupin.registry.reassess`)."""
    if changes.is_empty():
        return
    writer = writer or BulkWriter(lambda _: None)
    now = str(connection.ops.adapt_datetimefield_value(timezone.now()))
    batch = Change._meta.get_field("batch").get_db_prep_value(stamp.batch, connection)
    writer.insert(CHANGE_TABLE, changes.select(
        "household_id", "member_id", "year", "field", "old", "new",
        pl.lit(stamp.valid_from.isoformat()).alias("valid_from"), pl.lit(now).alias("recorded_at"),
        pl.lit(stamp.actor_id, dtype=pl.Int64).alias("actor_id"), pl.lit(stamp.event).alias("event"),
        pl.lit(stamp.reason).alias("reason"), pl.lit(stamp.source).alias("source"), pl.lit(str(batch)).alias("batch")))
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{HOUSEHOLD_TABLE}" SET version = version + 1, updated_at = %s WHERE id IN '  # noqa: S608
                       f'(SELECT household_id FROM "{CHANGE_TABLE}" WHERE batch = %s AND NOT (field = %s AND '
                       'member_id IS NULL AND year IS NULL))', [now, batch, CREATED])
    reassess_after_commit(stamp.batch)


def _created(rows: pl.DataFrame, member: str | None, year: str | None) -> pl.DataFrame:
    return rows.select(pl.col("household_id").cast(pl.Int64),
                       (pl.col(member) if member else pl.lit(None)).cast(pl.Int64).alias("member_id"),
                       (pl.col(year) if year else pl.lit(None)).cast(pl.Int64).alias("year"),
                       pl.lit(CREATED).alias("field"), pl.lit(None, dtype=pl.String).alias("old"),
                       pl.lit(None, dtype=pl.String).alias("new"))


def _write_all(frames: dict[str, pl.DataFrame], present: dict[str, set[str]], writer: BulkWriter) -> pl.DataFrame:
    """Write the rows; return the history rows of those created: a household, and a member or an income line added
    to a household that existed (the rows of a new household are part of its creation)."""
    now = str(connection.ops.adapt_datetimefield_value(timezone.now()))
    ids = pl.DataFrame(schema={"household_no": pl.String, "new_hh_id": pl.Int64})
    created = [pl.DataFrame(schema=CHANGE_SCHEMA)]
    if "households" in frames:
        new, old = _split(household_rows(frames.pop("households"), now))
        old = old.select(["id", *update_columns("households", present["households"])])
        writer.update(HOUSEHOLD_TABLE, _sealed(_sealed(old, "phone"), "bank_account"))
        before = _max_id(HOUSEHOLD_TABLE)
        writer.insert(HOUSEHOLD_TABLE, _sealed(_sealed(new.sort("household_no"), "phone"), "bank_account"))
        ids = read_frame(f'SELECT household_no, id FROM "{HOUSEHOLD_TABLE}" WHERE id > %s', [before],  # noqa: S608
                         {"household_no": pl.String, "new_hh_id": pl.Int64})
        created.append(_created(ids.rename({"new_hh_id": "household_id"}), None, None))
    fresh = ids.get_column("new_hh_id").implode()
    for key in ("members", "incomes"):
        if key in frames:
            frames[key] = frames[key].with_columns(
                pl.coalesce("hh_id", lookup(pl.col(HH), ids, "household_no", "new_hh_id")).alias("hh_id"))
    if "members" in frames:
        new, old = _split(member_rows(frames.pop("members")))
        old = old.select(["id", *update_columns("members", present["members"])])
        # Heads last: one head per household holds after every statement, also when a head changes.
        if "relation" in old.columns:
            writer.update(MEMBER_TABLE, old.filter(pl.col("relation") != HEAD))
            writer.update(MEMBER_TABLE, old.filter(pl.col("relation") == HEAD))
        else:
            writer.update(MEMBER_TABLE, old)
        added = new.filter(~pl.col("household_id").is_in(fresh))
        before = _max_id(MEMBER_TABLE)
        writer.insert(MEMBER_TABLE, _with_id_indexes(new))  # in file order: their unique key is a keyed hash
        if not added.is_empty():
            rows = read_frame(f'SELECT id, household_id FROM "{MEMBER_TABLE}" WHERE id > %s',  # noqa: S608
                              [before], {"id": pl.Int64, "household_id": pl.Int64})
            created.append(_created(rows.filter(~pl.col("household_id").is_in(fresh)), "id", None))
    if "incomes" in frames:
        new, old = _split(income_rows(frames.pop("incomes")))
        writer.update(INCOME_TABLE, old.select(["id", *update_columns("incomes", present["incomes"])]))
        writer.insert(INCOME_TABLE, new.sort("household_id", "year"))
        created.append(_created(new.filter(~pl.col("household_id").is_in(fresh)), None, "year"))
    return pl.concat(created, how="vertical_relaxed")


def _max_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608
        row = cursor.fetchone()
    return int(row[0]) if row else 0
