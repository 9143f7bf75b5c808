"""Personal numbers sealed at rest: SM4-GCM under the key file, found again through keyed blind indexes.

ADR 0024. An ID number or a phone number is stored as ``<key id>:<base64 of nonce | ciphertext | tag>``,
encrypted with SM4 (GB/T 32907) in GCM mode under the key ``core.keys`` derives for ``PII_ENCRYPT`` from
the master key named by the key id. Rotation writes new values under the new active key; old values
keep naming their key and still open.

A sealed value cannot be compared in SQL, so a column that is searched has a blind index next to it:
HMAC-SM3 under the ``PII_INDEX`` key of the normalised value (and, for ID numbers, of its parts: the first
6 and 10 characters and the last 6), truncated. Equal values give equal indexes, so exact search, unique
constraints and joins between lists run on the index; the index tells nothing without the key.

- ``SealedField`` is the model field: Python sees the plain text, the database the sealed text. Its
  ``exact`` and ``in`` lookups go to the field's index (``Member.objects.filter(id_number=x)`` compares
  ``id_index`` with the index of ``x``); every other lookup is refused, so no query compares plain text
  with ciphertext by mistake.
- ``BlindIndexField`` holds an index and computes it from its source field whenever the row is saved
  (``save``, ``bulk_create``); code that writes rows in bulk by SQL calls ``seal_many`` and
  ``index_many`` (or ``id_indexes``) itself.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django import forms
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.expressions import Col
from django.db.models.lookups import Exact, In, IsNull

from fupin.core import keys

NONCE = 12
TAG = 16
INDEX_HEX = 32  # 128 bits: an exact-match index (unique constraints rest on it)
PART_HEX = 16  # 64 bits: an index of a part (far more distinct values than any part has)

# The kinds of value an index is computed over: the same text under two kinds gives unrelated indexes.
ID = "id"
ID_HEAD6 = "id-head6"
ID_HEAD10 = "id-head10"
ID_TAIL6 = "id-tail6"
PHONE = "phone"

BROKEN = "无法解密（密钥文件不对应或数据被改动）/ a sealed value does not open (wrong key file, or altered data)"


class _Derived:
    """The derived keys of the current key ring, derived once (a test or a rotation may change the ring), and an
    HMAC keyed for each kind of index (copied per value: no re-keying)."""

    ring: keys.KeyRing | None = None
    encrypt: dict[str, bytes] = {}
    index: bytes = b""
    keyed: dict[str, Any] = {}

    @classmethod
    def current(cls) -> type[_Derived]:
        ring = keys.keyring()
        if ring is not cls.ring:
            cls.ring, cls.encrypt, cls.keyed = ring, {}, {}
            cls.index = ring.derive(keys.PII_INDEX, ring.index)
        return cls


def _encrypt_key(key_id: str) -> bytes:
    derived = _Derived.current()
    if key_id not in derived.encrypt:
        derived.encrypt[key_id] = derived.ring.derive(keys.PII_ENCRYPT, key_id)  # type: ignore[union-attr]
    return derived.encrypt[key_id]


def _index_key() -> bytes:
    return _Derived.current().index


def seal(text: str) -> str:
    """``text`` encrypted under the active key; the empty text stays empty (nothing to hide)."""
    return seal_many([text])[0] or text


def unseal(token: str) -> str:
    if not token:
        return token
    key_id, sep, b64 = token.partition(":")
    try:
        if not sep:
            raise ValueError(token[:4])
        raw = base64.b64decode(b64, validate=True)
        decryptor = Cipher(algorithms.SM4(_encrypt_key(key_id)),
                           modes.GCM(raw[:NONCE], raw[-TAG:])).decryptor()
        return (decryptor.update(raw[NONCE:-TAG]) + decryptor.finalize()).decode("utf-8")
    except (ValueError, binascii.Error, InvalidTag, ImproperlyConfigured) as exc:
        raise ValueError(BROKEN) from exc


def seal_many(values: Sequence[str | None]) -> list[str | None]:
    """``seal`` over a column: the key and the cipher algorithm looked up once, the nonces drawn at once."""
    key_id = keys.keyring().active
    algorithm = algorithms.SM4(_encrypt_key(key_id))
    nonces = os.urandom(NONCE * len(values))
    out: list[str | None] = []
    for i, text in enumerate(values):
        if not text:
            out.append(text)
            continue
        nonce = nonces[i * NONCE:(i + 1) * NONCE]
        encryptor = Cipher(algorithm, modes.GCM(nonce)).encryptor()
        body = encryptor.update(text.encode("utf-8")) + encryptor.finalize()
        out.append(f"{key_id}:{base64.b64encode(nonce + body + encryptor.tag).decode('ascii')}")
    return out


def _keyed(kind: str) -> Any:
    derived = _Derived.current()
    if kind not in derived.keyed:
        derived.keyed[kind] = hmac.new(derived.index, f"{kind}\x00".encode(), "sm3")
    return derived.keyed[kind]


def unseal_many(values: Iterable[str | None]) -> list[str | None]:
    return [None if v is None else unseal(v) for v in values]


def blind(kind: str, text: str) -> str:
    """The keyed index of ``text`` as a value of ``kind`` ('' for the empty text): HMAC-SM3 of
    ``kind NUL text``, truncated."""
    if not text:
        return ""
    mac = _keyed(kind).copy()
    mac.update(text.encode())
    return str(mac.hexdigest())[:INDEX_HEX if kind in (ID, PHONE) else PART_HEX]


def index_many(kind: str, values: Sequence[str | None]) -> list[str | None]:
    """``blind`` over a column, computed once per distinct value (parts of ID numbers repeat a lot)."""
    keyed, width = _keyed(kind), INDEX_HEX if kind in (ID, PHONE) else PART_HEX
    table: dict[str, str] = {}
    for v in set(values):
        if v:
            mac = keyed.copy()
            mac.update(v.encode())
            table[v] = mac.hexdigest()[:width]
    return [None if v is None else table.get(v, "") for v in values]


# An ID number's parts that the registry search finds: the index column of each, and how to cut it.
ID_PARTS: dict[str, tuple[str, Callable[[str], str]]] = {
    "id_head6": (ID_HEAD6, lambda v: v[:6]),
    "id_head10": (ID_HEAD10, lambda v: v[:10]),
    "id_tail6": (ID_TAIL6, lambda v: v[-6:]),
}


_CUTS = dict(ID_PARTS.values())


def blind_of(kind: str, value: str) -> str:
    """The index of ``kind`` for a whole value: of its part, for the kinds that index a part of an ID number."""
    cut = _CUTS.get(kind)
    return blind(kind, cut(value) if cut is not None and value else value)


def id_indexes(values: Sequence[str | None], exact: Sequence[str | None] | None = None) -> dict[str, list[str | None]]:
    """The index columns of a column of (normalised, 18-character) ID numbers: ``id_index`` (``exact`` when the
    caller has it already) and the parts."""
    out = {"id_index": list(exact) if exact is not None else index_many(ID, values)}
    for column, (kind, cut) in ID_PARTS.items():
        out[column] = index_many(kind, [None if v is None else cut(v) for v in values])
    return out


# --- the model fields -------------------------------------------------------------------------------------

class SealedField(models.TextField[str, str]):
    """Text stored sealed. ``index`` names the ``BlindIndexField`` of this value, if it is searched;
    ``plain_max_length`` bounds the plain text (forms and ``full_clean``)."""

    description = "text sealed with SM4-GCM"

    def __init__(self, *args: Any, plain_max_length: int = 50, index: str = "", **kwargs: Any) -> None:
        self.plain_max_length = plain_max_length
        self.index = index
        super().__init__(*args, **kwargs)
        self.validators.append(MaxLengthValidator(plain_max_length))

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["plain_max_length"] = self.plain_max_length
        if self.index:
            kwargs["index"] = self.index
        return name, path, args, kwargs

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return None if value is None else unseal(value)

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        value = self.get_prep_value(value)
        return None if value is None else seal(str(value))

    def formfield(self, **kwargs: Any) -> Any:  # a one-line input, not the text area of a TextField
        return forms.CharField(**{"max_length": self.plain_max_length, "required": not self.blank,
                                  "label": self.verbose_name, **kwargs})

    def get_lookup(self, lookup_name: str) -> Any:
        """``exact`` and ``in`` through the index; no other lookup (Django then raises "Unsupported lookup
        'startswith' for SealedField"), so no query compares plain text with ciphertext by mistake."""
        return {"isnull": IsNull, "exact": SealedExact, "in": SealedIn}.get(lookup_name)


class BlindIndexField(models.CharField[str, str]):
    """The keyed index of another field of the row (``source``) as ``kind``, computed on every save."""

    description = "keyed blind index (HMAC-SM3)"

    def __init__(self, *args: Any, source: str = "", kind: str = ID, **kwargs: Any) -> None:
        self.source, self.kind = source, kind
        kwargs.setdefault("max_length", INDEX_HEX)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, kind=self.kind)
        kwargs.pop("editable", None)
        kwargs.pop("blank", None)
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = getattr(model_instance, self.source) or ""
        index = blind_of(self.kind, value)
        setattr(model_instance, self.attname, index)
        return index


