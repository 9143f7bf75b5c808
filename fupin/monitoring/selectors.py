"""Reading monitoring: a run's results (scoped, filtered), the §7 output rows, cases, trends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.db.models.functions import TruncMonth

from fupin.areas.models import Area
from fupin.core.actors import Viewer
from fupin.monitoring.models import CaseMeasure, CaseStep, Category, MonitoringCase, MonitoringResult, MonitoringRun

RESULT_HEADER = ("household_no", "category", "risks")
"""RULES.md §7: the ``monitor`` output columns."""


def latest_run(year: int) -> MonitoringRun | None:
    return MonitoringRun.objects.filter(year=year, scope=MonitoringRun.Scope.COUNTY, finished_at__isnull=False
                                        ).order_by("-pk").first()


def run_results(run: MonitoringRun, user: Viewer | None = None) -> QuerySet[MonitoringResult]:
    qs = MonitoringResult.objects.filter(run=run)
    return qs.visible_to(user) if user is not None else qs


def result_rows(run: MonitoringRun, user: Viewer | None = None) -> Iterator[tuple[str, str, str]]:
    """Rows of the §7 output (households with at least one risk), by household number, streamed."""
    qs = run_results(run, user).order_by("household__household_no").values_list(
        "household__household_no", "category", "risks")
    yield from qs.iterator(chunk_size=5000)


def result_list(user: Viewer, run: MonitoringRun) -> QuerySet[MonitoringResult]:
    """The run's results ``user`` sees (filtered by :class:`fupin.monitoring.filters.ResultFilter`)."""
    qs = run_results(run, user).select_related("household", "household__village", "household__village__parent")
    return qs.order_by("household__household_no")


def run_summary(user: Viewer, run: MonitoringRun, *, township: int | None = None) -> dict[str, Any]:
    """Households at risk per category, per township (or per village of ``township``)."""
    qs = run_results(run, user)
    if township:
        qs = qs.filter(household__village__parent_id=township)
        key = ("household__village_id", "household__village__name")
    else:
        key = ("household__village__parent_id", "household__village__parent__name")
    rows: dict[int, dict[str, Any]] = {}
    for area_id, name, category, n in (qs.values_list(*key, "category").annotate(n=Count("pk"))
                                       .order_by(key[1], "category")):
        row = rows.setdefault(area_id, {"id": area_id, "name": name, "total": 0, **{c: 0 for c in Category.values}})
        row[category] = n
        row["total"] += n
    totals = {c: sum(r[c] for r in rows.values()) for c in Category.values}
    totals["total"] = sum(totals.values())
    return {"areas": list(rows.values()), "totals": totals}


def case_list(user: Viewer) -> QuerySet[MonitoringCase]:
    """The cases ``user`` sees, newest first (filtered by :class:`fupin.monitoring.filters.CaseFilter`)."""
    qs = MonitoringCase.objects.visible_to(user).select_related("household", "household__village",
                                                                 "household__village__parent")
    return qs.order_by("-opened_at", "-pk")


def trends(user: Viewer) -> list[dict[str, Any]]:
    """Per township and month: monitored households entering (cases opened) and leaving (risk eliminated)."""
    qs = MonitoringCase.objects.visible_to(user)
    town = "household__village__parent_id"
    table: dict[tuple[int, str], dict[str, Any]] = {}
    for field, what in (("opened_at", "entered"), ("closed_at", "left")):
        base = qs.filter(**{f"{field}__isnull": False})
        if what == "left":
            base = base.filter(step=MonitoringCase.Step.ELIMINATED)
        for township_id, month, n in (base.annotate(month=TruncMonth(field)).values_list(town, "month")
                                      .annotate(n=Count("pk")).order_by()):
            label = month.strftime("%Y-%m")
            row = table.setdefault((township_id, label), {"township_id": township_id, "month": label,
                                                          "entered": 0, "left": 0})
            row[what] += n
    names = dict(Area.objects.filter(pk__in={k[0] for k in table}).values_list("pk", "name"))
    out = sorted(table.values(), key=lambda r: (r["month"], names.get(r["township_id"], "")))
    for row in out:
        row["township"] = names.get(row["township_id"], "")
    return out


def household_monitoring(household_id: int) -> dict[str, Any]:
    """For the household file: its monitoring cases (newest first, with their steps and measures) and
    its results in the latest runs (per-capita income against the monitoring line); a few queries."""
    cases = list(MonitoringCase.objects.filter(household_id=household_id)
                 .prefetch_related(Prefetch("steps", queryset=CaseStep.objects.select_related("actor").order_by("at", "pk")))
                 .prefetch_related(Prefetch("measures", queryset=CaseMeasure.objects.order_by("starts_on", "pk")))
                 .select_related("notice").order_by("-opened_at", "-pk"))
    results = list(MonitoringResult.objects.filter(household_id=household_id).select_related("run")
                   .order_by("-run__started_at", "-pk")[:5])
    return {"cases": cases, "results": results}
