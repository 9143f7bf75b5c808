"""Coverage of the help measures (issue 6 §4), per village:

- every registered household has at least one measure in the year and a current helper;
- every poor village (``assessment.PoorVillage`` not out before the year) has an industry measure
  or an industry project (``projects.Project``, not withdrawn);
- the high-school grant reaches at least ``measure_high_school_grant_share`` of the enrolled
  high-school students of registered households;
- households eligible for an entitlement but not receiving it (应享未享).

The counts are SQL aggregates. 应享未享 is evaluated set-based: the facts are read once into Polars
frames (households, members, the year's measures, the latest assessment's failing indicators, the
parameters per village; ``fupin.core.bulk.read_frame``) and each entitlement programme's rule is its
Polars reading (:mod:`fupin.measures.rules`: the same rule the record form and department files check
one beneficiary with). It answers as :func:`fupin.measures.suggestions.evaluate` does for the
entitlements (its ``gaps``), in the same order per village: households by number, programmes in
catalogue order.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import connection
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast

from fupin.areas.models import Area
from fupin.assessment.models import INDICATOR_LABELS, AssessmentRun, HouseholdAssessment, PoorVillage
from fupin.assessment.services import SQLITE_SCAN_ABOVE, policy_values
from fupin.core.bulk import query_frame, read_frame
from fupin.measures import rules
from fupin.measures.models import Measure, Programme
from fupin.measures.services import params_for, params_year
from fupin.measures.suggestions import REGISTERED, Suggestion, receiving_filter
from fupin.projects.models import Project
from fupin.registry.codes import Cause
from fupin.registry.models import HelperAssignment, Household, Member


@dataclass
class VillageRow:
    village_id: int
    village: str
    township: str
    households: int = 0
    with_measure: int = 0
    with_helper: int = 0
    poor_village: bool = False
    industry: bool = False
    high_school: int = 0
    high_school_granted: int = 0
    gaps: list[Suggestion] = field(default_factory=list)

    @property
    def without_measure(self) -> int:
        return self.households - self.with_measure

    @property
    def without_helper(self) -> int:
        return self.households - self.with_helper


@dataclass
class Coverage:
    year: int
    share_required: Decimal
    villages: list[VillageRow]

    def total(self, name: str) -> int:
        return sum(int(getattr(v, name)) for v in self.villages)

    @property
    def high_school_share(self) -> Decimal | None:
        enrolled = self.total("high_school")
        return (Decimal(self.total("high_school_granted")) / enrolled).quantize(Decimal("0.001")) if enrolled else None

    @property
    def high_school_ok(self) -> bool:
        share = self.high_school_share
        return share is None or share >= self.share_required

    @property
    def poor_without_industry(self) -> list[VillageRow]:
        return [v for v in self.villages if v.poor_village and not v.industry]

    def as_dict(self) -> dict[str, Any]:
        return {"year": self.year, "households": self.total("households"), "with_measure": self.total("with_measure"),
                "with_helper": self.total("with_helper"), "high_school": self.total("high_school"),
                "high_school_granted": self.total("high_school_granted"),
                "high_school_share": self.high_school_share, "high_school_share_required": self.share_required,
                "high_school_ok": self.high_school_ok,
                "poor_villages_without_industry": [v.village for v in self.poor_without_industry],
                "gaps": self.total_gaps}

    @property
    def total_gaps(self) -> int:
        return sum(len(v.gaps) for v in self.villages)


# --- the facts, read once ---------------------------------------------------------------------------

NOT_RECEIVING = "符合条件未享受 / eligible, not receiving"
HIGH_SCHOOL_GRANT = "high_school_grant"
STUDENTS = rules.OneOf("schooling", frozenset({"senior"}))
"""The high-school students the grant's share is counted over."""


@dataclass(frozen=True)
class Facts:
    """What coverage reads, for a set of registered households, as frames."""

    households: pl.DataFrame
    """id, household_no, village_id, the household facts of :data:`rules.HOUSE_FACTS`, causes (list: the main
    cause and the other causes)."""
    members: pl.DataFrame
    """id, household_id and the member facts of :data:`rules.PERSON_FACTS`, of the members who may qualify
    under the member rules of the programmes read for, and of the high-school students."""
    measures: pl.DataFrame
    """household_id, programme_id, member_id (null for a household's measure): the measures received in the
    year (planned, delivering or done, overlapping the year)."""
    helped: pl.DataFrame
    """household_id: the households with a current helper."""
    granted: pl.DataFrame
    """member_id: the members receiving the high-school grant in the year (under whichever household)."""
    failed: pl.DataFrame
    """household_id, failed (list of indicator codes): the latest stored assessment of the year."""
    params: pl.DataFrame
    """Per village: the reference day and the parameters the rules read (:func:`rules.params_frame`)."""