def _index_column(lookup: Any) -> tuple[Col, str]:
    lhs = lookup.lhs
    field = getattr(lhs, "target", None)
    if not isinstance(lhs, Col) or not isinstance(field, SealedField) or not field.index:
        raise FieldError("a sealed value without a blind index cannot be compared; search its index instead")
    index = field.model._meta.get_field(field.index)
    assert isinstance(index, BlindIndexField)
    return Col(lhs.alias, index), index.kind


class SealedExact(Exact):
    """``sealed = x`` as ``index = blind(x)``; ``sealed = ''`` compares the stored text (empty stays empty)."""

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        if self.rhs == "":
            return compiler.compile(Exact(Col(self.lhs.alias, self.lhs.target), ""))
        column, kind = _index_column(self)
        if not isinstance(self.rhs, str):
            raise FieldError("a sealed value is compared with a text only")
        return compiler.compile(Exact(column, blind(kind, self.rhs)))


class SealedIn(In):
    def as_sql(self, compiler: Any, connection: Any) -> Any:
        column, kind = _index_column(self)
        values = list(self.rhs)
        if not all(isinstance(v, str) for v in values):
            raise FieldError("a sealed value is compared with texts only")
        return compiler.compile(In(column, [blind(kind, v) for v in values]))


# --- migrations: sealing the values a table held in clear -------------------------------------------------

