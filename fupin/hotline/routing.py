"""Routing and deadlines as data: which unit handles a ticket, and by when.

``RoutingRule`` rows say which unit handles a category in an area; ``CategoryDeadline`` rows say how
many days a unit has and how many hours before the deadline the reminder goes out. Categories
without a row use :data:`DEFAULT_DEADLINES`. Cadre-conduct complaints always go to the discipline
inspection unit (the department ``discipline``, else the county), whatever the table says: nobody
else may see them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fupin.accounts.models import Department
from fupin.areas.models import Area
from fupin.hotline.models import Category, CategoryDeadline, RoutingRule

# category: (days to answer, hours before the deadline for the reminder)
DEFAULT_DEADLINES: dict[str, tuple[int, int]] = {
    Category.POLICY: (5, 24), Category.BENEFIT: (10, 48), Category.DISPUTE: (15, 48),
    Category.PROJECT: (15, 48), Category.CONDUCT: (30, 72), Category.OTHER: (10, 48),
}
DEFAULT_DEPARTMENT = "fupin-office"  # 区扶贫办: tickets no rule covers
DISCIPLINE_DEPARTMENT = "discipline"  # 区纪委监委: every cadre-conduct complaint


@dataclass(frozen=True)
class Deadline:
    days: int
    remind_hours: int

    @property
    def span(self) -> timedelta:
        return timedelta(days=self.days)

    @property
    def remind(self) -> timedelta:
        return timedelta(hours=self.remind_hours)


def deadlines() -> dict[str, Deadline]:
    """Every category's deadline: its row, or the default."""
    result = {c: Deadline(*DEFAULT_DEADLINES[c]) for c in Category.values}
    for row in CategoryDeadline.objects.all():
        result[row.category] = Deadline(row.days, row.remind_hours)
    return result


@dataclass(frozen=True)
class Unit:
    department: Department | None = None
    area: Area | None = None

    @property
    def label(self) -> str:
        return str(self.department or self.area or "")


def county_of(area: Area) -> Area:
    ids = [*area.ancestor_ids(), area.pk]
    county = Area.objects.filter(pk__in=ids, level=Area.Level.COUNTY).first()
    return county or area


def local_unit(area: Area, level: str) -> Area:
    """The ticket's township (or village, when asked and the ticket is at village level)."""
    if level == RoutingRule.Local.VILLAGE and area.level == Area.Level.VILLAGE:
        return area
    if area.level == Area.Level.VILLAGE and area.parent is not None:
        return area.parent
    return area


@dataclass(frozen=True)
class RoutingTable:
    """The rules and the default units, read once (a demo or an import routes many tickets with one read)."""

    rules: tuple[RoutingRule, ...]
    office: Department | None
    discipline: Department | None

    @classmethod
    def load(cls) -> RoutingTable:
        departments = {d.code: d for d in Department.objects.filter(code__in=[DEFAULT_DEPARTMENT,
                                                                              DISCIPLINE_DEPARTMENT])}
        return cls(tuple(RoutingRule.objects.select_related("area", "department")),
                   departments.get(DEFAULT_DEPARTMENT), departments.get(DISCIPLINE_DEPARTMENT))

    def route(self, category: str, area: Area, county: Area | None = None) -> Unit:
        """The unit that handles a new ticket of ``category`` about ``area`` (``area.parent`` loaded)."""
        if category == Category.CONDUCT:
            return Unit(department=self.discipline) if self.discipline else Unit(area=county or county_of(area))
        ancestors = {*area.ancestor_ids(), area.pk}
        rules = [r for r in self.rules if r.category in (category, "") and (r.area_id is None or r.area_id in ancestors)]
        if rules:
            best = max(rules, key=lambda r: (r.area.depth if r.area else -1, r.category != ""))
            if best.department is not None:
                return Unit(department=best.department)
            return Unit(area=local_unit(area, best.local))
        return Unit(department=self.office) if self.office else Unit(area=county or county_of(area))


def route(category: str, area: Area) -> Unit:
    """The unit that handles a new ticket of ``category`` about ``area``."""
    return RoutingTable.load().route(category, area)
