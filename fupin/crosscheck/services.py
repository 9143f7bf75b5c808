"""Cross-check runs and the findings work queue (writes; every step audited).

A run matches the latest load of each dataset against the registry (:mod:`matching`) and raises
the findings that are new: a finding whose key (year, dataset, code, ID number, household) is
already open is not raised again, nor one the village closed as "not confirmed" for the same year
(its verification stands). One closed as "confirmed and corrected" is raised again if the lists
still show it. The new findings are written in bulk; a partial unique index keeps open keys unique.

The queue: OPEN (assigned to the village; optionally to a user) → VERIFIED (on site, with a note)
→ CLOSED (disposition and note), each step through the one workflow core (the table is
:mod:`fupin.crosscheck.transitions`; every step leaves a ``FindingStep`` row and an audit entry).
A refused step raises and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import polars as pl
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from fupin.accounts.access import ensure_can
from fupin.accounts.models import User
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.areas.scoping import scope_of
from fupin.core.audit import Action, audit_record
from fupin.core.bulk import fetch_rows, insert_rows
from fupin.core.errors import BadInput, ConcurrentChange
from fupin.core.workflow import Move, transition_apply
from fupin.crosscheck import matching
from fupin.crosscheck.datasets import FINDING_KINDS, Dataset
from fupin.crosscheck.loops import finding_proposals
from fupin.crosscheck.models import CrosscheckRun, Finding, FindingStep, ListLoad

Progress = Callable[[int, int, str], None]
RUN_LOCK = 0x46435243  # "FCRC": one cross-check at a time on PostgreSQL
FINDING_COLUMNS = ("year", "dataset", "code", "kind", "id_number", "id_index", "list_name", "household_id", "area_id", "detail",
                   "run_id", "last_run_id", "load_id", "open_key", "status", "raised_at", "verification_note", "disposition", "note")
NO_LISTS = "尚未导入任何部门名单，无法比对 / no department list has been loaded: nothing to cross-check"
RUN_RACE = ("另一个比对同时写入了相同的疑点，请重新运行 / another cross-check wrote the same findings meanwhile; "
            "run it again")
STEPS = 4
KEY_BATCH = 10_000


def latest_loads() -> dict[str, ListLoad]:
    """The load that counts for each dataset: the latest one."""
    latest: dict[str, ListLoad] = {}
    for load in ListLoad.objects.order_by("dataset", "-loaded_at", "-pk"):
        latest.setdefault(load.dataset, load)
    return {d.value: latest[d.value] for d in Dataset if d.value in latest}


def _county() -> Area | None:
    return Area.objects.filter(level="county", valid_to__isnull=True).order_by("code").first()


def crosscheck_run(year: int, *, actor: User | None = None, as_of: date | None = None,
                   progress: Progress | None = None) -> CrosscheckRun:
    """Match the latest loads against the registry for ``year`` and raise the new findings."""
    if actor is not None:
        ensure_can(actor, Cap.CROSSCHECK_RUN)

    def report(done: int, stage: str) -> None:
        if progress is not None:
            progress(done, STEPS, stage)

    loads = latest_loads()
    if not loads:
        raise BadInput(NO_LISTS, code="NO_LISTS")
    report(0, "读取名册 / reading the registry")
    registry, record = matching.load_registry(year, as_of)
    report(1, "读取部门名单 / reading the lists")
    lists = {dataset: matching.list_frame(load.pk) for dataset, load in loads.items()}
    report(2, "比对 / matching")
    found = matching.match(registry, lists, year)
    report(3, "写入疑点 / writing findings")
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RUN_LOCK])
            run = _store(year, as_of, actor, loads, record, found, registry)
    except IntegrityError as exc:
        raise ConcurrentChange(RUN_RACE) from exc
    report(4, "完成 / done")
    return run


def _store(year: int, as_of: date | None, actor: User | None, loads: dict[str, ListLoad], record: dict[str, Any],
           found: pl.DataFrame, registry: matching.Registry) -> CrosscheckRun:
    default_as_of = date.fromisoformat(record["default"]["as_of"])
    run = CrosscheckRun.objects.create(year=year, as_of=as_of or default_as_of, actor=actor,
                                       loads={d: load.pk for d, load in loads.items()}, params=record)
    county = _county()
    load_area = {d: (load.area_id or (county.pk if county else None)) for d, load in loads.items()}
    keyed = (found.join(registry.households.select(pl.col("id").alias("household_id"), "village_id"),
                        on="household_id", how="left")
             .with_columns(
                 area_id=pl.coalesce(pl.col("village_id"),
                                     pl.col("dataset").replace_strict(load_area, default=None, return_dtype=pl.Int64)),
                 load_id=pl.col("dataset").replace_strict({d: lo.pk for d, lo in loads.items()}, default=None,
                                                          return_dtype=pl.Int64),
                 kind=pl.col("code").replace_strict(FINDING_KINDS, default="correction", return_dtype=pl.String),
                 open_key=pl.format("{}:{}:{}:{}:{}", pl.lit(year), pl.col("dataset"), pl.col("code"),
                                    pl.col("id_index"), pl.col("household_id").cast(pl.String).fill_null("-")),
             ).filter(pl.col("area_id").is_not_null()))
    open_keys = [r[0] for r in fetch_rows(Finding.objects.filter(year=year).exclude(status=Finding.Status.CLOSED),
                                          ["open_key"])]
    kept_keys = [r[0] for r in fetch_rows(Finding.objects.filter(year=year, status=Finding.Status.CLOSED,
                                                                 disposition=Finding.Disposition.NOT_CONFIRMED),
                                          ["open_key"])]
    is_open = pl.col("open_key").is_in(pl.Series(open_keys, dtype=pl.String).implode())
    is_kept = pl.col("open_key").is_in(pl.Series(kept_keys, dtype=pl.String).implode()) & ~is_open
    flags = keyed.select(is_open.alias("o"), is_kept.alias("k"))
    new = keyed.filter(~is_open & ~is_kept)
    now = timezone.now()
    rows = new.select(
        pl.lit(year).alias("year"), "dataset", "code", "kind", "id_number", "id_index", "list_name", "household_id", "area_id",
        "detail", pl.lit(run.pk).alias("run_id"), pl.lit(run.pk).alias("last_run_id"), "load_id", "open_key").iter_rows()
    insert_rows(Finding, FINDING_COLUMNS, ((*r, Finding.Status.OPEN.value, now, "", "", "") for r in rows))
    again = keyed.filter(is_open).get_column("open_key").to_list()
    for start in range(0, len(again), KEY_BATCH):
        (Finding.objects.filter(year=year, open_key__in=again[start:start + KEY_BATCH])
         .exclude(status=Finding.Status.CLOSED).update(last_run=run))
    run.counts = {code: int(n) for code, n in keyed.group_by("code").len().sort("code").iter_rows()}
    run.found = keyed.height
    run.raised = new.height
    run.already_open = int(flags.get_column("o").sum())
    run.kept_closed = int(flags.get_column("k").sum())
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "found", "raised", "already_open", "kept_closed", "finished_at"])
    audit_record(actor=actor, action=Action.CREATE, obj=run, changes={
        "year": year, "loads": run.loads, "found": run.found, "raised": run.raised,
        "already_open": run.already_open, "kept_closed": run.kept_closed, "counts": run.counts})
    return run


# --- the work queue ---------------------------------------------------------------------------------
# Each step goes through the one workflow core (fupin.crosscheck.transitions is the table).


def finding_assign(finding: Finding, *, actor: User | None, assignee: User | None) -> Finding:
    """Assign an open finding to a user who works in its village (None: back to the village as a whole)."""

    def in_scope(locked: Finding) -> None:
        if assignee is not None and not (assignee.can(Cap.CROSSCHECK_WORK) and scope_of(assignee).covers(locked.area)):
            raise BadInput("只能分派给负责该村且能核实疑点的人员 / assign only to someone who works on findings in "
                           "this village", code="ASSIGNEE_OUT_OF_SCOPE", fields={"assignee": ["out_of_scope"]})

    before = finding.assigned_to.username if finding.assigned_to else ""
    return transition_apply(
        finding, FindingStep.Action.ASSIGN, actor=actor, check=in_scope, changes={"assigned_to": assignee},
        audit={"assigned_to": [before, assignee.username if assignee else ""]}).obj


def finding_verify(finding: Finding, *, actor: User | None, note: str, at: datetime | None = None) -> Finding:
    """Record the on-site verification (入户核实) of an open finding (``at``: when, default now)."""
    if not note.strip():
        raise BadInput("请填写核实情况 / describe what the on-site check found", code="NOTE_REQUIRED",
                       fields={"note": ["required"]})
    moment = at or timezone.now()
    return transition_apply(
        finding, FindingStep.Action.VERIFY, actor=actor, at=moment, note=note.strip(),
        changes={"verified_at": moment, "verified_by": actor, "verification_note": note.strip()}).obj


def finding_close(finding: Finding, *, actor: User | None, disposition: str, note: str,
                  at: datetime | None = None) -> Finding:
    """Close a verified finding with its disposition (confirmed and corrected / not confirmed) and a note. A confirmed
    finding offers the registry change it implies on the household's file (:mod:`fupin.crosscheck.loops`)."""
    if disposition not in Finding.Disposition.values:
        raise BadInput("请选择处理结果：属实已整改 或 不属实 / choose a disposition: confirmed or not_confirmed",
                       code="DISPOSITION_REQUIRED", fields={"disposition": ["required"]})
    if not note.strip():
        raise BadInput("请填写办结说明 / a note is required to close a finding", code="NOTE_REQUIRED",
                       fields={"note": ["required"]})
    moment = at or timezone.now()

    def propose(locked: Finding, source: str | None, target: str | None) -> dict[str, Any]:
        if disposition == Finding.Disposition.CONFIRMED:  # the registry change it implies, offered (ADR 0026 §4)
            finding_proposals(locked, actor=actor)
        return {}

    return transition_apply(
        finding, FindingStep.Action.CLOSE, actor=actor, at=moment, note=note.strip(),
        changes={"disposition": disposition, "note": note.strip(), "closed_at": moment, "closed_by": actor},
        effects=propose, refusal=_close_refusal).obj


def _close_refusal(move: Move, state: str | None) -> str:
    if state == Finding.Status.OPEN:
        return "疑点须先入户核实才能办结 / a finding is closed only after it was verified on site"
    return "疑点已办结 / the finding is already closed"