def _index_of(column: str, value: str) -> str:
    kind = ID_PARTS[column][0] if column in ID_PARTS else PHONE if column.startswith("phone") else ID
    return blind_of(kind, value)


def seal_existing(table: str, column: str, indexes: Sequence[str] = ()) -> Callable[[Any, Any], None]:
    """A ``RunPython`` step: seal ``table.column`` in place and fill its index columns (``id_index``,
    ``id_head6``… or ``phone_index``). Plain SQL: the historical model's field would try to open the
    plain text."""
    def run(apps: Any, schema_editor: Any) -> None:
        connection = schema_editor.connection
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, {quote(column)} FROM {quote(table)}")  # noqa: S608
            rows = [(pk, v) for pk, v in cursor.fetchall() if v]
            sets = ", ".join(f"{quote(c)} = %s" for c in (column, *indexes))
            cursor.executemany(f"UPDATE {quote(table)} SET {sets} WHERE id = %s",  # noqa: S608
                               [(seal(v), *(_index_of(c, v) for c in indexes), pk) for pk, v in rows])
    return run


def open_existing(table: str, column: str) -> Callable[[Any, Any], None]:
    """The reverse of ``seal_existing`` (the index columns go with the migration's other steps)."""
    def run(apps: Any, schema_editor: Any) -> None:
        connection = schema_editor.connection
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, {quote(column)} FROM {quote(table)}")  # noqa: S608
            rows = [(unseal(v), pk) for pk, v in cursor.fetchall() if v]
            cursor.executemany(f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE id = %s", rows)  # noqa: S608
    return run


# --- rotation: every sealed value under the active key ----------------------------------------------------

RESEAL_BATCH = 5_000


def sealed_columns() -> list[tuple[type[models.Model], SealedField]]:
    """Every sealed column of the installed models."""
    from django.apps import apps

    return [(model, field) for model in apps.get_models() for field in model._meta.local_fields
            if isinstance(field, SealedField)]


def reseal_all(progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Seal again under the active key every value sealed under another one (after ``fupin key-rotate``), so
    that no value needs an older encryption key. Returns the values resealed per column. The indexes stay:
    their key does not rotate. Each column in batches of ``RESEAL_BATCH`` rows, one transaction each."""
    from django.db import connection, transaction

    active = keys.keyring().active
    quote = connection.ops.quote_name
    done: dict[str, int] = {}
    for model, field in sealed_columns():
        table, column, pk = quote(model._meta.db_table), quote(str(field.column)), quote(str(model._meta.pk.column))
        label = f"{model._meta.label}.{field.name}"
        done[label] = 0
        last = None
        while True:
            where = f"{column} <> '' AND {column} NOT LIKE %s" + (f" AND {pk} > %s" if last is not None else "")
            params: list[Any] = [f"{active}:%", *([last] if last is not None else [])]
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {pk}, {column} FROM {table} WHERE {where} "  # noqa: S608
                               f"ORDER BY {pk} LIMIT {RESEAL_BATCH}", params)
                rows = cursor.fetchall()
            if not rows:
                break
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s",  # noqa: S608
                                   [(seal(unseal(v)), key) for key, v in rows])
            done[label] += len(rows)
            last = rows[-1][0]
            if progress is not None:
                progress(len(rows))
    return done


def reseal_pending() -> int:
    """How many sealed values are not under the active key (the progress bar's total)."""
    from django.db import connection

    active = keys.keyring().active
    quote = connection.ops.quote_name
    total = 0
    with connection.cursor() as cursor:
        for model, field in sealed_columns():
            column = quote(str(field.column))
            cursor.execute(f"SELECT COUNT(*) FROM {quote(model._meta.db_table)} "  # noqa: S608
                           f"WHERE {column} <> '' AND {column} NOT LIKE %s", [f"{active}:%"])
            total += int(cursor.fetchone()[0])
    return total
