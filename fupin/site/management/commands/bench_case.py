"""One benchmark case, timed in this process; prints a JSON line (used by `make bench`).

A case may prepare untimed work first (generating input files, loading a registry); work whose
memory must not count runs in a child process, since the peak reported is this process's own.
"""

from __future__ import annotations

import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction

from fupin.assessment.services import assess_county, household_assess, policy_seed_defaults
from fupin.core.audit import Action, audit_record, audit_verify
from fupin.core.imports.checks import check_character_expr
from fupin.core.imports.read import child_peak_mib
from fupin.core.models import AuditEntry
from fupin.core.output import csv_write_frame
from fupin.crosscheck.loading import list_load
from fupin.crosscheck.models import CrosscheckRun, Finding, ListLoad
from fupin.crosscheck.services import crosscheck_run
from fupin.monitoring.services import monitor_county, monitored_households
from fupin.registry.generate import INCOME_YEAR
from fupin.registry.importing import registry_import
from fupin.registry.models import Household, Member
from fupin.site.bench_registry import registry_bulk_generate, registry_search_timings
from fupin.site.demo import seed_demo

DEMO_HOUSEHOLDS = 20_000
AUDIT_APPENDS = 5_000
SEARCH_MEMBERS = 1_000_000
IMPORT_HOUSEHOLDS = 300_000
SINGLE_ASSESSMENTS = 50
CROSSCHECK_ROWS = 1_000_000
CROSSCHECK_DATASET = "MEDICAL_INSURANCE"
BENCH_PROJECTS = 20_000


def _seed_demo(_: Any) -> int:
    return seed_demo(households=DEMO_HOUSEHOLDS, seed=7).members


def _audit_append(_: Any) -> int:
    with transaction.atomic():
        for i in range(AUDIT_APPENDS):
            audit_record(actor=None, action=Action.UPDATE, object_type="bench.row", object_id=str(i),
                         changes={"value": [i, i + 1]})
    return AUDIT_APPENDS


def _verify_audit(_: Any) -> int:
    result = audit_verify()
    if not result.ok:
        raise CommandError(result.reason)
    return AuditEntry.objects.count()


def _registry_search(_: Any) -> dict[str, Any]:
    """The household list at county size: seconds = the searches only (not the generation)."""
    data = registry_bulk_generate(members=SEARCH_MEMBERS)
    timings = registry_search_timings(data)
    return {"rows": data.members, "seconds": round(sum(t.seconds for t in timings), 3),
            "searches": [{"label": t.label, "found": t.found, "ms": round(t.seconds * 1000, 1)} for t in timings]}


def _empty_registry() -> None:
    """Remove every household and what hangs on it (demo workflow, assessments, helpers)."""
    order: list[type[models.Model]] = []

    def visit(model: type[models.Model]) -> None:
        for rel in model._meta.related_objects:
            if rel.related_model is not model:
                visit(rel.related_model)  # type: ignore[arg-type]
        if model not in order:
            order.append(model)

    visit(Household)
    with transaction.atomic(), connection.cursor() as cursor:
        for model in order:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608


def _generate_files() -> Path:
    """The template files of the bench county, written in a child process (not timed, its memory not counted)."""
    out = Path(tempfile.mkdtemp(prefix="fupin-bench-import-"))
    subprocess.run([sys.executable, "-c", "import sys; from fupin.cli import main; sys.exit(main())",  # noqa: S603
                    "registry-generate", str(out), "--households", str(IMPORT_HOUSEHOLDS), "--seed", "7"],
                   check=True, stdout=subprocess.DEVNULL)
    return out


def _prepare_import() -> Path:
    """The template files, and an empty registry, so the import measured is a first load of a county."""
    out = _generate_files()
    _empty_registry()
    return out


def _prepare_reimport() -> Path:
    """The import case's registry, and the same files again (the generator is deterministic)."""
    _prepare_assess()
    return _generate_files()


def _reimport_registry(directory: Path) -> int:
    """The same files imported again: every row compared with the stored one, none written (rows = members
    found unchanged)."""
    try:
        result = registry_import(sorted(directory.glob("*.csv")), actor=None)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    changed = {k: v for k, v in result.counts.items() if k.endswith(("_created", "_updated")) and v}
    if result.problems or changed:
        raise CommandError(f"a re-import of the same files changed rows: {changed}, {len(result.problems)} problems")
    return result.counts["members_unchanged"]


