"""Which field group each registry field belongs to (least privilege, issue 15; ADR 0025).

A reader sees a household's number, village, attribute and state, and its members' names, relations, ages and
masked ID numbers; every other field belongs to one of the field groups of :data:`fupin.accounts.roles.FIELD_GROUPS`,
and is shown only to a reader holding that group's capability (a department officer: the groups its department's
entry in ``fupin/accounts/department_views.yaml`` lists). This is the one table of which field is in which group;
the household file's sections gate the same fields by the same groups.
"""

from __future__ import annotations

from fupin.accounts.access import can
from fupin.accounts.roles import FIELD_GROUPS
from fupin.core.actors import Viewer
from fupin.registry.models import IncomeRecord

FIELD_GROUP_OF: dict[str, str] = {
    # the household's facts: 两不愁三保障 and the causes of poverty; its phone
    **dict.fromkeys(("main_cause", "other_causes", "food_secure", "clothing_secure", "housing_grade",
                     "housing_renovated", "relocated", "safe_water"), "housing"),
    "phone": "contact",
    # a member's facts
    **dict.fromkeys(("education", "schooling", "home_schooling"), "schooling"),
    **dict.fromkeys(("health", "disability_level", "medical_insurance", "serious_illness_insurance"), "health"),
    **dict.fromkeys(("labour", "work_location", "work_months", "pension_insurance"), "labour"),
    **dict.fromkeys(("dibao", "extreme_poverty_support"), "social"),
    # the income lines, every amount
    **dict.fromkeys(IncomeRecord.AMOUNT_FIELDS, "incomes"),
}
"""Field name (of Household, Member or IncomeRecord: no name is in two of them) -> field group."""


def hidden_fields(viewer: Viewer | None) -> frozenset[str]:
    """The fields of groups ``viewer`` may not read."""
    unseen = {group for group, capability in FIELD_GROUPS.items() if not can(viewer, capability)}
    return frozenset(f for f, group in FIELD_GROUP_OF.items() if group in unseen)
