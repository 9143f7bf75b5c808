"""Reads of the cross-check: the findings queue (area-scoped), runs, loads, trends, and the signal
households the monitoring app takes as DEPT_SIGNAL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import polars as pl
from django.db.models import QuerySet
from django.utils import timezone

from fupin.accounts.models import User
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.areas.scoping import get_visible_or_404, scope_of
from fupin.core import sealed
from fupin.core.actors import Viewer
from fupin.core.bulk import fetch_rows
from fupin.crosscheck.datasets import Kind
from fupin.crosscheck.models import CrosscheckRun, Finding, ListLoad

OUTPUT_HEADER = ("dataset", "id_number", "household_no", "finding", "kind", "detail")
"""RULES.md §7: dataset, id_number, household_no, finding first; then the kind and the detail."""


def signal_households(year: int) -> pl.DataFrame:
    """Households named by open (not yet closed) findings of kind signal for ``year``: one Int64 column
    ``household_id``, distinct, sorted. The monitoring app raises DEPT_SIGNAL for them (RULES.md §4)."""
    qs = (Finding.objects.filter(year=year, kind=Kind.SIGNAL, household__isnull=False)
          .exclude(status=Finding.Status.CLOSED).order_by().values_list("household_id").distinct())
    rows = fetch_rows(qs, ["household_id"])
    return pl.DataFrame({"household_id": [r[0] for r in rows]}, schema={"household_id": pl.Int64}).sort("household_id")


def latest_run(year: int) -> CrosscheckRun | None:
    return CrosscheckRun.objects.filter(year=year, finished_at__isnull=False).order_by("-pk").first()


def finding_list(user: Viewer, *, year: int | None = None) -> QuerySet[Finding]:
    """The findings ``user`` sees (of ``year``), newest first (filtered by
    :class:`fupin.crosscheck.filters.FindingFilter`)."""
    qs = Finding.objects.visible_to(user).select_related("household", "area", "assigned_to")
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-raised_at", "-pk")


def finding_get(user: Viewer, pk: int) -> Finding:
    return get_visible_or_404(Finding.objects.select_related("household", "area", "assigned_to", "verified_by",
                                                             "closed_by", "run", "load"), user, pk=pk)


def finding_assignees(finding: Finding) -> list[User]:
    """Users who may work on the finding's village (a short list, for the assignment drop-down)."""
    users = User.objects.filter(is_active=True, assignments__area__isnull=False).distinct().order_by("username")[:200]
    return [u for u in users if u.can(Cap.CROSSCHECK_WORK) and scope_of(u).covers(finding.area)]


def run_rows(run: CrosscheckRun) -> Iterator[tuple[str, ...]]:
    """The ``--output`` rows of a run (RULES.md §7): every finding it found that is in the queue, sorted."""
    qs = Finding.objects.filter(last_run=run).exclude(status=Finding.Status.CLOSED).order_by()
    rows = [(dataset, sealed.unseal(number), household_no or "", code, kind, detail)  # sealed in the table
            for dataset, number, household_no, code, kind, detail in fetch_rows(
                qs, ["dataset", "id_number", "household__household_no", "code", "kind", "detail"])]
    rows.sort(key=lambda r: (r[0], r[1], r[3]))
    yield from rows


def loads_latest_first(limit: int = 50) -> QuerySet[ListLoad]:
    return ListLoad.objects.select_related("department", "uploaded_by").order_by("-loaded_at", "-pk")[:limit]


def trends(user: Viewer, *, year: int | None = None) -> list[dict[str, Any]]:
    """Per township and month (local time): findings raised, findings closed, and the median days from
    raising to closing of those closed that month. Findings of the county level (a listed person in no
    household) count under the county."""
    qs = Finding.objects.visible_to(user).order_by()
    if year:
        qs = qs.filter(year=year)
    rows = list(qs.values_list("area_id", "area__level", "area__parent_id", "raised_at", "closed_at"))
    if not rows:
        return []
    tz = timezone.get_current_timezone()
    data = pl.DataFrame(
        [(a if lvl != "village" else p, r.astimezone(tz).replace(tzinfo=None),
          c.astimezone(tz).replace(tzinfo=None) if c else None) for a, lvl, p, r, c in rows],
        schema={"township_id": pl.Int64, "raised": pl.Datetime("us"), "closed": pl.Datetime("us")}, orient="row")
    raised = data.group_by("township_id", pl.col("raised").dt.strftime("%Y-%m").alias("month")).agg(
        pl.len().alias("raised"))
    closed = (data.filter(pl.col("closed").is_not_null())
              .with_columns(days=(pl.col("closed") - pl.col("raised")).dt.total_seconds() / 86400)
              .group_by("township_id", pl.col("closed").dt.strftime("%Y-%m").alias("month"))
              .agg(pl.len().alias("closed"), pl.col("days").median().alias("median_days")))
    table = (raised.join(closed, on=["township_id", "month"], how="full", coalesce=True)
             .with_columns(pl.col("raised").fill_null(0), pl.col("closed").fill_null(0))
             .sort("month", "township_id", descending=[True, False]))
    names = dict(Area.objects.filter(pk__in=table.get_column("township_id").unique().to_list())
                 .values_list("pk", "name"))
    return [{"township_id": t, "township": names.get(t, ""), "month": m, "raised": int(r), "closed": int(c),
             "median_days": round(float(d), 1) if d is not None else None}
            for t, m, r, c, d in table.select("township_id", "month", "raised", "closed", "median_days").iter_rows()]