def _import_registry(directory: Path) -> int:
    """Rows = members imported (with their households and income rows)."""
    try:
        result = registry_import(sorted(directory.glob("*.csv")), actor=None)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    if not result.written:
        raise CommandError(f"import refused: {len(result.problems)} problems")
    return result.counts["members_created"]


def _prepare_assess() -> None:
    """The registry the import case left behind (300,000 households, 1,000,000 members)."""
    policy_seed_defaults()
    if Household.objects.count() < IMPORT_HOUSEHOLDS:
        _import_registry(_prepare_import())


def _assess(_: Any) -> dict[str, Any]:
    """The whole county assessed and stored (rows = members assessed)."""
    started = time.perf_counter()
    run = assess_county(INCOME_YEAR)
    seconds = time.perf_counter() - started
    members = sum(run.results.values_list("members", flat=True).iterator(chunk_size=50_000))
    return {"rows": members, "seconds": round(seconds, 3), "households": run.households}


def _assess_one(_: Any) -> dict[str, Any]:
    """One household's verdict, computed and stored, as the workflow does: median of 50 (in ms)."""
    households = list(Household.objects.filter(status="registered").order_by("pk")[:SINGLE_ASSESSMENTS])
    times = []
    for household in households:
        started = time.perf_counter()
        household_assess(household, INCOME_YEAR)
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    return {"rows": len(times), "seconds": round(sum(times), 3), "median_ms": round(median * 1000, 1)}


