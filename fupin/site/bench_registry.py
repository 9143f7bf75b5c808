"""A county-sized registry for measuring search, generated in bulk (COPY on PostgreSQL).

``seed_demo`` builds believable households one model at a time and takes minutes for a million
members; this builds a plain one (names, pinyin keys, valid unique ID numbers, household numbers,
statuses) in a few dozen seconds, so the list page's queries can be timed at the size the issue asks
for. Every column the generator does not set gets its field default, so new nullable or defaulted
columns do not break it.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median
from typing import Any

from django.core.paginator import Paginator
from django.db import connection, models, transaction

from fupin.accounts.roles import Role
from fupin.areas.models import Area
from fupin.core import idnumber, sealed
from fupin.core.actors import Viewer
from fupin.core.bulk import insert_rows
from fupin.registry import selectors
from fupin.registry.models import Household, Member
from fupin.registry.pinyin import pinyin_keys
from fupin.site.demo import GIVEN, SURNAMES

BENCH_PREFIX = "BENCH"
POOL = 400  # given names drawn; with 100 surnames, about 40,000 distinct names
STATUSES = ["registered"] * 30 + ["exited"] * 52 + ["returned"] * 3 + ["exit_proposed"] * 3 + [None] * 12


def _defaults(model: type[models.Model], given: Sequence[str]) -> tuple[list[str], list[Any]]:
    """The columns not in ``given`` with the database value of their field default."""
    columns: list[str] = []
    values: list[Any] = []
    for field in model._meta.concrete_fields:
        if field.column in given or field.primary_key or (field.has_db_default() and not field.has_default()):
            continue  # the database fills a column with only a database default
        if isinstance(field, models.DateTimeField) and (field.auto_now or field.auto_now_add):
            default: Any = field.pre_save(model(), add=True)
        else:
            default = field.get_default()
        if isinstance(field, models.JSONField):
            value: Any = "[]" if default == [] else "{}" if default == {} else default
        else:
            value = field.get_db_prep_save(default, connection)
        columns.append(str(field.column))
        values.append(value)
    return columns, values


def _write(model: type[models.Model], columns: list[str], rows: Iterator[tuple[Any, ...]]) -> int:
    """Bulk insert with every other column at its field default."""
    extra_columns, extra_values = _defaults(model, columns)
    return insert_rows(model, [*columns, *extra_columns], ((*row, *extra_values) for row in rows), batch_size=10_000)


def _reset_sequence(model: type[models.Model]) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            table = model._meta.db_table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")  # noqa: S608


@dataclass(frozen=True)
class BulkRegistry:
    households: int
    members: int
    sample_names: list[str]
    sample_ids: list[str]


@transaction.atomic
def registry_bulk_generate(*, members: int = 1_000_000, seed: int = 7) -> BulkRegistry:
    """About ``members`` members in households of 1 to 6 people, spread over the current villages."""
    rng = random.Random(seed)
    villages = list(Area.objects.filter(level="village", valid_to__isnull=True).values_list("pk", "code"))
    if not villages:
        raise RuntimeError("no villages: run seed-reference first")
    first_household = (Household.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1
    first_member = (Member.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1
    sizes: list[int] = []
    total = 0
    while total < members:
        sizes.append(rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5, 6)))
        total += sizes[-1]
    # A pool of given names, so pinyin is computed for a few thousand names, not a million.
    given_pool = sorted({"".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))) for _ in range(POOL)})
    keys: dict[str, tuple[str, str]] = {}
    sample_names: list[str] = []
    sample_ids: list[str] = []
    numbers: dict[int, int] = {}
    sample_every = max(members // 20, 2)
    existing = set(Member.objects.values_list("id_number", flat=True))

    def household_rows() -> Iterator[tuple[Any, ...]]:
        for i, _size in enumerate(sizes):
            village_pk, code = villages[i % len(villages)]
            numbers[village_pk] = numbers.get(village_pk, 0) + 1
            status = rng.choice(STATUSES)
            attribute = "ordinary" if status is None else rng.choice(("general_poor", "dibao_poor", "tekun_poor"))
            yield (first_household + i, f"{BENCH_PREFIX}{code}{numbers[village_pk]:05d}", village_pk, attribute, status)

    def member_rows() -> Iterator[tuple[Any, ...]]:
        pk = first_member
        serial = 0
        base = date(1940, 1, 1)
        for i, size in enumerate(sizes):
            surname = rng.choice(SURNAMES)
            for j in range(size):
                name = (surname if j != 1 else rng.choice(SURNAMES)) + rng.choice(given_pool)
                if name not in keys:
                    keys[name] = pinyin_keys(name)
                full, initials = keys[name]
                # Unique by construction (500 sequence numbers per birth date and sex), skipping numbers
                # already in the registry (the demo county, say).
                female = j % 2 == 1
                while True:
                    birth = base + timedelta(days=serial // 500)
                    first17 = f"411103{birth:%Y%m%d}{(serial % 500) * 2 + (0 if female else 1):03d}"
                    serial += 1
                    id_number = first17 + idnumber.check_character(first17)
                    if id_number not in existing:
                        break
                if serial % sample_every == 1:
                    sample_names.append(name)
                    sample_ids.append(id_number)
                indexes = sealed.id_indexes([id_number])  # sealed at rest, found by its keyed indexes
                yield (pk, first_household + i, name, full, initials, sealed.seal(id_number), *(v[0] for v in
                       indexes.values()), "F" if female else "M", birth, "head" if j == 0 else "other")
                pk += 1

    household_count = _write(Household, ["id", "household_no", "village_id", "attribute", "status"], household_rows())
    member_count = _write(Member, ["id", "household_id", "name", "name_pinyin", "name_initials", "id_number",
                                   *sealed.id_indexes([]), "sex", "birth_date", "relation"], member_rows())
    _reset_sequence(Household)
    _reset_sequence(Member)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return BulkRegistry(household_count, member_count, sample_names, sample_ids)


@dataclass(frozen=True)
class SearchTiming:
    label: str
    params: dict[str, Any]
    found: int
    seconds: float


def list_page(user: Viewer, params: dict[str, Any], page: int = 1) -> tuple[int, list[selectors.HouseholdRow]]:
    """What the list view does: the scoped, filtered queryset, its count and one page of 25."""
    households = selectors.household_list(user, **params)
    paged = Paginator(households, 25).get_page(page)
    return paged.paginator.count, selectors.household_rows(paged.object_list)


def registry_search_timings(data: BulkRegistry, *, repeats: int = 3) -> list[SearchTiming]:
    """Median wall time of the list page for representative searches, as a county admin and a
    township officer would run them."""
    from fupin.accounts.services import assignment_create, user_create

    county = Area.objects.get(level="county", valid_to__isnull=True, code="411103000000")
    township = Area.objects.filter(level="township", valid_to__isnull=True, parent=county).order_by("code").first()
    village = Area.objects.filter(level="village", valid_to__isnull=True, parent=township).order_by("code").first()
    admin = user_create(username="bench_search_admin", password=secrets.token_urlsafe(24), name="bench")
    assignment_create(user=admin, role=Role.DISTRICT_ADMIN, area=county)
    officer = user_create(username="bench_search_township", password=secrets.token_urlsafe(24), name="bench")
    assignment_create(user=officer, role=Role.TOWNSHIP_OFFICER, area=township)  # type: ignore[arg-type]
    from fupin.accounts.models import User

    admin, officer = User.objects.get(pk=admin.pk), User.objects.get(pk=officer.pk)
    name = data.sample_names[0]
    full, initials = pinyin_keys(name)
    id_number = data.sample_ids[0]
    cases: list[tuple[str, Any, dict[str, Any], int]] = [
        ("全部(区)", admin, {}, 1),
        ("全部(区) 第 2000 页", admin, {}, 2000),
        ("全部(乡镇)", officer, {}, 1),
        ("姓名", admin, {"q": name}, 1),
        ("姓氏", admin, {"q": name[0]}, 1),
        ("拼音首字母", admin, {"q": initials}, 1),
        ("拼音首字母(乡镇)", officer, {"q": initials}, 1),
        ("全拼", admin, {"q": full}, 1),
        ("身份证号(全)", admin, {"q": id_number}, 1),
        ("身份证号(后6位)", admin, {"q": id_number[-6:]}, 1),
        ("身份证号(前10位)", admin, {"q": id_number[:10]}, 1),
        ("户编号(片段)", admin, {"q": f"{village.code[6:] if village else ''}0012"}, 1),
        ("乡镇+状态", admin, {"township": township.pk if township else None, "status": "registered"}, 1),
        ("村+属性", admin, {"village": village.pk if village else None, "attribute": "dibao_poor"}, 1),
        ("无结果", admin, {"q": "不存在的人"}, 1),
    ]
    timings = []
    for label, user, params, page in cases:
        runs, found = [], 0
        for _ in range(repeats):
            started = time.perf_counter()
            found, _rows = list_page(user, params, page)
            runs.append(time.perf_counter() - started)
        timings.append(SearchTiming(label, params, found, median(runs)))
    return timings
