"""Load a plan from its data file (the district's plan ships in ``seed/``): units, measures with their lead
and cooperating units, and the plan's own tasks. Idempotent: plans, measures and tasks are matched by code,
each measure's units are replaced by the file's.

The district office may edit a plan in the UI (:mod:`fupin.plan.editing`), the seeded plan too. The file
creates what is missing and keeps in line with itself what nobody touched; a plan head, measure or task
changed in the UI (``edited_at`` set) is the office's from then on, and loading the file again leaves it as
it is. Measures and tasks added in the UI have codes the file does not know and are never touched; other plans
are never touched at all (ADR 0014)."""

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
from fupin.plan.editing import measures_renumber
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
    plan = Plan.objects.filter(code=head["code"]).first()
    head_fields = {"title": head["title"], "issuer": head.get("issuer", ""), "issued_on": head.get("issued_on"),
                   "starts_year": head["starts_year"], "ends_year": head["ends_year"], "source": head.get("source", "")}
    if plan is None:
        plan = Plan.objects.create(code=head["code"], **head_fields)
    elif plan.edited_at is None:
        Plan.objects.filter(pk=plan.pk).update(**head_fields)
        plan.refresh_from_db()
    counter = {"order": 0, "tasks": 0, "measures": 0}

    def unit(name: str, where: str) -> Unit:
        if name not in by_name:
            raise BadInput(UNKNOWN_UNIT.format(name=name, where=where), code="PLAN_UNKNOWN_UNIT")
        return by_name[name]

    def load(item: dict[str, Any], parent: Measure | None) -> None:
        counter["order"] += 1
        counter["measures"] += 1
        fields = {"parent": parent, "label": item.get("label", ""), "title": item["title"],
                  "text": item.get("text", "")}
        measure = Measure.objects.filter(plan=plan, code=str(item["code"])).first()
        leads = [unit(n, item["code"]) for n in item.get("lead", [])]
        if measure is None:  # a new measure takes its place in the file's order; an existing one keeps its own
            measure = Measure.objects.create(plan=plan, code=str(item["code"]), order=counter["order"],
                                             source=Measure.Source.PLAN, **fields)
        elif measure.edited_at is None:
            Measure.objects.filter(pk=measure.pk).update(**fields)
        if measure.edited_at is None:
            MeasureUnit.objects.filter(measure=measure).delete()
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
                values = {"measure": measure, "title": task["title"], "year": year, "lead": lead,
                          "target": task.get("target", ""),
                          "deadline": deadline.replace(year=year) if year else deadline, "source": Task.Source.PLAN}
                existing = Task.objects.filter(plan=plan, code=code).first()
                if existing is None:
                    Task.objects.create(plan=plan, code=code, **values)
                elif existing.edited_at is None:
                    Task.objects.filter(pk=existing.pk).update(**values)
                counter["tasks"] += 1
        for child in item.get("children", []):
            load(child, measure)

    for item in data["measures"]:
        load(item, None)
    measures_renumber(plan)  # measures added in the UI and new ones from the file: one reading order again
    for kind, indicators in (data.get("review") or {}).get("indicators", {}).items():
        for order, indicator in enumerate(indicators):
            Indicator.objects.update_or_create(plan=plan, unit_kind=kind, code=indicator["code"], defaults={
                "name": indicator["name"], "weight": indicator["weight"], "computed": bool(indicator.get("computed")),
                "order": order})
    return SeedResult(plan, counter["measures"], counter["tasks"], created)