def _crosscheck_list() -> Path:
    """A 1,000,000-row 医保参保 list of INCOME_YEAR as the department hands it over (CSV): 95 % of the
    registry's members (one in a hundred of them under a differently written name) and, to fill the
    million, insured people outside the registry."""
    from fupin.core import sealed
    from fupin.core.bulk import query_frame

    members = query_frame(Member.objects.order_by(), ["id_number", "name"], {"id_number": pl.String, "name": pl.String})
    members = members.with_columns(  # the list is the department's: numbers in clear (sealed in the registry)
        pl.Series("id_number", [sealed.unseal(v) for v in members.get_column("id_number").to_list()], dtype=pl.String))
    listed = members.sample(fraction=0.95, seed=7, shuffle=True).with_columns(
        pl.when(pl.int_range(pl.len()) % 100 == 0).then(pl.col("name") + "某").otherwise(pl.col("name")).alias("name"))
    n = max(CROSSCHECK_ROWS - listed.height, 0)
    idx = pl.int_range(n, dtype=pl.Int64)
    birth = (pl.lit(date(1940, 1, 1)) + pl.duration(days=idx % 25_000)).dt.strftime("%Y%m%d")
    first17 = pl.lit("411103") + birth + (idx // 25_000 % 1000).cast(pl.String).str.zfill(3)
    outsiders = pl.select(first17.alias("f")).select(
        (pl.col("f") + check_character_expr(pl.col("f"))).alias("id_number"), pl.lit("参保人").alias("name"))
    frame = pl.concat([listed, outsiders]).with_columns(pl.lit(INCOME_YEAR).alias("year"))
    out = Path(tempfile.mkdtemp(prefix="fupin-bench-crosscheck-")) / "medical-insurance.csv"
    csv_write_frame(frame.rename({"id_number": "身份证号", "name": "姓名", "year": "参保年度"}), out)
    return out


def _load_list(path: Path) -> int:
    try:
        result = list_load(CROSSCHECK_DATASET, path, actor=None)
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    if not result.written:
        raise CommandError(f"load refused: {len(result.problems)} problems")
    return result.rows


def _prepare_crosscheck_load() -> Path:
    """The import case's registry, and the department list generated (not timed)."""
    _prepare_assess()
    return _crosscheck_list()


def _prepare_crosscheck() -> None:
    """The 1,000,000-row list loaded (by the crosscheck-load case, or here, not timed) as the only list; no
    findings yet, so the run measured raises every finding it finds."""
    _prepare_assess()
    load = ListLoad.objects.filter(dataset=CROSSCHECK_DATASET, row_count__gte=CROSSCHECK_ROWS).order_by("-pk").first()
    if load is None:
        _load_list(_crosscheck_list())
        load = ListLoad.objects.filter(dataset=CROSSCHECK_DATASET).order_by("-pk").first()
    assert load is not None
    with transaction.atomic():
        Finding.objects.all().delete()
        CrosscheckRun.objects.all().delete()
        ListLoad.objects.exclude(pk=load.pk).delete()


def _crosscheck(_: Any) -> dict[str, Any]:
    """The registry (1,000,000 members) matched against the 1,000,000-row list; findings stored."""
    started = time.perf_counter()
    run = crosscheck_run(INCOME_YEAR)
    seconds = time.perf_counter() - started
    return {"rows": CROSSCHECK_ROWS, "seconds": round(seconds, 3), "found": run.found, "counts": run.counts}
def _prepare_projects() -> None:
    """A county's worth of projects (and more): 20,000 projects over every village, each with two
    allocations and three payments, bulk-inserted (not timed)."""
    from datetime import date, timedelta

    from fupin.accounts.models import Department
    from fupin.areas.models import Area
    from fupin.projects.models import Project, ProjectStep

    policy_seed_defaults()
    villages = list(Area.objects.filter(level="village", valid_to__isnull=True).values_list("pk", flat=True))
    unit = Department.objects.order_by("pk").first()
    assert unit is not None, "seed-reference loads the departments"
    today = date.today()
    statuses = ["approved", "started", "started", "accepted", "settled"]
    projects = [Project(year=today.year, name=f"项目{i}", category="industry", nature="new",
                        area_id=villages[i % len(villages)], planned_start=today - timedelta(days=i % 300),
                        planned_end=today - timedelta(days=i % 300) + timedelta(days=60 + i % 200),
                        department=unit, tasks="bench",
                        budget_central=100000, benefit_mechanism="bench", performance_targets="bench",
                        status=statuses[i % 5], approved_total=100000) for i in range(BENCH_PROJECTS)]
    Project.objects.bulk_create(projects, batch_size=5000)
    steps = []
    for i, p in enumerate(Project.objects.order_by("pk").only("pk")):
        for k, (action, amount) in enumerate((("allocate", 40000), ("allocate", 50000), ("pay", 30000),
                                              ("pay", 20000), ("pay", 10000 * (i % 3)))):
            if amount:
                on = today - timedelta(days=(i * 7 + k * 31) % 330)
                steps.append(ProjectStep(project_id=p.pk, action=action, from_state="started", to_state="started",
                                         on=on, amount=amount, source="central",
                                         payee="contractor" if action == "pay" else ""))
    ProjectStep.objects.bulk_create(steps, batch_size=5000)


def _project_alerts(_: Any) -> dict[str, Any]:
    """Idle funds, projects behind schedule, the month's progress and the Excel report over every
    project (rows = projects): what the progress page and `fupin project-report` do."""
    from datetime import date

    from fupin.projects.models import Project
    from fupin.projects.report import monthly_report
    from fupin.projects.selectors import behind_schedule, idle_funds

    today = date.today()
    started = time.perf_counter()
    idle = idle_funds(Project.objects.all(), as_of=today)
    late = behind_schedule(Project.objects.all(), as_of=today)
    alerts = time.perf_counter() - started
    size = len(monthly_report(Project.objects.all(), year=today.year, month=today.month, unit="bench", as_of=today))
    return {"rows": Project.objects.count(), "seconds": round(time.perf_counter() - started, 3),
            "alerts_seconds": round(alerts, 3), "idle": len(idle), "late": len(late), "report_bytes": size}
def _monitor(_: Any) -> dict[str, Any]:
    """The whole county monitored (RULES.md §4) and stored, cases opened (rows = members monitored)."""
    started = time.perf_counter()
    run = monitor_county(INCOME_YEAR)
    seconds = time.perf_counter() - started
    members = Member.objects.filter(household__in=monitored_households()).count()
    return {"rows": members, "seconds": round(seconds, 3), "households": run.households, "at_risk": run.at_risk,
            "cases_opened": run.cases_opened}
HOTLINE_TICKETS = 100_000


def _prepare_hotline() -> None:
    """100,000 open tickets over the county's villages (untimed): a fifth past their deadline, a fifth due within
    the reminder window, the rest later; the users to notify are the demo ones (run after seed-demo)."""
    from datetime import timedelta

    from django.utils import timezone

    from fupin.areas.models import Area
    from fupin.hotline.models import Ticket
    from fupin.hotline.routing import RoutingTable
    from fupin.hotline.services import tracking_code_new

    villages = list(Area.objects.filter(level="village", valid_to__isnull=True).select_related("parent"))
    if not villages:
        raise CommandError("no villages: run seed-reference first")
    Ticket.objects.filter(title="bench").delete()
    table, now = RoutingTable.load(), timezone.now()
    categories = ["policy", "benefit", "dispute", "project", "other", "conduct"]
    rows = []
    for i in range(HOTLINE_TICKETS):
        village, category = villages[i % len(villages)], categories[i % len(categories)]
        unit = table.route(category, village)
        received = now - timedelta(days=(3, 9, 13, 30, 1)[i % 5], hours=i % 24)
        due = received + timedelta(days=10)
        rows.append(Ticket(tracking_code=tracking_code_new(), channel="hotline", category=category, title="bench",
                           text="bench", area=village, department=unit.department, unit_area=unit.area,
                           received_at=received, due_at=due))
    Ticket.objects.bulk_create(rows, batch_size=5000)


def _hotline_sweep(_: Any) -> dict[str, Any]:
    """The reminder and escalation sweep over 100,000 open tickets, then the figures by unit, category and month
    (rows = tickets; seconds = both)."""
    from fupin.hotline.models import Ticket
    from fupin.hotline.selectors import figures
    from fupin.hotline.services import hotline_sweep

    started = time.perf_counter()
    swept = hotline_sweep()
    sweep_seconds = time.perf_counter() - started
    figures(Ticket.objects.all())
    seconds = time.perf_counter() - started
    return {"rows": HOTLINE_TICKETS, "seconds": round(seconds, 3), "sweep_seconds": round(sweep_seconds, 3),
            "reminded": swept.reminded, "escalated": swept.escalated, "notifications": swept.notifications}


@dataclass(frozen=True)
class Case:
    run: Callable[[Any], int | dict[str, Any]]
    prepare: Callable[[], Any] | None = None


def _measures_coverage(_: Any) -> dict[str, Any]:
    """Coverage of the help measures over the whole county (the import case's registry): the facts read once
    into Polars frames, the per-village counts and the 应享未享 of every household over their columns
    (rows = registered households)."""
    from fupin.measures.coverage import coverage
    from fupin.measures.services import programmes_seed

    programmes_seed()
    started = time.perf_counter()
    cov = coverage(Household.objects.all(), INCOME_YEAR)
    seconds = time.perf_counter() - started
    return {"rows": cov.total("households"), "seconds": round(seconds, 3), "gaps": cov.total_gaps}


CASES: dict[str, Case] = {
    "seed-demo": Case(_seed_demo),
    "audit-append": Case(_audit_append),
    "verify-audit": Case(_verify_audit),
    "registry-search": Case(_registry_search),
    "import-registry": Case(_import_registry, _prepare_import),
    "reimport-registry": Case(_reimport_registry, _prepare_reimport),
    "assess": Case(_assess, _prepare_assess),
    "assess-one": Case(_assess_one, _prepare_assess),
    "crosscheck-load": Case(_load_list, _prepare_crosscheck_load),
    "crosscheck": Case(_crosscheck, _prepare_crosscheck),
    "project-alerts": Case(_project_alerts, _prepare_projects),
    "monitor": Case(_monitor, _prepare_assess),
    "hotline-sweep": Case(_hotline_sweep, _prepare_hotline),
    "measures-coverage": Case(_measures_coverage, _prepare_assess),
}


class Command(BaseCommand):
    help = "Run one benchmark case and print its figures as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("case", choices=sorted(CASES))

    def handle(self, *args: Any, **options: Any) -> None:
        case = CASES[options["case"]]
        prepared = case.prepare() if case.prepare is not None else None
        started = time.perf_counter()
        result = case.run(prepared)
        seconds = time.perf_counter() - started
        figure = result if isinstance(result, dict) else {"rows": result, "seconds": round(seconds, 3)}
        # An import parses in a child process (ADR 0019): the case's peak is the larger of the two.
        peak_mib = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, child_peak_mib())
        self.stdout.write(json.dumps({"case": options["case"], **figure, "peak_mib": round(peak_mib, 1)},
                                     ensure_ascii=False))
