"""What each department reads of the registry, as data (``department_views.yaml``; ADR 0025).

A department officer sees the members its programmes serve (a named selection, defined in
:mod:`fupin.registry.selections`) and the households they belong to, and of them only the field groups
listed; a department the file does not list sees nothing. The field groups become capabilities
(:data:`fupin.accounts.roles.FIELD_GROUPS`), so pages and the API ask ``user.can(Cap.SEES_HEALTH)`` as
they ask any other permission.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from fupin.accounts.roles import FIELD_GROUPS

VIEWS_FILE = Path(__file__).with_name("department_views.yaml")
# The member selections the registry defines (fupin/registry/selections.py checks it defines exactly these).
SELECTIONS = ("all", "school_age", "health_need", "disabled", "working_age")


@dataclass(frozen=True)
class DepartmentView:
    members: str
    capabilities: frozenset[str]


def parse_views(text: str) -> dict[str, DepartmentView]:
    """The file's views by department code; a ValueError names the department and what is wrong."""
    views: dict[str, DepartmentView] = {}
    for code, entry in (yaml.safe_load(text) or {}).items():
        members, sees = entry.get("members"), entry.get("sees", [])
        if members not in SELECTIONS:
            raise ValueError(f"{code}: unknown member selection {members!r}; one of {', '.join(SELECTIONS)}")
        unknown = sorted(set(sees) - set(FIELD_GROUPS))
        if unknown:
            raise ValueError(f"{code}: unknown field groups {unknown}; any of {', '.join(FIELD_GROUPS)}")
        views[str(code)] = DepartmentView(members, frozenset(FIELD_GROUPS[g] for g in sees))
    return views


@cache
def department_views() -> dict[str, DepartmentView]:
    return parse_views(VIEWS_FILE.read_text(encoding="utf-8"))


def department_view(code: str) -> DepartmentView | None:
    return department_views().get(code)
