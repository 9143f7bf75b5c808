"""Exit assessment services: policy versions, county and single-household runs, and lookups.

The same rule code (``fupin.assessment.rules.evaluate``) serves one household and the whole
county; only the set of facts loaded differs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from fupin.accounts.models import User
from fupin.areas.models import Area
from fupin.assessment import rules
from fupin.assessment.models import AssessmentRun, HouseholdAssessment, PolicyVersion
from fupin.assessment.params import DEFAULT_YEARS, Params, clean_values, default_values
from fupin.core.audit import Action, audit_record
from fupin.core.bulk import insert_frame, read_frame
from fupin.core.errors import BadInput
from fupin.registry.models import Household, IncomeRecord, Member

REGISTER_STATES = ("registered", "exit_proposed", "exited", "returned")
"""Households in the register are assessed; candidates (一般农户) and removed households are not."""


# --- policy parameters -------------------------------------------------------------------------

def policy_seed_defaults() -> int:
    """Publish the shipped defaults as version 1 of every default year that has no version yet."""
    created = 0
    for year in DEFAULT_YEARS:
        if not PolicyVersion.objects.filter(year=year, region__isnull=True).exists():
            PolicyVersion.objects.create(year=year, number=1, status=PolicyVersion.Status.PUBLISHED,
                                         values=default_values(year), reason="RULES.md §1 默认值 / shipped defaults",
                                         published_at=timezone.now())
            created += 1
    return created


@transaction.atomic
def policy_version_create(*, year: int, values: dict[str, Any], reason: str, actor: User | None,
                          region: Area | None = None, publish: bool = False) -> PolicyVersion:
    """A new version of a year's parameters: the last version's values overlaid with ``values``."""
    if not reason.strip():
        raise BadInput("请填写修订说明 / a reason is required", code="POLICY_REASON_REQUIRED",
                       fields={"reason": ["required"]})
    cleaned = clean_values(values)
    versions = PolicyVersion.objects.select_for_update().filter(year=year, region=region)
    previous = versions.order_by("-number").first()
    base = dict(previous.values) if previous else ({} if region is not None else default_values(year))
    number = (versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PolicyVersion.objects.create(
        year=year, region=region, number=number, values=base | cleaned, reason=reason.strip(), created_by=actor,
        status=PolicyVersion.Status.PUBLISHED if publish else PolicyVersion.Status.DRAFT,
        published_at=timezone.now() if publish else None,
    )
    audit_record(actor=actor, action=Action.CREATE, obj=version,
                 changes={"year": year, "region": region.code if region else "", "values": version.values,
                          "published": publish, "reason": version.reason})
    return version


def _published(year: int) -> QuerySet[PolicyVersion]:
    return PolicyVersion.objects.filter(year=year, status=PolicyVersion.Status.PUBLISHED)


def policy_values(year: int, *, draft: PolicyVersion | None = None) -> tuple[dict[str, Any], dict[int, dict[str, Any]], list[int]]:
    """(platform-wide values, {region area id: values}, version ids used) of the latest published
    versions of ``year``; ``draft`` replaces the published version of its own region."""
    latest: dict[int | None, PolicyVersion] = {}
    for version in _published(year).order_by("region_id", "-number"):
        latest.setdefault(version.region_id, version)
    if draft is not None:
        latest[draft.region_id] = draft
    default = latest.pop(None, None)
    if default is None:
        raise BadInput(f"{year} 年没有已发布的政策参数 / no published policy parameters for {year}",
                       code="POLICY_MISSING")
    used = [default.pk] + [v.pk for v in latest.values()]
    # A version stored before a parameter existed gets that parameter's shipped default.
    return default_values(year) | dict(default.values), {rid: dict(v.values) for rid, v in latest.items() if rid is not None}, used


def params_for_villages(year: int, village_ids: Iterable[int], *, draft: PolicyVersion | None = None,
                        as_of: date | None = None) -> tuple[dict[int, Params], dict[str, Any]]:
    """The parameters in force for each village: platform-wide values overlaid by each region on
    the village's path, shallow to deep. Also returns the record stored with a run."""
    default, regional, used = policy_values(year, draft=draft)
    if as_of is not None:  # an explicit reference date (``fupin assess --as-of``) wins everywhere
        default["as_of"] = as_of.isoformat()
        regional = {rid: {k: v for k, v in values.items() if k != "as_of"} for rid, values in regional.items()}
    villages = Area.objects.filter(pk__in=set(village_ids)).values_list("pk", "path")
    result: dict[int, Params] = {}
    for pk, path in villages:
        values = dict(default)
        for ancestor in (int(p) for p in path.strip("/").split("/") if p):
            values |= regional.get(ancestor, {})
        result[pk] = Params(year, values)
    codes = dict(Area.objects.filter(pk__in=regional).values_list("pk", "code"))
    record = {"default": default, "regions": {codes[rid]: v for rid, v in regional.items()}, "versions": used}
    return result, record


