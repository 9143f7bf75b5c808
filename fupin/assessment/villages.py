"""Village and county exit (REFERENCE.md §2.3, Henan) and the yearly targets with their progress.

Poverty incidence = registered poor people at the end of the year ÷ the village population. A
household counts as poor at the end of year Y when it was identified by Y and had not exited by
Y: status 未脱贫 / 拟退出 / 返贫, or 已脱贫 with an exit year after Y. Incidence must be strictly
below the parameter (``village_incidence_max``, 2% in Henan); each facility must be 是; a blank
fact is unknown, never no.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from fupin.accounts.models import User
from fupin.areas.models import Area
from fupin.assessment.models import PoorVillage, Target, VillageFacts
from fupin.assessment.services import policy_values
from fupin.core.audit import Action, audit_record, diff, snapshot
from fupin.registry.models import Household, Member

FACILITY_LABELS = {name: getattr(VillageFacts._meta.get_field(name), "verbose_name", name)
                   for name in VillageFacts.FACILITIES}
"""Lazy translations (the fields' verbose names): rendered in the viewer's language."""
PERCENT = Decimal("0.01")


def poor_at_end_of(year: int) -> Q:
    """Households registered poor at the end of ``year`` (a filter on Household)."""
    identified = Q(identified_year__isnull=True) | Q(identified_year__lte=year)
    still_poor = Q(status__in=("registered", "exit_proposed", "returned")) | Q(status="exited", exit_year__gt=year)
    return identified & still_poor


def poor_people_by_village(year: int, villages: QuerySet[Area] | None = None) -> dict[int, int]:
    households = Household.objects.filter(poor_at_end_of(year))
    if villages is not None:
        households = households.filter(village__in=villages)
    return dict(Member.objects.filter(household__in=households).values_list("household__village_id")
                .annotate(n=Count("pk")).values_list("household__village_id", "n"))


@dataclass
class VillageVerdict:
    village: Area
    year: int
    poor_people: int
    population: int | None
    incidence: Decimal | None
    """Percent, two decimals."""
    checks: list[tuple[str, str, str]] = field(default_factory=list)
    """(label, outcome PASS/FAIL/UNKNOWN, reason)."""
    collective_income: Decimal | None = None

    @property
    def verdict(self) -> str:
        outcomes = {o for _label, o, _reason in self.checks}
        if "FAIL" in outcomes:
            return "NOT_ELIGIBLE"
        return "INSUFFICIENT_DATA" if "UNKNOWN" in outcomes else "EXIT_ELIGIBLE"


def _incidence(poor: int, population: int | None) -> Decimal | None:
    if not population:
        return None
    return (Decimal(poor) * 100 / Decimal(population)).quantize(PERCENT, rounding=ROUND_HALF_UP)


def village_verdicts(year: int, villages: QuerySet[Area]) -> list[VillageVerdict]:
    """The exit verdict of each village, with a reason for every check; three queries in all."""
    default, _regional, _used = policy_values(year)
    limit = Decimal(str(default.get("village_incidence_max", "0.02"))) * 100
    income_min = Decimal(str(default.get("village_collective_income_min", "0")))
    poor = poor_people_by_village(year, villages)
    facts = {f.village_id: f for f in VillageFacts.objects.filter(year=year, village__in=villages)}
    out = []
    for village in villages.order_by("code"):
        f = facts.get(village.pk)
        population = f.population if f else None
        incidence = _incidence(poor.get(village.pk, 0), population)
        v = VillageVerdict(village, year, poor.get(village.pk, 0), population, incidence,
                           collective_income=f.collective_income if f else None)
        incidence_label = str(_("贫困发生率"))
        if incidence is None:
            v.checks.append((incidence_label, "UNKNOWN", _("%(year)s 年全村人口未填写") % {"year": year}))
        else:
            ok = incidence < limit
            figures = {"poor": v.poor_people, "population": population, "incidence": incidence,
                       "limit": limit.normalize()}
            v.checks.append((incidence_label, "PASS" if ok else "FAIL",
                             (_("贫困人口 %(poor)s 人 ÷ 全村人口 %(population)s 人 = %(incidence)s%%，低于 %(limit)s%%")
                              if ok else
                              _("贫困人口 %(poor)s 人 ÷ 全村人口 %(population)s 人 = %(incidence)s%%，未低于 %(limit)s%%"))
                             % figures))
        for name, lazy_label in FACILITY_LABELS.items():
            label = str(lazy_label)
            value = getattr(f, name) if f else None
            answer = _("未填写") if value is None else (_("是") if value else _("否"))
            v.checks.append((label, "UNKNOWN" if value is None else ("PASS" if value else "FAIL"),
                             _("%(label)s：%(value)s") % {"label": label, "value": answer}))
        if income_min > 0:
            amount = v.collective_income
            income_label = str(_("村集体经济收入"))
            if amount is None:
                v.checks.append((income_label, "UNKNOWN", _("村集体经济收入未填写")))
            else:
                reached = amount >= income_min
                money = {"amount": f"{amount:,.2f}", "minimum": f"{income_min:,.0f}"}
                v.checks.append((income_label, "PASS" if reached else "FAIL",
                                 (_("村集体经济收入 %(amount)s 元，达到 %(minimum)s 元") if reached
                                  else _("村集体经济收入 %(amount)s 元，未达到 %(minimum)s 元")) % money))
        out.append(v)
    return out


def county_incidence(year: int, county: Area) -> dict[str, Any]:
    """Poor people ÷ population over the villages of the county with a recorded population."""
    villages = Area.objects.filter(level="village", path__startswith=county.path)
    facts = VillageFacts.objects.filter(year=year, village__in=villages, population__isnull=False)
    population = facts.aggregate(n=Sum("population"))["n"] or 0
    recorded = set(facts.values_list("village_id", flat=True))
    poor = sum(n for vid, n in poor_people_by_village(year, villages).items() if vid in recorded)
    default, _r, _u = policy_values(year)
    limit = Decimal(str(default.get("county_incidence_max", "0.02"))) * 100
    incidence = _incidence(poor, population)
    return {"poor": poor, "population": population, "villages_recorded": len(recorded),
            "villages": villages.count(), "incidence": incidence, "limit": limit,
            "verdict": None if incidence is None else ("EXIT_ELIGIBLE" if incidence < limit else "NOT_ELIGIBLE")}


# --- targets ------------------------------------------------------------------------------------

PLAN_SOURCE = "郾城区打好精准脱贫攻坚战三年行动计划(2018—2020年)"
PLAN_TARGETS = {2018: (680, 2), 2019: (1000, 0), 2020: (None, 0)}
"""The plan's yearly targets: at least 680 people and 2 poor villages in 2018, at least 1,000
people in 2019, all remaining poor people in 2020 (and every poor village by then)."""


def targets_seed(county: Area) -> int:
    created = 0
    for year, (people, villages) in PLAN_TARGETS.items():
        _obj, was_created = Target.objects.get_or_create(
            area=county, year=year, defaults={"people": people, "villages": villages, "source": PLAN_SOURCE})
        created += was_created
    return created


@dataclass
class Progress:
    area: Area
    year: int
    target_people: int | None
    target_villages: int
    exited_people: int
    exited_villages: int
    all_remaining: bool

    @property
    def missing_people(self) -> int:
        return max((self.target_people or 0) - self.exited_people, 0)

    @property
    def missing_villages(self) -> int:
        return max(self.target_villages - self.exited_villages, 0)


def _per_area(areas: list[Area], counts: Iterable[tuple[str, int]]) -> dict[int, int]:
    """Sum per area of counts given per village path: an area holds the villages under its path."""
    totals = dict.fromkeys((a.pk for a in areas), 0)
    for path, n in counts:
        for area in areas:
            if path.startswith(area.path):
                totals[area.pk] += n
    return totals


def target_progress(year: int, areas: QuerySet[Area]) -> list[Progress]:
    """Per area (district or township): the target of the year and the exits recorded against it.
    A target of "all remaining" means every person still poor at the end of the previous year.
    One grouped query per measure (counts per village, summed per area here), whatever the
    number of areas."""
    area_list = list(areas.order_by("code"))
    targets = {t.area_id: t for t in Target.objects.filter(year=year, area__in=area_list)}
    path = "household__village__path"
    exited = _per_area(area_list, Member.objects.filter(
        household__exit_year=year, household__status__in=("exited", "returned"))
        .values_list(path).annotate(n=Count("pk")).values_list(path, "n"))
    villages = _per_area(area_list, PoorVillage.objects.filter(exit_year=year).values_list("village__path")
                         .annotate(n=Count("pk")).values_list("village__path", "n"))
    all_remaining_ids = {pk for pk, t in targets.items() if t.people is None}
    remaining_people: dict[int, int] = {}
    remaining_villages: dict[int, int] = {}
    if all_remaining_ids:
        remaining_areas = [a for a in area_list if a.pk in all_remaining_ids]
        remaining_people = _per_area(remaining_areas, Member.objects.filter(
            household__in=Household.objects.filter(poor_at_end_of(year - 1)))
            .values_list(path).annotate(n=Count("pk")).values_list(path, "n"))
        remaining_villages = _per_area(remaining_areas, PoorVillage.objects.filter(
            Q(exit_year__isnull=True) | Q(exit_year__gte=year)).values_list("village__path")
            .annotate(n=Count("pk")).values_list("village__path", "n"))
    out = []
    for area in area_list:
        t = targets.get(area.pk)
        all_remaining = area.pk in all_remaining_ids
        if all_remaining:
            target_people: int | None = remaining_people[area.pk]
            target_villages = max(t.villages if t else 0, remaining_villages[area.pk])
        else:
            target_people = t.people if t else None
            target_villages = t.villages if t else 0
        out.append(Progress(area, year, target_people, target_villages, exited[area.pk], villages[area.pk],
                            all_remaining))
    return out


@transaction.atomic
def village_facts_save(village: Area, year: int, data: dict[str, Any], *, actor: User | None) -> VillageFacts:
    facts, created = VillageFacts.objects.select_for_update().get_or_create(village=village, year=year)
    before = snapshot(facts)
    for name in ("population", *VillageFacts.FACILITIES, "collective_income"):
        setattr(facts, name, data.get(name))
    facts.save()
    audit_record(actor=actor, action=Action.CREATE if created else Action.UPDATE, obj=facts,
                 changes=diff(before, snapshot(facts)))
    return facts