_HOUSEHOLD_SCHEMA: dict[str, Any] = {
    "id": pl.Int64, "household_no": pl.String, "village_id": pl.Int64, "attribute": pl.String,
    "housing_grade": pl.String, "housing_renovated": pl.Boolean, "main_cause": pl.String, "causes_text": pl.String}
_MEMBER_SCHEMA: dict[str, Any] = {
    "id": pl.Int64, "household_id": pl.Int64, "birth_date": pl.Date, "schooling": pl.String, "health": pl.String,
    "disability_level": pl.String, "labour": pl.String, "dibao": pl.Boolean}
_NO_TEXT = pl.lit([], dtype=pl.List(pl.String))


def _read(qs: QuerySet[Any], schema: dict[str, Any]) -> pl.LazyFrame:
    """``qs.values_list(*schema)`` straight into Polars (one SELECT; COPY on PostgreSQL)."""
    return query_frame(qs.order_by(), list(schema), schema, lazy=True)


def _rule(programme: Programme) -> rules.Rule:
    rule = rules.MEMBER_RULES.get(programme.rule) or rules.HOUSEHOLD_RULES.get(programme.rule)
    if rule is None:
        raise ValueError(f"programme {programme.code}: unknown eligibility rule {programme.rule!r}")
    return rule


def entitlements() -> list[Programme]:
    """The active entitlement programmes (应享) that have a rule, in catalogue order."""
    return list(Programme.objects.filter(active=True, entitled=True).exclude(rule="").order_by("sort", "code"))


def load_facts(households: QuerySet[Household], year: int, programmes: list[Programme]) -> Facts:
    """The facts of the registered households among ``households``: a fixed number of queries for any
    number of households, each read straight into Polars; ``programmes``' rules name the parameters read."""
    q = connection.ops.quote_name
    registered = households.filter(status__in=REGISTERED)
    ids_sql, ids_params = registered.order_by().values_list("id").query.sql_with_params()
    hh = _read(registered.annotate(causes_text=Cast("other_causes", TextField())), _HOUSEHOLD_SCHEMA).with_columns(
        causes=pl.concat_list(pl.col("main_cause"), pl.col("causes_text").str.json_decode(pl.List(pl.String))
                              .fill_null(_NO_TEXT))).drop("main_cause", "causes_text").collect()
    # Only the members who may qualify under a member rule in play, or are high-school students: each of
    # those rules names a fact-among-values condition every qualifying member meets (rules.Rule.narrowing);
    # the rules then decide over the frame.
    ruled = [_rule(p) for p in programmes if p.rule]
    narrowing = [r.narrowing(rules.PERSON_FACTS) for r in ruled if isinstance(r, rules.MemberRule)]
    wanted = [] if None in narrowing else [c for c in narrowing if c is not None] + [STUDENTS]
    member_where = " OR ".join(f"{q(c.fact)} IN ({', '.join(['%s'] * len(c.values))})" for c in wanted)
    member_params = [v for c in wanted for v in sorted(c.values)]
    # As the exit assessment does: SQLite has no hash join, so for a large set the member, measure, helper and
    # assessment tables are read whole (members: those wanted) and kept by a semi-join in Polars, rather than
    # matched against the households one by one (PostgreSQL's planner makes that choice itself).
    scan = connection.vendor == "sqlite" and hh.height > SQLITE_SCAN_ABOVE
    ids = registered.order_by().values("pk")
    hh_ids = hh.lazy().select(household_id="id")

    def of_households(qs: QuerySet[Any], schema: dict[str, Any]) -> pl.LazyFrame:
        if scan:
            return _read(qs, schema).join(hh_ids, on="household_id", how="semi")
        return _read(qs.filter(household_id__in=ids), schema)

    where, where_params = (["removed_on IS NULL"], []) if scan else (
        ["removed_on IS NULL", f"household_id IN ({ids_sql})"], list(ids_params))
    if member_where:
        where, where_params = [*where, f"({member_where})"], [*where_params, *member_params]
    members = read_frame(
        f"SELECT id, household_id, CAST(birth_date AS TEXT), schooling, health, disability_level, labour, dibao "  # noqa: S608
        f"FROM {q(Member._meta.db_table)} WHERE {' AND '.join(where)}", where_params,
        _MEMBER_SCHEMA, lazy=True)
    if scan:
        members = members.join(hh_ids, on="household_id", how="semi")
    measures = of_households(Measure.objects.filter(receiving_filter(year)),
                             {"household_id": pl.Int64, "programme_id": pl.Int64, "member_id": pl.Int64})
    helped = of_households(HelperAssignment.objects.filter(ends_on__isnull=True), {"household_id": pl.Int64})
    assessed = of_households(HouseholdAssessment.objects.filter(year=year).exclude(run__scope=AssessmentRun.Scope.DRAFT),
                             {"household_id": pl.Int64, "run_id": pl.Int64, "failed_codes": pl.String})
    # Every grant of the year: they are counted over the students read, whichever household a grant was given under.
    granted = _read(Measure.objects.filter(receiving_filter(year), programme__code=HIGH_SCHOOL_GRANT,
                                           member__isnull=False), {"member_id": pl.Int64})
    failed = (assessed.sort("household_id", "run_id").group_by("household_id", maintain_order=True).last()
              .select("household_id", failed=pl.col("failed_codes").str.split(";").list.eval(
                  pl.element().filter(pl.element() != ""))))
    names = frozenset().union(*(r.params() for r in ruled))
    params = rules.params_frame(params_for(year, sorted(hh["village_id"].unique().to_list())), names)
    members_f, measures_f, helped_f, granted_f, failed_f = pl.collect_all([members, measures, helped, granted, failed])
    return Facts(hh, members_f, measures_f, helped_f, granted_f, failed_f, params)