def poverty_lines(village: Area, years: Iterable[int]) -> dict[int, Decimal | None]:
    """The poverty line in force in ``village`` for each of ``years`` (None for a year with no
    published platform version), resolved as ``params_for_villages`` does, in one query for all years."""
    wanted = sorted(set(years))
    ancestors = [int(p) for p in village.path.strip("/").split("/") if p]
    latest: dict[tuple[int, int | None], PolicyVersion] = {}
    for version in (PolicyVersion.objects.filter(year__in=wanted, status=PolicyVersion.Status.PUBLISHED)
                    .filter(Q(region__isnull=True) | Q(region_id__in=ancestors))
                    .order_by("year", "region_id", "-number")):
        latest.setdefault((version.year, version.region_id), version)
    lines: dict[int, Decimal | None] = {}
    for year in wanted:
        platform = latest.get((year, None))
        if platform is None:
            lines[year] = None
            continue
        values = default_values(year) | dict(platform.values)
        for ancestor in ancestors:
            if (year, ancestor) in latest:
                values |= latest[(year, ancestor)].values
        lines[year] = Params(year, values).poverty_line
    return lines


def param_for_area(year: int, area: Area, name: str) -> Any:
    """One parameter of ``year`` in force for ``area`` (regional versions on its path included)."""
    params, _record = params_for_villages(year, [area.pk])
    return params[area.pk].values[name]


def work_year() -> int:
    """The current work year: the latest year, not after this one, with a published poverty line."""
    this_year = timezone.localdate().year
    years = sorted({v.year for v in _published_platform() if v.values.get("poverty_line")}, reverse=True)
    for year in years:
        if year <= this_year:
            return year
    return this_year


def _published_platform() -> QuerySet[PolicyVersion]:
    return PolicyVersion.objects.filter(region__isnull=True, status=PolicyVersion.Status.PUBLISHED)


# --- facts -------------------------------------------------------------------------------------

SQLITE_SCAN_ABOVE = 2000
"""On SQLite, facts of more households than this are read by scanning the member and income tables."""


