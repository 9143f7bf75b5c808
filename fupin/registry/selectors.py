"""Reads of the registry, always scoped to the user's areas first."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Case, Count, Max, Prefetch, Q, QuerySet, When

from fupin.areas.scoping import get_visible_or_404
from fupin.core import idnumber, sealed
from fupin.core.actors import Viewer
from fupin.registry.models import Household, IncomeRecord, Member


def household_list(user: Viewer, *, q: str = "", township: int | None = None, village: int | None = None,
                   status: str = "", attribute: str = "") -> QuerySet[Household]:
    """The user's households, filtered and searched, in household-number order.

    Built to stay fast on a county of a million members: each search term becomes index-served
    subqueries (see ``household_search_filter``), and nothing is aggregated over members here, so
    the paginator's count stays a count of households. Member counts and head names for the page
    being shown come from ``household_rows``.
    """
    qs = household_filter(user, q=q, township=township, village=village, status=status, attribute=attribute)
    return qs.select_related("village", "village__parent")


def household_filter(user: Viewer, *, q: str = "", township: int | None = None, village: int | None = None,
                     status: str = "", attribute: str = "") -> QuerySet[Household]:
    """The households the user may see, narrowed by the list's filters; no joins, no annotations
    (the export streams from it)."""
    qs: QuerySet[Household] = Household.objects.visible_to(user)
    if village:
        qs = qs.filter(village_id=village)
    elif township:
        qs = qs.filter(village__parent_id=township)
    if status == "candidate":
        qs = qs.filter(status__isnull=True)
    elif status:
        qs = qs.filter(status=status)
    if attribute:
        qs = qs.filter(attribute=attribute)
    if q.strip():
        qs = qs.filter(household_search_filter(q))
    return qs.order_by("household_no")


@dataclass(frozen=True)
class HouseholdRow:
    household: Household
    member_count: int
    head_name: str


def household_rows(households: Iterable[Household]) -> list[HouseholdRow]:
    """One page of households with their member counts and heads' names, in one query.

    Done per page rather than as annotations: a correlated subquery in the list query would run for
    every row an OFFSET skips (50,000 of them on page 2,000).
    """
    page = list(households)
    summary: dict[int, tuple[int, str]] = {
        row["household_id"]: (row["n"], row["head"] or "")
        for row in Member.objects.filter(household_id__in=[h.pk for h in page]).order_by().values("household_id")
        .annotate(n=Count("pk"), head=Max(Case(When(relation="head", then="name"))))
    }
    return [HouseholdRow(h, *summary.get(h.pk, (0, ""))) for h in page]


def _member_households(condition: Q) -> QuerySet[Member, Any]:
    return Member.objects.filter(condition).order_by().values("household_id")


def _prefix(field: str, value: str) -> Q:
    """``field`` starts with ``value``, as an index range scan on both engines.

    PostgreSQL serves LIKE 'x%' from the varchar_pattern_ops index Django adds for db_index fields.
    SQLite never uses an index for Django's LIKE ... ESCAPE, so there it is the equivalent range
    [value, value with its last character incremented) under SQLite's binary collation.
    """
    if connection.vendor == "sqlite" and ord(value[-1]) < sys.maxunicode:
        return Q(**{f"{field}__gte": value, f"{field}__lt": value[:-1] + chr(ord(value[-1]) + 1)})
    return Q(**{f"{field}__startswith": value})


def _household_no_lookup(q: str) -> Q:
    """Household numbers are ASCII: letters alone are a prefix ("DEMO"; an index range scan); with
    digits only, any part of the number (no case folding to pay for); mixed, any part, any case."""
    if q.isalpha():
        return _prefix("household_no", q.upper())
    if q.isdigit():
        return Q(household_no__contains=q)
    return Q(household_no__icontains=q)


def _id_lookups(norm: str) -> list[Q]:
    """An ID number or a part of one, through the keyed indexes of the sealed numbers (ADR 0024): the whole
    number (15 digits upgraded, 17 completed with their check character), or its first 6 or 10 characters or
    its last 6 ("后六位"; 6 digits may be either end). Other lengths name no part that is indexed."""
    if len(norm) == 15 and norm.isdigit():
        norm = idnumber.upgrade_15_to_18(norm)
    elif len(norm) == 17 and norm.isdigit():
        norm += idnumber.check_character(norm)
    if len(norm) == 18:
        return [Q(id_index=sealed.blind(sealed.ID, norm))]
    if len(norm) == 10:
        return [Q(id_head10=sealed.blind(sealed.ID_HEAD10, norm))]
    if len(norm) == 6:
        return [Q(id_head6=sealed.blind(sealed.ID_HEAD6, norm)), Q(id_tail6=sealed.blind(sealed.ID_TAIL6, norm))]
    return []


def household_search_filter(q: str) -> Q:
    """Households matching ``q`` by household number, member name, pinyin or ID number.

    The shape of ``q`` picks the lookups, each one an index range scan on its own:
    - ID-like (digits, a final X, at least 4): the whole number exactly (15 digits upgraded to 18), or its
      first 6 or 10 or last 6 characters, each through its keyed index (``_id_lookups``);
    - Latin letters: the start of the initials (``zs`` finds 张三) or of the full pinyin (``zhangs``),
      spaces ignored;
    - anything else: the start of a member's name (``张`` or ``张三``).
    An ASCII term is also looked up in household numbers (``_household_no_lookup``). The parts are combined with
    UNION into one ``pk IN (...)`` so that no OR spans a join (which would scan every member).
    """
    q = q.strip()
    norm = idnumber.normalize(q)
    parts: list[QuerySet[Any, Any]] = []
    if q.isascii() and not idnumber.is_valid(norm):  # a whole, valid ID number is not a household number
        parts.append(Household.objects.filter(_household_no_lookup(q.replace(" ", ""))).order_by().values("pk"))
    if len(norm) >= 4 and norm.isascii() and (norm.isdigit() or (norm[:-1].isdigit() and norm[-1] == "X")):
        parts.extend(_member_households(lookup) for lookup in _id_lookups(norm))
    elif norm.isascii() and norm.replace(" ", "").isalpha():
        letters = norm.replace(" ", "").lower()
        parts.append(_member_households(_prefix("name_initials", letters)))
        parts.append(_member_households(_prefix("name_pinyin", letters)))
    elif not q.isascii():
        parts.append(_member_households(_prefix("name", q)))
    if not parts:
        return Q(pk__in=[])
    first, *rest = parts
    return Q(pk__in=first.union(*rest) if rest else first)


def household_get(user: Viewer, pk: int) -> Household:
    """The household with the members and income lines ``user`` may read (a department officer: those its
    programmes serve, ADR 0025) and ``member_total``, the household's size (per-capita figures divide by it)."""
    qs = Household.objects.select_related("village", "village__parent").annotate(  # type: ignore[no-redef]
        member_total=Count("members", filter=Q(members__removed_on__isnull=True))).prefetch_related(  # type: ignore[type-var]
        Prefetch("members", queryset=Member.objects.visible_to(user).order_by("pk")),
        Prefetch("incomes", queryset=IncomeRecord.objects.visible_to(user).order_by("year")),
    )
    return get_visible_or_404(qs, user, pk=pk)
