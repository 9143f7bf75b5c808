"""Coverage of the help measures (issue 6 §4), per village, in SQL aggregates:

- every registered household has at least one measure in the year and a current helper;
- every poor village (``assessment.PoorVillage`` not out before the year) has an industry measure
  or an industry project (``projects.Project``, not withdrawn);
- the high-school grant reaches at least ``measure_high_school_grant_share`` of the enrolled
  high-school students of registered households;
- households eligible for an entitlement but not receiving it (应享未享), from
  :func:`fupin.measures.suggestions.evaluate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from fupin.areas.models import Area
from fupin.assessment.models import PoorVillage
from fupin.assessment.services import policy_values
from fupin.measures.models import Measure
from fupin.measures.services import params_year
from fupin.measures.suggestions import REGISTERED, Suggestion, evaluate, receiving_filter
from fupin.projects.models import Project
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


def coverage(households: QuerySet[Household], year: int) -> Coverage:
    registered = households.filter(status__in=REGISTERED)
    measure = Measure.objects.filter(receiving_filter(year), household=OuterRef("pk"))
    helper = HelperAssignment.objects.filter(household=OuterRef("pk"), ends_on__isnull=True)
    per_village = (registered.annotate(m=Exists(measure), h=Exists(helper)).values("village_id")
                   .annotate(n=Count("pk"), nm=Count("pk", filter=Q(m=True)), nh=Count("pk", filter=Q(h=True))))
    counts: dict[int, dict[str, Any]] = {r["village_id"]: dict(r) for r in per_village}
    grant = Measure.objects.filter(receiving_filter(year), member=OuterRef("pk"), programme__code="high_school_grant")
    students = (Member.objects.filter(household__in=registered, schooling="senior").annotate(g=Exists(grant))
                .values("household__village_id").annotate(n=Count("pk"), ng=Count("pk", filter=Q(g=True))))
    school: dict[int, dict[str, Any]] = {r["household__village_id"]: dict(r) for r in students}
    village_ids = set(counts) | set(households.values_list("village_id", flat=True).distinct())
    poor = set(PoorVillage.objects.filter(village_id__in=village_ids)
               .filter(Q(exit_year__isnull=True) | Q(exit_year__gte=year)).values_list("village_id", flat=True))
    industry = set(Measure.objects.filter(receiving_filter(year), programme__category="industry",
                                          household__village_id__in=poor).values_list("household__village_id", flat=True))
    industry |= set(Project.objects.filter(area_id__in=poor, category=Project.Category.INDUSTRY)
                    .exclude(status=Project.Status.WITHDRAWN).values_list("area_id", flat=True))
    rows: dict[int, VillageRow] = {}
    for pk, name, parent in Area.objects.filter(pk__in=village_ids).values_list("pk", "name", "parent__name") \
            .order_by("code"):
        c, s = counts.get(pk, {}), school.get(pk, {})
        rows[pk] = VillageRow(pk, name, parent or "", c.get("n", 0), c.get("nm", 0), c.get("nh", 0), pk in poor,
                              pk in industry, s.get("n", 0), s.get("ng", 0))
    for gap in evaluate(households, year).gaps:
        if gap.village_id in rows:
            rows[gap.village_id].gaps.append(gap)
    default, _regional, _used = policy_values(params_year(year))
    return Coverage(year, Decimal(str(default["measure_high_school_grant_share"])), list(rows.values()))
