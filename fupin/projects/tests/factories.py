"""Test helpers: a project proposed in a village and moved along the sequence with past dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from fupin.accounts.models import Department
from fupin.areas.models import Area
from fupin.projects.models import Project, ProjectStep
from fupin.projects.services import ProjectInput, StepInput, project_propose, project_step
from fupin.registry.models import Household


def days_ago(n: int) -> datetime:
    return timezone.now() - timedelta(days=n)


def unit(area: Area, code: str = "agri") -> Department:
    return Department.objects.get_or_create(code=code, defaults={"name": "区农业农村局", "area": area})[0]


def project_input(area: Area, department: Department, **overrides: Any) -> ProjectInput:
    values: dict[str, Any] = {
        "year": 2020, "name": "甲村光伏扶贫电站", "category": "industry", "nature": "new", "area": area,
        "department": department, "planned_start": date.today() - timedelta(days=30),
        "planned_end": date.today() + timedelta(days=120), "tasks": "建设 100 千瓦村级光伏电站",
        "benefit_mechanism": "收益用于公益岗位和贫困户分红", "performance_targets": "年发电收益不低于 8 万元",
        "budget": {"central": "300000", "district": "100000"},
    }
    values.update(overrides)
    return ProjectInput(**values)


def proposed(area: Area, department: Department, *, ago: int = 80, households: list[Household] | None = None,
             **overrides: Any) -> Project:
    return project_propose(project_input(area, department, **overrides), actor=None, households=households or [],
                           when=days_ago(ago))


# (action, days ago, data) that bring a project proposed 80 days ago to each status.
PATH: list[tuple[str, int, StepInput | None]] = [
    ("township_review", 69, None),
    ("county_approve", 58, None),
    ("approve", 57, None),
    ("start", 46, None),
]


def advance(project: Project, until: str, *, actor: Any = None, shift: int = 0) -> Project:
    """Move a project proposed 80 (+ ``shift``) days ago to ``until`` (a status), the system acting;
    each step ``shift`` days earlier than the default path."""
    targets = {"township_review": "township_reviewed", "county_approve": "planned", "approve": "approved",
               "start": "started"}
    for action, ago, data in PATH:
        if project.status == until:
            break
        project_step(project, action, actor=actor, data=data, when=days_ago(ago + shift))
        assert project.status == targets[action]
    if until in ("accepted", "settled"):
        pay(project, "200000.00", ago=40)
        project_step(project, "accept", actor=actor, when=days_ago(30))
    if until == "settled":
        project_step(project, "settle", actor=actor, when=days_ago(20))
    assert project.status == until
    return project


def pay(project: Project, amount: str, *, ago: int = 10, payee: str = "contractor", source: str = "central",
        actor: Any = None, household: Household | None = None) -> ProjectStep:
    return project_step(project, "pay", actor=actor, when=days_ago(ago),
                        data=StepInput(amount=amount, source=source, payee=payee, payee_name="漯河建工",
                                       household=household))


def allocate(project: Project, amount: str, *, ago: int, source: str = "central", actor: Any = None) -> ProjectStep:
    return project_step(project, "allocate", actor=actor, when=days_ago(ago),
                        data=StepInput(amount=amount, source=source))
