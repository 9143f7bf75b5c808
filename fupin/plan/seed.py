"""Load a plan from its data file (the district's plan ships in ``seed/``): units, measures with their lead
and cooperating units, and the plan's own tasks. Idempotent: plans, measures and tasks are matched by code,
each measure's units are replaced by the file's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from fupin.accounts.models import Department
from fupin.areas.models import Area
from fupin.core.errors import BadInput
from fupin.plan.models import Indicator, Measure, MeasureUnit, Plan, Task, Unit

SEED_DIR = Path(__file__).resolve().parent / "seed"
DISTRICT_PLAN = SEED_DIR / "yancheng-2018-2020.yaml"
UNKNOWN_UNIT = "规划数据中的责任单位“{name}”未定义 / the plan names an undefined unit “{name}” ({where})"


@dataclass(frozen=True)
class SeedResult:
    plan: Plan
    measures: int
    tasks: int
    units_created: int


def units_sync(county: Area) -> int:
    """One unit per department and per current township of ``county``; returns how many were created."""
    created = 0
    for department in Department.objects.filter(plan_unit__isnull=True):
        Unit.objects.create(code=department.code, name=department.name, kind=Unit.Kind.DEPARTMENT,
                            department=department, area=department.area)
        created += 1
    for department in Department.objects.select_related("plan_unit"):
        if department.plan_unit.name != department.name:
            Unit.objects.filter(pk=department.plan_unit.pk).update(name=department.name)
    townships = Area.objects.filter(parent=county, level=Area.Level.TOWNSHIP, valid_to__isnull=True)
    for township in townships:
        _, was_created = Unit.objects.update_or_create(
            code=f"township-{township.code}",
            defaults={"name": township.name, "kind": Unit.Kind.TOWNSHIP, "area": township})
        created += was_created
    return created


@transaction.atomic
def plan_seed(county: Area, path: Path = DISTRICT_PLAN) -> SeedResult:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    for named in data.get("units", []):
        Department.objects.get_or_create(code=named["code"], defaults={"name": named["name"], "area": county})
    created = units_sync(county)
    for group in data.get("groups", []):
        _, was_created = Unit.objects.update_or_create(code=group["code"], defaults={
            "name": group["name"], "kind": Unit.Kind.GROUP, "area": county,
            "expands": "" if group.get("expands") in (None, "none") else group["expands"]})
        created += was_created
    by_name = {u.name: u for u in Unit.objects.exclude(kind=Unit.Kind.TOWNSHIP)}
    head = data["plan"]
    plan, _ = Plan.objects.update_or_create(code=head["code"], defaults={
        "title": head["title"], "issuer": head.get("issuer", ""), "issued_on": head.get("issued_on"),
        "starts_year": head["starts_year"], "ends_year": head["ends_year"], "source": head.get("source", "")})
    counter = {"order": 0, "tasks": 0, "measures": 0}

    def unit(name: str, where: str) -> Unit:
        if name not in by_name:
            raise BadInput(UNKNOWN_UNIT.format(name=name, where=where), code="PLAN_UNKNOWN_UNIT")
        return by_name[name]

    def load(item: dict[str, Any], parent: Measure | None) -> None:
        counter["order"] += 1
        counter["measures"] += 1
        measure, _ = Measure.objects.update_or_create(plan=plan, code=str(item["code"]), defaults={
            "parent": parent, "label": item.get("label", ""), "title": item["title"], "order": counter["order"]})
        MeasureUnit.objects.filter(measure=measure).delete()
        leads = [unit(n, item["code"]) for n in item.get("lead", [])]
        for role, names in ((MeasureUnit.Role.LEAD, item.get("lead", [])),
                            (MeasureUnit.Role.COOPERATING, item.get("cooperating", []))):
            MeasureUnit.objects.bulk_create(
                MeasureUnit(measure=measure, unit=unit(n, item["code"]), role=role, order=i)
                for i, n in enumerate(names))
        for i, task in enumerate(item.get("tasks", []), start=1):
            lead = unit(task["lead"], item["code"]) if task.get("lead") else leads[0]
            deadline: date = task["deadline"]
            years = range(deadline.year, plan.ends_year + 1) if task.get("recurring") == "yearly" else [None]
            for year in years:
                code = f"{measure.code}-{i}" + (f"-{year}" if year else "")
                Task.objects.update_or_create(plan=plan, code=code, defaults={
                    "measure": measure, "title": task["title"], "year": year, "lead": lead,
                    "deadline": deadline.replace(year=year) if year else deadline, "source": Task.Source.PLAN})
                counter["tasks"] += 1
        for child in item.get("children", []):
            load(child, measure)

    for item in data["measures"]:
        load(item, None)
    for kind, indicators in (data.get("review") or {}).get("indicators", {}).items():
        for order, indicator in enumerate(indicators):
            Indicator.objects.update_or_create(plan=plan, unit_kind=kind, code=indicator["code"], defaults={
                "name": indicator["name"], "weight": indicator["weight"], "computed": bool(indicator.get("computed")),
                "order": order})
    return SeedResult(plan, counter["measures"], counter["tasks"], created)