def load_facts(year: int, households: QuerySet[Household], *, few: bool = False) -> rules.Facts:
    """The facts of the rules for ``households`` (already filtered to the register), as frames:
    three SELECTs read straight into Polars (``fupin.core.bulk.read_frame``: COPY on PostgreSQL,
    a plain cursor when ``few`` households are read), amounts as integer cents, computed exactly
    by the database."""
    q = connection.ops.quote_name
    ids_sql, ids_params = households.values_list("id").query.sql_with_params()
    hh_table, m_table, i_table = (q(m._meta.db_table) for m in (Household, Member, IncomeRecord))
    # The version is read with the facts: a result stores the version its facts are of (ADR 0026 §5).
    hh = read_frame(
        f"SELECT id, household_no, village_id, food_secure, clothing_secure, housing_grade, "  # noqa: S608
        f"housing_renovated, relocated, safe_water, version FROM {hh_table} WHERE id IN ({ids_sql})", ids_params,
        {"id": pl.Int64, "household_no": pl.String, "village_id": pl.Int64, "food_secure": pl.Boolean,
         "clothing_secure": pl.Boolean, "housing_grade": pl.String, "housing_renovated": pl.Boolean,
         "relocated": pl.Boolean, "safe_water": pl.Boolean, "version": pl.Int64}, few=few, lazy=True,
    ).with_columns(pl.col("housing_grade").replace("", None)).collect()
    # Members and incomes of those households. SQLite has no hash join: looking 900,000 members up
    # through the household index takes seconds, reading the whole table a fraction of that; so a
    # large set is read whole and filtered in Polars (PostgreSQL's planner makes that choice itself).
    scan = connection.vendor == "sqlite" and hh.height > SQLITE_SCAN_ABOVE
    # Members who left the household (Member.removed_on) are not counted.
    member_filter, member_params = ("", []) if scan else (f"AND household_id IN ({ids_sql})", list(ids_params))
    mem = read_frame(
        f"SELECT household_id, name, CAST(birth_date AS TEXT), schooling, home_schooling, medical_insurance "  # noqa: S608
        f"FROM {m_table} WHERE removed_on IS NULL {member_filter}", member_params,
        {"household_id": pl.Int64, "name": pl.String, "birth_date": pl.Date, "schooling": pl.String,
         "home_schooling": pl.Boolean, "medical_insurance": pl.Boolean}, few=few, lazy=True,
    )
    amounts = ", ".join(f"CAST(ROUND({c} * 100) AS BIGINT)" for c in ("wage_income", "business_income",
                                                                     "property_income", "transfer_income",
                                                                     "business_expense"))
    income_filter, income_params = ("", []) if scan else (f"AND household_id IN ({ids_sql})", list(ids_params))
    inc = read_frame(
        f"SELECT household_id, {amounts} FROM {i_table} WHERE year = %s {income_filter}",  # noqa: S608
        [year, *income_params],
        {"household_id": pl.Int64, "wage": pl.Int64, "business": pl.Int64, "property": pl.Int64,
         "transfer": pl.Int64, "expense": pl.Int64}, few=few, lazy=True,
    )
    if scan:
        ids = hh.lazy().select(household_id="id")
        mem = mem.join(ids, on="household_id", how="semi")
        inc = inc.join(ids, on="household_id", how="semi")
    return rules.Facts(hh, mem, inc)


# --- runs --------------------------------------------------------------------------------------

def _evaluate(year: int, households: QuerySet[Household], draft: PolicyVersion | None = None,
              as_of: date | None = None, few: bool = False) -> tuple[pl.DataFrame, dict[str, Any]]:
    facts = load_facts(year, households, few=few)
    params, record = params_for_villages(year, set(facts.households["village_id"].to_list()), draft=draft,
                                         as_of=as_of)
    if not params:
        return pl.DataFrame(), record
    return rules.evaluate(facts, year, params), record


def _decimal_text(cents: pl.Expr) -> pl.Expr:
    """Integer cents as exact decimal text ("-0.51", "3747.00"), built over the column."""
    whole = (cents.abs() // 100).cast(pl.String)
    frac = (cents.abs() % 100).cast(pl.String).str.zfill(2)
    return pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit("")) + whole + pl.lit(".") + frac


def _store(run: AssessmentRun, df: pl.DataFrame) -> None:
    if df.is_empty():
        return
    out = df.lazy().select(
        pl.lit(run.pk).alias("run_id"), pl.col("id").alias("household_id"), pl.lit(run.year).alias("year"),
        "verdict", "failed_codes", "unknown_codes", "members",
        _decimal_text(pl.col("per_capita_cents")).alias("per_capita_income"),
        _decimal_text(pl.col("line_cents")).alias("poverty_line"),
        "income", "food_clothing", "education", "medical", "housing", "water",
        pl.lit("{}").alias("legacy_reasons"), "facts", pl.col("version").alias("household_version"),
    ).sort("household_id").collect()  # the (household, year, run) index then grows in order
    insert_frame(HouseholdAssessment, out)


