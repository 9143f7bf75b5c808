"""Roles and what each may do, in one place.

A role is held in an area (or, for department officers, in an area for a department). The
capability sets below are the whole permission model: views, services and templates ask
``user.can("registry.edit")`` and never test role names.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", _("区级管理员")
    DISTRICT_OFFICER = "district_officer", _("区扶贫办工作人员")
    TOWNSHIP_OFFICER = "township_officer", _("乡镇干部")
    VILLAGE_CADRE = "village_cadre", _("村干部")
    WORK_TEAM = "work_team", _("驻村工作队员")
    DEPARTMENT_OFFICER = "department_officer", _("行业部门工作人员")
    AUDITOR = "auditor", _("审计监督人员")
    # 纪检监察: the only role that sees complaints about cadres' conduct (hotline, issue 9).
    DISCIPLINE_INSPECTOR = "discipline_inspector", _("纪检监察")


class Cap:
    """Capability names (strings, so templates can use them)."""

    REGISTRY_VIEW = "registry.view"
    REGISTRY_EDIT = "registry.edit"
    REGISTRY_FULL_ID = "registry.view_full_id"
    REGISTRY_IMPORT = "registry.import"
    REGISTRY_EXPORT = "registry.export"
    AUDIT_VIEW = "audit.view"
    USERS_MANAGE = "accounts.manage"
    JOBS_VIEW = "jobs.view"
    DEPARTMENT_UPLOAD = "department.upload"
    ASSESSMENT_RUN = "assessment.run"
    POLICY_MANAGE = "policy.manage"
    # Public notices (公示/公告): read them; record an objection for a resident; resolve objections
    # and take notices down.
    NOTICES_VIEW = "notices.view"
    NOTICES_OBJECT = "notices.object"
    NOTICES_MANAGE = "notices.manage"
    # The household workflow (RULES §3), by the level that acts: the village (application, village
    # review and its notice, exit proposal with the household's consent), the township (township
    # review), the county (approval and its announcement, exit approval, return, removal).
    WORKFLOW_VILLAGE = "workflow.village_review"
    WORKFLOW_TOWNSHIP = "workflow.township_review"
    WORKFLOW_COUNTY = "workflow.county_approve"
    # Assigning and replacing a household's helper (帮扶责任人).
    REGISTRY_HELPERS = "registry.helpers"
    # Dispatching resident work teams (驻村工作队) and their members, recalling them: the county and townships.
    WORK_TEAMS_MANAGE = "registry.work_teams"
    # Department cross-checks (部门数据比对): run a county cross-check (and load any department list);
    # work the findings queue of one's area (assign, verify on site, close with a disposition).
    CROSSCHECK_RUN = "crosscheck.run"
    CROSSCHECK_WORK = "crosscheck.work"
    # The action plan: read it; report a unit's progress (its own unit; the district office for any); manage
    # plans, tasks and see every unit's obligations.
    PLAN_VIEW = "plan.view"
    PLAN_REPORT = "plan.report"
    PLAN_MANAGE = "plan.manage"
    # Projects and funds (issue 7): read; propose a project (village, or the county for its own);
    # township review; county decisions (library, approval, re-approval, adjustment, withdrawal);
    # implementation by the responsible unit (start, acceptance); money (allocation, payment,
    # settlement: the county's 报账中心); assets and their income distribution.
    PROJECTS_VIEW = "projects.view"
    PROJECTS_PROPOSE = "projects.propose"
    PROJECTS_TOWNSHIP = "projects.township_review"
    PROJECTS_COUNTY = "projects.county_approve"
    PROJECTS_IMPLEMENT = "projects.implement"
    PROJECTS_FUNDS = "projects.funds"
    PROJECTS_ASSETS = "projects.assets"
    # Return-to-poverty monitoring (RULES §4): the whole-county run; the village's work on a case
    # (入户核实, 帮扶 measures); the decisions (认定 with its notice, 风险消除) by township and county.
    MONITORING_RUN = "monitoring.run"
    MONITORING_WORK = "monitoring.work"
    MONITORING_DECIDE = "monitoring.decide"
    # The hotline (公共服务热线, issue 9): read tickets in scope; enter a ticket for a caller or resident;
    # act on tickets of one's own unit (reply, transfer, call back); run the routing table, deadlines and
    # figures; and, for the discipline inspection role only, see and handle cadre-conduct complaints.
    HOTLINE_VIEW = "hotline.view"
    HOTLINE_INTAKE = "hotline.intake"
    HOTLINE_HANDLE = "hotline.handle"
    HOTLINE_MANAGE = "hotline.manage"
    HOTLINE_CONDUCT = "hotline.conduct"
    # Help measures (issue 6): read the ledger, suggestions and coverage; record measures, decide on
    # suggestions and keep the 爱心超市 points (village and helpers); load a department's beneficiary list.
    MEASURES_VIEW = "measures.view"
    MEASURES_EDIT = "measures.edit"
    MEASURES_DELIVER = "measures.deliver"
    # What of a household and its members a reader sees beyond names, relations, ages and masked ID numbers
    # (least privilege, issue 15): every role reads all of it except department officers, who read what their
    # department's programmes need (fupin/accounts/department_views.yaml).
    SEES_CONTACT = "registry.sees_contact"  # phone numbers
    SEES_SCHOOLING = "registry.sees_schooling"  # education, schooling, home schooling
    SEES_HEALTH = "registry.sees_health"  # health, disability, medical insurance
    SEES_LABOUR = "registry.sees_labour"  # labour ability, migrant work, pension insurance
    SEES_SOCIAL = "registry.sees_social"  # 低保, 特困供养
    SEES_INCOMES = "registry.sees_incomes"  # income lines, per-capita income, assessment and monitoring figures
    SEES_HOUSING = "registry.sees_housing"  # 两不愁三保障 facts: housing, water, food and clothing; causes of poverty


# The field groups a department's data may name, and the capability each grants.
FIELD_GROUPS: dict[str, str] = {
    "contact": Cap.SEES_CONTACT, "schooling": Cap.SEES_SCHOOLING, "health": Cap.SEES_HEALTH,
    "labour": Cap.SEES_LABOUR, "social": Cap.SEES_SOCIAL, "incomes": Cap.SEES_INCOMES, "housing": Cap.SEES_HOUSING,
}
FIELD_CAPS = frozenset(FIELD_GROUPS.values())


_READ = {Cap.REGISTRY_VIEW, Cap.JOBS_VIEW, Cap.NOTICES_VIEW, Cap.PLAN_VIEW, Cap.PROJECTS_VIEW, Cap.HOTLINE_VIEW,
         Cap.MEASURES_VIEW} | FIELD_CAPS
_WORK = _READ | {Cap.REGISTRY_EDIT, Cap.REGISTRY_FULL_ID, Cap.NOTICES_OBJECT, Cap.REGISTRY_HELPERS,
                 Cap.CROSSCHECK_WORK, Cap.MONITORING_WORK, Cap.HOTLINE_INTAKE, Cap.HOTLINE_HANDLE,
                 Cap.MEASURES_EDIT}
_COUNTY = {Cap.WORKFLOW_COUNTY, Cap.NOTICES_MANAGE, Cap.WORK_TEAMS_MANAGE, Cap.PLAN_REPORT, Cap.PLAN_MANAGE,
           Cap.PROJECTS_PROPOSE, Cap.PROJECTS_COUNTY, Cap.PROJECTS_IMPLEMENT, Cap.PROJECTS_FUNDS, Cap.PROJECTS_ASSETS,
           Cap.MONITORING_DECIDE, Cap.MONITORING_RUN, Cap.HOTLINE_MANAGE, Cap.MEASURES_DELIVER}

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.DISTRICT_ADMIN: frozenset(_WORK | _COUNTY | {Cap.REGISTRY_IMPORT, Cap.REGISTRY_EXPORT, Cap.AUDIT_VIEW,
                                                      Cap.USERS_MANAGE, Cap.ASSESSMENT_RUN,
                                                      Cap.POLICY_MANAGE, Cap.CROSSCHECK_RUN}),
    Role.DISTRICT_OFFICER: frozenset(_WORK | _COUNTY | {Cap.REGISTRY_IMPORT, Cap.REGISTRY_EXPORT, Cap.ASSESSMENT_RUN,
                                                        Cap.CROSSCHECK_RUN}),
    # A township officer also manages the accounts of its township (USERS_MANAGE is scoped by area: ADR 0022).
    Role.TOWNSHIP_OFFICER: frozenset(_WORK | {Cap.USERS_MANAGE, Cap.REGISTRY_EXPORT, Cap.WORKFLOW_TOWNSHIP,
                                              Cap.NOTICES_MANAGE,
                                              Cap.WORK_TEAMS_MANAGE, Cap.PLAN_REPORT, Cap.PROJECTS_TOWNSHIP,
                                              Cap.PROJECTS_ASSETS, Cap.MONITORING_DECIDE,
                                              Cap.MEASURES_DELIVER}),
    # The village's 两委 and the resident work team run the village steps (民主评议, 核实, 户认可).
    Role.VILLAGE_CADRE: frozenset(_WORK | {Cap.WORKFLOW_VILLAGE, Cap.PROJECTS_PROPOSE}),
    Role.WORK_TEAM: frozenset(_WORK | {Cap.WORKFLOW_VILLAGE, Cap.PROJECTS_PROPOSE}),
    # A department officer reports on the plan and implements the projects of their own unit (start, acceptance,
    # assets).
    # What of the registry they read beyond names is their department's (``department_views``), not the role's.
    Role.DEPARTMENT_OFFICER: frozenset((_READ - FIELD_CAPS) | {Cap.DEPARTMENT_UPLOAD, Cap.PLAN_REPORT, Cap.PROJECTS_IMPLEMENT,
                                                Cap.PROJECTS_ASSETS, Cap.HOTLINE_HANDLE,
                                                Cap.MEASURES_DELIVER}),
    # Auditors read everything in their scope, including the audit log, and change nothing.
    Role.AUDITOR: frozenset(_READ | {Cap.AUDIT_VIEW, Cap.REGISTRY_EXPORT}),
    # HOTLINE_CONDUCT is held by this role alone (not the district admin, not auditors): see
    # fupin/hotline/selectors.py and its tests.
    Role.DISCIPLINE_INSPECTOR: frozenset({Cap.HOTLINE_VIEW, Cap.HOTLINE_HANDLE, Cap.HOTLINE_CONDUCT}),
}

# The division level at which each role is held.
ROLE_LEVELS: dict[str, tuple[str, ...]] = {
    Role.DISTRICT_ADMIN: ("county",),
    Role.DISTRICT_OFFICER: ("county",),
    Role.TOWNSHIP_OFFICER: ("township",),
    Role.VILLAGE_CADRE: ("village",),
    Role.WORK_TEAM: ("village",),
    Role.DEPARTMENT_OFFICER: ("county", "township"),
    Role.AUDITOR: ("county", "township"),
    Role.DISCIPLINE_INSPECTOR: ("county", "township"),
}

READ_ONLY_ROLES = frozenset({Role.AUDITOR})

# The roles that sign in with a second factor (TOTP) when FUPIN_MFA=required (issue 15, ADR 0023): those that
# act for the whole district or manage users, and auditors. Superusers too (they act as district administrators).
SECOND_FACTOR_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.AUDITOR})
# The order of roles, highest first, for user administration (ADR 0022): nobody grants a role of a tier above
# their own highest one. Auditors, discipline inspectors and department officers sit with the district office:
# a township does not appoint those who audit it or the county's departments.
ROLE_ORDER: tuple[tuple[str, ...], ...] = (
    (Role.DISTRICT_ADMIN,),
    (Role.DISTRICT_OFFICER, Role.AUDITOR, Role.DISCIPLINE_INSPECTOR, Role.DEPARTMENT_OFFICER),
    (Role.TOWNSHIP_OFFICER,),
    (Role.VILLAGE_CADRE, Role.WORK_TEAM),
)
ROLE_RANK: dict[str, int] = {role: len(ROLE_ORDER) - tier for tier, roles in enumerate(ROLE_ORDER) for role in roles}

# Capabilities that name the step a level or a unit takes in a procedure (the village review, the township
# review, the county approval, a project's proposal and implementation, a department's own list), not what one
# may see or change. A manager grants a role only if they hold every capability of it outside this set: a
# township administrator appoints village cadres, whose village review it does not take itself.
DUTY_CAPABILITIES: frozenset[str] = frozenset({
    Cap.WORKFLOW_VILLAGE, Cap.WORKFLOW_TOWNSHIP, Cap.WORKFLOW_COUNTY, Cap.PROJECTS_PROPOSE, Cap.PROJECTS_TOWNSHIP,
    Cap.PROJECTS_COUNTY, Cap.PROJECTS_IMPLEMENT, Cap.DEPARTMENT_UPLOAD,
})


def guarded_capabilities(role: str) -> frozenset[str]:
    """The capabilities of ``role`` that its granter must hold (all but the duties)."""
    return CAPABILITIES[role] - DUTY_CAPABILITIES