# --- 应享未享 ----------------------------------------------------------------------------------------

def eligible(facts: Facts, programmes: list[Programme]) -> pl.DataFrame:
    """Every beneficiary that qualifies under its programme's rule on the reference day of the year
    (the parameters' ``as_of``, as the suggestions read it): programme_id, household_id, member_id (null
    under a household rule). Programmes without a rule are left out (everyone qualifies)."""
    houses = facts.households.lazy().join(facts.params.lazy(), on="village_id", how="inner")
    members = facts.members.lazy().join(houses.select("id", *rules.HOUSE_FACTS, *facts.params.columns),
                                        left_on="household_id", right_on="id", how="inner")
    parts = []
    for p in programmes:
        if not p.rule:
            continue
        rule = _rule(p)
        programme_id = pl.lit(p.pk, dtype=pl.Int64).alias("programme_id")
        if isinstance(rule, rules.MemberRule):
            parts.append(members.filter(rule.expr()).select(programme_id, "household_id", member_id="id"))
        else:
            parts.append(houses.filter(rule.expr()).select(programme_id, household_id="id",
                                                           member_id=pl.lit(None, dtype=pl.Int64)))
    if not parts:
        return pl.DataFrame(schema={"programme_id": pl.Int64, "household_id": pl.Int64, "member_id": pl.Int64})
    return pl.concat(parts).collect()


def _reason_table(programmes: list[Programme]) -> pl.LazyFrame:
    """Per programme, the causes and failing indicators it answers (kind, code), each with the words of
    :func:`fupin.measures.suggestions.evaluate` and its place among the programme's reasons (causes first)."""
    labels = dict(Cause.choices)
    rows = []
    for p in programmes:
        rows += [(p.pk, "cause", c, i, f"致贫原因：{labels.get(c, c)}") for i, c in enumerate(p.causes)]
        rows += [(p.pk, "indicator", c, len(p.causes) + i, f"未达标：{INDICATOR_LABELS.get(c, c)}")
                 for i, c in enumerate(p.indicators)]
    return pl.LazyFrame(rows, orient="row", schema={"programme_id": pl.Int64, "kind": pl.String, "code": pl.String,
                                                    "rank": pl.Int64, "text": pl.String})