def _totals(df: pl.DataFrame) -> dict[str, int]:
    if df.is_empty():
        return {}
    return dict(Counter(df["verdict"].to_list()))


@transaction.atomic
def assess_county(year: int, *, actor: User | None = None, draft: PolicyVersion | None = None,
                  households: QuerySet[Household] | None = None, as_of: date | None = None) -> AssessmentRun:
    """Assess every household in the register (or ``households``) for ``year`` and store the results.
    With ``draft``, the run uses that unpublished version and is stored as a draft run (it never
    counts as a household's current assessment)."""
    qs = (households if households is not None else Household.objects.all()).filter(status__in=REGISTER_STATES)
    df, record = _evaluate(year, qs, draft=draft, as_of=as_of)
    run = AssessmentRun.objects.create(
        year=year, scope=AssessmentRun.Scope.DRAFT if draft else AssessmentRun.Scope.COUNTY,
        params=record, policy_versions=record["versions"], ruleset_version=rules.RULESET_VERSION, actor=actor,
        draft=draft,
    )
    _store(run, df)
    run.households = df.height
    run.totals = _totals(df)
    run.finished_at = timezone.now()
    run.save(update_fields=["households", "totals", "finished_at"])
    audit_record(actor=actor, action=Action.CREATE, obj=run,
                 changes={"year": year, "scope": run.scope, "households": run.households, "totals": run.totals})
    return run


@transaction.atomic
def household_assess(household: Household, year: int, *, actor: User | None = None) -> HouseholdAssessment:
    """Run the rules for one household now, store the result and return it."""
    run = households_assess(Household.objects.filter(pk=household.pk), year, actor=actor)
    if not run.households:
        raise BadInput(f"户 {household.household_no} 在 {year} 年基准日没有家庭成员，无法评估 / household "
                       f"{household.household_no} has no members on the reference date of {year}",
                       code="ASSESSMENT_NO_MEMBERS")
    result = HouseholdAssessment.objects.select_related("run").get(run=run)
    audit_record(actor=actor, action=Action.CREATE, obj=household,
                 changes={"assessment": result.verdict, "year": year, "run": run.pk})
    return result


@transaction.atomic
def households_assess(households: QuerySet[Household], year: int, *, actor: User | None = None) -> AssessmentRun:
    """Run the rules now for a few households (one household's page, or the households a registry write changed:
    ADR 0026 §5) and store their results as one run of household scope, which never stands for the county's run.
    A household with no member on the reference date gets no result."""
    df, record = _evaluate(year, households, few=True)
    run = AssessmentRun.objects.create(
        year=year, scope=AssessmentRun.Scope.HOUSEHOLD, params=record, policy_versions=record["versions"],
        ruleset_version=rules.RULESET_VERSION, actor=actor, households=df.height, totals=_totals(df),
        finished_at=timezone.now(),
    )
    _store(run, df)
    return run


def household_latest_assessment(household_id: int, year: int) -> HouseholdAssessment | None:
    """The most recent stored assessment of a household for ``year`` (draft runs never count)."""
    return (HouseholdAssessment.objects.select_related("run")
            .filter(household_id=household_id, year=year)
            .exclude(run__scope=AssessmentRun.Scope.DRAFT)
            .order_by("-run_id").first())







@transaction.atomic
def policy_version_publish(version: PolicyVersion, *, actor: User | None) -> PolicyVersion:
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    if version.status == PolicyVersion.Status.PUBLISHED:
        raise BadInput("该版本已发布 / this version is already published", code="POLICY_ALREADY_PUBLISHED")
    newer = PolicyVersion.objects.filter(year=version.year, region=version.region, number__gt=version.number,
                                         status=PolicyVersion.Status.PUBLISHED).exists()
    if newer:
        raise BadInput("已有更新的已发布版本，请在其基础上新建 / a newer version is already published",
                       code="POLICY_STALE_DRAFT")
    version.status = PolicyVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    audit_record(actor=actor, action=Action.UPDATE, obj=version, changes={"status": ["draft", "published"]})
    return version