def gap_frame(facts: Facts, programmes: list[Programme]) -> pl.DataFrame:
    """应享未享 of ``programmes`` (entitlements): household_id, household_no, village_id, programme_id,
    member_ids (the qualifying members not receiving it; empty under a household rule), reasons; ordered
    by household number, then programme (catalogue order)."""
    ok = eligible(facts, programmes).lazy()
    receiving = facts.measures.lazy()
    by_member = (ok.filter(pl.col("member_id").is_not_null())
                 .join(receiving.filter(pl.col("member_id").is_not_null()).select("programme_id", "member_id"),
                       on=["programme_id", "member_id"], how="anti")
                 .group_by("household_id", "programme_id").agg(member_ids=pl.col("member_id").sort()))
    by_household = (ok.filter(pl.col("member_id").is_null())
                    .join(receiving.select("household_id", "programme_id"), on=["household_id", "programme_id"],
                          how="anti")
                    .select("household_id", "programme_id", member_ids=pl.lit([], dtype=pl.List(pl.Int64))))
    gaps = pl.concat([by_member, by_household])
    # The reasons: the household's causes and failing indicators that the programme answers.
    codes = pl.concat([
        facts.households.lazy().select(household_id="id", kind=pl.lit("cause"), code="causes").explode("code"),
        facts.failed.lazy().select("household_id", kind=pl.lit("indicator"), code="failed").explode("code"),
    ]).drop_nulls("code").unique()
    reasons = (gaps.select("household_id", "programme_id").join(_reason_table(programmes), on="programme_id")
               .join(codes, on=["household_id", "kind", "code"], how="semi")
               .group_by("household_id", "programme_id").agg(reasons=pl.col("text").sort_by("rank")))
    order = pl.LazyFrame({"programme_id": [p.pk for p in programmes], "order": list(range(len(programmes)))},
                         schema={"programme_id": pl.Int64, "order": pl.Int64})
    return (gaps.join(facts.households.lazy().select("id", "household_no", "village_id"),
                      left_on="household_id", right_on="id", how="inner")
            .join(order, on="programme_id", how="inner")
            .join(reasons, on=["household_id", "programme_id"], how="left")
            .sort("household_no", "household_id", "order")
            .select("household_id", "household_no", "village_id", "programme_id", "member_ids",
                    pl.col("reasons").fill_null(pl.lit([NOT_RECEIVING], dtype=pl.List(pl.String))))
            .collect())


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector would walk the growing heap again and again while hundreds of thousands of
    small objects are made (they hold no cycles): pause it for that while (a third of the time)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _suggestions(gaps: pl.DataFrame, programmes: list[Programme]) -> list[Suggestion]:
    by_pk = {p.pk: p for p in programmes}
    names = dict(Area.objects.filter(pk__in=gaps["village_id"].unique().to_list()).values_list("pk", "name"))
    with _collector_paused():
        columns = [gaps[c].to_list() for c in ("household_id", "household_no", "village_id", "programme_id",
                                               "member_ids", "reasons")]
        return [Suggestion(hid, number, vid, names[vid], by_pk[pid], members, why)
                for hid, number, vid, pid, members, why in zip(*columns, strict=True)]


def entitlement_gaps(households: QuerySet[Household], year: int) -> list[Suggestion]:
    """应享未享 among ``households`` in ``year``: the entitlement programmes a registered household qualifies
    for and does not receive (under a member rule: the qualifying members who do not), by household number,
    then catalogue order. The same answer as ``suggestions.evaluate(...).gaps``, computed set-based."""
    programmes = entitlements()
    facts = load_facts(households, year, programmes)
    return _suggestions(gap_frame(facts, programmes), programmes) if programmes else []


# --- the figures ------------------------------------------------------------------------------------

def coverage(households: QuerySet[Household], year: int) -> Coverage:
    """The coverage of ``households`` (a registered one counts; the villages of all of them are listed,
    in code order) in ``year``."""
    programmes = entitlements()
    facts = load_facts(households, year, programmes)
    hh = facts.households.lazy()
    per_village = hh.group_by("village_id").agg(
        n=pl.len(), nm=pl.col("id").is_in(facts.measures["household_id"].implode()).sum(),
        nh=pl.col("id").is_in(facts.helped["household_id"].implode()).sum())
    students = (facts.members.lazy().filter(STUDENTS.expr())
                .join(hh.select("id", "village_id"), left_on="household_id", right_on="id", how="inner")
                .group_by("village_id").agg(n=pl.len(), ng=pl.col("id").is_in(facts.granted["member_id"].implode()).sum()))
    counts_f, school_f = pl.collect_all([per_village, students])
    counts = {vid: (n, nm, nh) for vid, n, nm, nh in counts_f.iter_rows()}
    school = {vid: (n, ng) for vid, n, ng in school_f.iter_rows()}
    village_ids = set(counts) | set(households.order_by().values_list("village_id", flat=True).distinct())
    poor = set(PoorVillage.objects.filter(village_id__in=village_ids)
               .filter(Q(exit_year__isnull=True) | Q(exit_year__gte=year)).values_list("village_id", flat=True))
    industry = set(Measure.objects.filter(receiving_filter(year), programme__category="industry",
                                          household__village_id__in=poor).values_list("household__village_id", flat=True))
    industry |= set(Project.objects.filter(area_id__in=poor, category=Project.Category.INDUSTRY)
                    .exclude(status=Project.Status.WITHDRAWN).values_list("area_id", flat=True))
    rows: dict[int, VillageRow] = {}
    for pk, name, parent in Area.objects.filter(pk__in=village_ids).values_list("pk", "name", "parent__name") \
            .order_by("code"):
        n, nm, nh = counts.get(pk, (0, 0, 0))
        students_n, granted_n = school.get(pk, (0, 0))
        rows[pk] = VillageRow(pk, name, parent or "", n, nm, nh, pk in poor, pk in industry, students_n, granted_n)
    if programmes:
        for gap in _suggestions(gap_frame(facts, programmes), programmes):
            if gap.village_id in rows:
                rows[gap.village_id].gaps.append(gap)
    default, _regional, _used = policy_values(params_year(year))
    return Coverage(year, Decimal(str(default["measure_high_school_grant_share"])), list(rows.values()))
