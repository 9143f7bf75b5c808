"""The cross-village access walk: every route of the project, classified, walked as cadre_a1.

``ROUTES`` classifies each URL pattern the resolver knows (pages, the JSON API under /api/v1/ and
the Django admin). A route missing from the table fails ``test_it_classifies_every_route``, so a
new route cannot ship without saying how it is scoped. The kinds:

- OBJECT: the URL names one scoped object. cadre_a1 (村干部, village a1) gets, for an object of
  village a2 (same township) or b1 (other township), exactly the 404 a non-existent pk gets, for
  every HTTP method, and nothing changes; for a1's own object the request works.
- LIST / SUMMARY: the answer holds a1's data and nothing of a2 or b1, whatever the filters say.
  A write the village may not do (resolving an objection, a county step) names the persona that
  may (``actor``), in scope of a1's object; cadre_a1 still gets the 404 for other villages' objects.
- CAPABILITY: cadre_a1 lacks the capability and gets 403 (or, in the admin, the admin login).
- PERSONAL / PUBLIC: no village data at all (login, logout, profile, language, API docs).

Static files are served by WhiteNoise before the URLconf (no route, no village data).
The Django admin is for superusers (is_staff) only: no registry, area or account model is
registered in it (``ADMIN_MODELS`` lists what is), and every admin URL sends a signed-in
non-staff user to the admin login.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from fupin.accounts.models import ApiToken
from fupin.accounts.services import api_token_create
from fupin.areas.models import Area
from fupin.assessment.models import HouseholdAssessment, PolicyVersion
from fupin.assessment.services import assess_county, policy_seed_defaults, work_year
from fupin.config.api import api
from fupin.core.models import AuditEntry, JobRun
from fupin.core.testing import ModuleDB, build_areas, build_households, build_personas
from fupin.crosscheck.models import CrosscheckRun, Finding, ListLoad
from fupin.hotline.models import Ticket, TicketAttachment, TicketStep
from fupin.hotline.services import ticket_create
from fupin.inbox.models import Message
from fupin.measures.models import (
    Award,
    CreditRating,
    Loan,
    LoanInstalment,
    LoanRepayment,
    Measure,
    PointAccount,
    PointEntry,
    SuggestionDecision,
)
from fupin.monitoring.models import CaseMeasure, CaseStep, MonitoringCase, MonitoringResult, MonitoringRun
from fupin.notices.models import Notice, Objection
from fupin.notices.services import notice_publish, objection_raise
from fupin.plan.models import Accountability, Inspection, MeasureUnit, Plan, ProgressReport, ReportAttachment, Unit
from fupin.plan.models import Finding as PlanFinding
from fupin.plan.models import Measure as PlanMeasure
from fupin.plan.models import Task as PlanTask
from fupin.plan.review import review_create
from fupin.plan.seed import plan_seed
from fupin.plan.services import FindingInput, finding_rectify, inspection_record, report_submit
from fupin.projects.models import (
    Asset,
    AssetPayout,
    Beneficiary,
    Project,
    ProjectAttachment,
    ProjectStep,
    PublicSubmission,
)
from fupin.registry.editing import income_years
from fupin.registry.helper_services import work_team_create, work_team_member_add
from fupin.registry.models import (
    Change,
    HelperAssignment,
    Household,
    IncomeRecord,
    Member,
    ProposedChange,
    WorkTeam,
    WorkTeamMember,
)
from fupin.registry.proposals import proposal_create
from fupin.workflow.models import HouseholdTransition, TransitionAttachment

OBJECT, LIST, SUMMARY, CAPABILITY, PERSONAL, PUBLIC, ADMIN = (
    "object", "list", "summary", "capability", "personal", "public", "admin")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MISSING_PK = 987654321
OWN_MARKERS = {"household": "H-A1-0001", "member": "H-A1-0001", "area": "411103101201", "job": "任务-A1",
               "notice": "公示-A1",
               "attachment": "EVIDENCE-A1", "import_job": "导入-A1", "export_job": "导出-A1", "finding": "疑点-A1",
               "load_job": "名单-A1", "delivery_job": "措施表-A1", "work_team": "书记-A1", "plan_unit": "孟庙镇",
               "plan_report": "报告-A",
               "plan_attachment": "PLAN-EVIDENCE-A", "plan_inspection": "督查-A",
               "project": "项目-A1", "asset": "资产-A1", "project_doc": "PROJECTDOC-A1", "project_objection": "项目-A1",
               "case": "H-A1-0001", "measure": "措施-A1", "message": "消息-A1", "help_measure": "措施-A1",
               "ticket": "诉求-A1", "ticket_attachment": "HOTLINE-A1", "loan": "贷款-A1"}
PAYMENT = {"amount": "100", "source": "central", "payee": "contractor", "payee_name": "施工单位"}
PROPOSAL = {"year": 2026, "name": "新项目", "category": "industry", "nature": "new", "department_code": "education",
            "planned_start": "2026-03-01", "planned_end": "2026-09-30", "tasks": "建设内容", "benefit_mechanism": "分红",
            "performance_targets": "带动增收", "budget_central": "1000"}
REPLY = {"outcome": "dismissed", "resolution": "经核实不属实"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TODAY = timezone.localdate()
LOAN_DAY = TODAY - timedelta(days=30)  # each village's 12-month loan (贷款-A1 …): not yet due, so it may be extended


@dataclass(frozen=True)
class Route:
    kind: str
    method: str = "GET"
    status: int = 200  # the answer to a permitted request (own object, capable persona, the page itself)
    target: str = ""  # OBJECT: what the pk names
    shows: tuple[str, ...] = ()  # LIST: what cadre_a1 must see
    allowed: str = ""  # CAPABILITY: a persona that holds the capability
    path: str = ""  # a concrete path, for regex patterns; "{pk}" in it is the object's pk
    note: str = ""
    data: Any = None  # the body (or query) of every request to the route; a function of the pk asked for builds it
    json: bool = False  # send ``data`` as JSON rather than as a form
    actor: str = "cadre_a1"  # OBJECT: the persona whose permitted request the own-object test makes
    divisions: bool = False  # PUBLIC: the page lists the division tree (public names and codes), nothing else
    reads: str = ""  # a GET that shows people: the model whose rows it shows, each read an audit entry


# The registry's edits (ADR 0026) carry the household's version as read now: the body is built for the pk asked for
# (a household's, or a member's), so the own-object write is on the current version.
WALK_MEMBER_ID = "411103196606067779"  # 1966-06-06, a valid check character; no world member has it
WALK_HEAD_ID = "411103196707078880"  # an applicant's head
AMOUNTS = {"wage_income": "9000", "business_income": "0", "property_income": "0", "transfer_income": "600",
           "business_expense": "0"}


def _version(households: Any) -> int:
    return households.values_list("version", flat=True).first() or 1


def household_edit(**fields: Any) -> Any:
    return lambda pk: {"version": _version(Household.objects.filter(pk=pk)), **fields}


def income_edit() -> Any:
    """The income line of the work year (the world publishes its policies: the year is theirs, not the calendar's)."""
    return lambda pk: {"version": _version(Household.objects.filter(pk=pk)), "year": income_years()[0], **AMOUNTS}


def member_edit(**fields: Any) -> Any:
    return lambda pk: {"version": _version(Household.objects.filter(members__pk=pk)), **fields}


def head_edit() -> Any:
    def body(pk: int) -> dict[str, Any]:
        other = Member.objects.filter(household_id=pk).exclude(relation="head").values_list("pk", flat=True).first()
        return {"version": _version(Household.objects.filter(pk=pk)), "new_head": other or MISSING_PK,
                "old_head_relation": "father"}
    return body


PAGES: dict[str, Route] = {
    "": Route(SUMMARY, note="首页：本辖区统计数"),
    "accounts/login/": Route(PERSONAL, status=302, note="已登录者被转回首页"),
    "accounts/logout/": Route(PERSONAL, "POST", 302),
    "accounts/me/": Route(PERSONAL, note="本人的角色与令牌"),
    "accounts/me/tokens/": Route(PERSONAL, "POST", 302, note="为本人创建令牌"),
    "accounts/me/tokens/<int:pk>/revoke/": Route(OBJECT, "POST", 302, target="token"),
    # The second factor: one's own (cadre_a1 has none and need not: nothing to verify, enrolment offered).
    "accounts/second-factor/": Route(PERSONAL, status=302, note="无须验证者被转回首页"),
    "accounts/second-factor/enrol/": Route(PERSONAL, note="本人设置验证器：二维码与密钥"),
    "accounts/second-factor/recovery-codes/": Route(PERSONAL, status=302, note="恢复码只显示一次（会话中无则转回）"),
    "accounts/second-factor/recovery-codes/new/": Route(PERSONAL, "POST", 302, note="未设置者：提示后转回"),
    "accounts/users/<int:pk>/second-factor/reset/": Route(CAPABILITY, "POST", 404, allowed="admin",
                                                          path=f"/accounts/users/{MISSING_PK}/second-factor/reset/",
                                                          note="管理员重置他人的第二重验证"),
    "accounts/me/password/": Route(PERSONAL, note="修改本人密码"),
    "accounts/me/sessions/<int:pk>/revoke/": Route(PERSONAL, "POST", 404, path=f"/accounts/me/sessions/{MISSING_PK}/revoke/",
                                                   note="结束本人的会话；他人的会话与不存在的一样 404"),
    "accounts/users/": Route(CAPABILITY, allowed="admin", note="用户管理：本人管理范围内的账号"),
    "accounts/users/new/": Route(CAPABILITY, allowed="admin"),
    "accounts/users/import/": Route(CAPABILITY, allowed="admin", note="导入用户花名册"),
    "accounts/users/import/template/": Route(CAPABILITY, allowed="admin", note="空白花名册"),
    "accounts/users/import/<int:pk>/": Route(CAPABILITY, allowed="admin", status=404,
                                             path=f"/accounts/users/import/{MISSING_PK}/", note="本人发起的导入"),
    "accounts/users/import/<int:pk>/report/": Route(CAPABILITY, allowed="admin", status=404,
                                                    path=f"/accounts/users/import/{MISSING_PK}/report/"),
    "accounts/users/import/<int:pk>/passwords/": Route(CAPABILITY, allowed="admin", status=404,
                                                       path=f"/accounts/users/import/{MISSING_PK}/passwords/"),
    "accounts/users/<int:pk>/": Route(CAPABILITY, allowed="admin", status=404, path=f"/accounts/users/{MISSING_PK}/",
                                      note="管理范围外的账号与不存在的一样 404"),
    "accounts/users/<int:pk>/edit/": Route(CAPABILITY, "POST", 404, allowed="admin",
                                           path=f"/accounts/users/{MISSING_PK}/edit/"),
    "accounts/users/<int:pk>/deactivate/": Route(CAPABILITY, "POST", 404, allowed="admin",
                                                 path=f"/accounts/users/{MISSING_PK}/deactivate/"),
    "accounts/users/<int:pk>/reactivate/": Route(CAPABILITY, "POST", 404, allowed="admin",
                                                 path=f"/accounts/users/{MISSING_PK}/reactivate/"),
    "accounts/users/<int:pk>/password/": Route(CAPABILITY, "POST", 404, allowed="admin",
                                               path=f"/accounts/users/{MISSING_PK}/password/"),
    "accounts/users/<int:pk>/assignments/": Route(CAPABILITY, "POST", 404, allowed="admin",
                                                  path=f"/accounts/users/{MISSING_PK}/assignments/"),
    "accounts/users/<int:pk>/assignments/<int:assignment>/end/": Route(
        CAPABILITY, "POST", 404, allowed="admin", path=f"/accounts/users/{MISSING_PK}/assignments/{MISSING_PK}/end/"),
    "areas/": Route(LIST, shows=("甲村民委员会",)),
    "registry/households/": Route(LIST, shows=("H-A1-0001",), reads="registry.household"),
    "registry/households/<int:pk>/": Route(OBJECT, target="household", note="一户一档", reads="registry.household"),
    "registry/households/<int:pk>/pdf/": Route(OBJECT, target="household", note="一户一档 PDF"),
    "registry/households/<int:pk>/history/": Route(OBJECT, target="household", note="变更记录",
                                                   reads="registry.household"),
    "registry/households/export/": Route(CAPABILITY, "POST", allowed="township_a", note="导出本辖区（按筛选）"),
    "registry/export/<int:pk>/": Route(OBJECT, target="export_job", note="本人发起的大批量导出"),
    "registry/export/<int:pk>/file/": Route(OBJECT, target="export_job", note="导出文件（xlsx，读出单元格比对）"),
    "registry/template/": Route(PUBLIC, note="空白导入模板，不含数据"),
    "registry/import/": Route(CAPABILITY, allowed="officer"),
    "registry/import/<int:pk>/": Route(OBJECT, target="import_job", note="发起人或同辖区有导入权限者"),
    "registry/import/<int:pk>/report/": Route(OBJECT, target="import_job", note="问题报告（xlsx）"),
    "registry/households/<int:pk>/helpers/": Route(OBJECT, "POST", 302, target="household", data={"name": "帮扶人"}),
    "registry/proposals/<int:pk>/apply/": Route(OBJECT, "POST", 302, target="proposal", data={"version": 1},
                                                note="应用本户的变更建议"),
    "registry/proposals/<int:pk>/dismiss/": Route(OBJECT, "POST", 302, target="proposal", data={"reason": "不属实"}),
    # Edits of the registry: the cadre's own household changes; other villages' are 404, as missing ones.
    "registry/households/new/": Route(LIST, shows=("甲村民委员会",), note="新增申请户：本辖区的村"),
    "registry/households/<int:pk>/edit/": Route(OBJECT, "POST", 302, target="household", reads="registry.household",
                                                data=household_edit(safe_water="true")),
    "registry/households/<int:pk>/members/new/": Route(
        OBJECT, "POST", 302, target="household", reads="registry.household",
        data=household_edit(event="moved_in", id_number=WALK_MEMBER_ID, name="新成员", relation="other")),
    "registry/households/<int:pk>/head/": Route(OBJECT, "POST", 302, target="household", reads="registry.household",
                                                data=head_edit()),
    "registry/households/<int:pk>/incomes/": Route(OBJECT, "POST", 302, target="household", reads="registry.household",
                                                   data=income_edit()),
    "registry/members/<int:pk>/edit/": Route(OBJECT, "POST", 302, target="member", reads="registry.member",
                                             data=member_edit(dibao="true")),
    "registry/members/<int:pk>/remove/": Route(OBJECT, "POST", 302, target="member", reads="registry.member",
                                               data=member_edit(removal_reason="moved_out")),
    "registry/work-teams/": Route(LIST, shows=("派驻单位-A1",)),
    "registry/work-teams/new/": Route(CAPABILITY, allowed="township_a", note="派驻工作队（县、乡镇）"),
    "registry/work-teams/<int:pk>/": Route(OBJECT, target="work_team"),
    "registry/work-teams/<int:pk>/members/": Route(OBJECT, "POST", 302, target="work_team", actor="township_a",
                                                   data={"name": "新队员", "role": "member"}),
    "registry/work-teams/<int:pk>/end/": Route(OBJECT, "POST", 302, target="work_team", actor="township_a",
                                               data={"note": "撤回"}),
    "registry/work-teams/members/<int:pk>/end/": Route(OBJECT, "POST", 302, target="work_team_member",
                                                       actor="township_a"),
    "plan/": Route(LIST, note="规划、举措与责任单位：不含村级数据"),
    "plan/units/": Route(LIST, note="辖区内责任单位的报送情况（村干部：无）"),
    "plan/units/<int:pk>/": Route(OBJECT, target="plan_unit", actor="township_a", note="乡镇的单位页"),
    "plan/units/<int:pk>/reports/new/": Route(OBJECT, target="plan_unit", actor="township_a",
                                              note="报送表单；报送见 fupin/plan/tests"),
    "plan/reports/<int:pk>/": Route(OBJECT, target="plan_report", actor="township_a"),
    "plan/attachments/<int:pk>/": Route(OBJECT, target="plan_attachment", actor="township_a"),
    "plan/inspections/": Route(LIST, note="督查巡查与逾期问题（辖区内）"),
    "plan/reviews/": Route(LIST, note="年度考核列表"),
    "plan/agreements/": Route(LIST, note="责任书：辖区内的单位"),
    "plan/agreements/sign/": Route(CAPABILITY, "POST", 302, allowed="officer"),
    "plan/meetings/": Route(LIST, note="会议日历与记录：不含村级数据"),
    "plan/meetings/new/": Route(CAPABILITY, "POST", 302, allowed="officer"),
    "plan/surveys/": Route(LIST, note="满意度调查：辖区内的单位"),
    "plan/surveys/new/": Route(CAPABILITY, "POST", 302, allowed="officer"),
    "plan/reviews/new/": Route(CAPABILITY, "POST", 302, allowed="officer"),
    "plan/reviews/<int:year>/": Route(LIST, path="/plan/reviews/2018/", note="考核结果：辖区内的单位"),
    "plan/reviews/<int:year>/compute/": Route(CAPABILITY, "POST", 302, allowed="officer",
                                              path="/plan/reviews/2018/compute/"),
    "plan/reviews/<int:year>/scores/": Route(CAPABILITY, "POST", 302, allowed="officer",
                                             path="/plan/reviews/2018/scores/"),
    "plan/reviews/<int:year>/finalise/": Route(CAPABILITY, "POST", 302, allowed="officer",
                                               path="/plan/reviews/2018/finalise/"),
    "plan/reviews/<int:year>/export/": Route(CAPABILITY, allowed="officer", path="/plan/reviews/2018/export/"),
    "plan/inspections/new/": Route(CAPABILITY, allowed="officer"),
    "plan/plans/": Route(LIST, note="全部规划：不含村级数据"),
    "plan/plans/new/": Route(CAPABILITY, allowed="officer", note="区扶贫办建立规划"),
    "plan/plans/<slug:code>/": Route(CAPABILITY, allowed="officer", path="/plan/plans/walk/",
                                     note="规划信息、举措与任务的编辑页"),
    "plan/plans/<slug:code>/measures/new/": Route(CAPABILITY, allowed="officer", path="/plan/plans/walk/measures/new/"),
    "plan/plans/<slug:code>/measures/<str:measure>/": Route(CAPABILITY, allowed="officer",
                                                            path="/plan/plans/walk/measures/1/"),
    "plan/plans/<slug:code>/measures/<str:measure>/move/": Route(CAPABILITY, "POST", 302, allowed="officer",
                                                                 path="/plan/plans/walk/measures/1/move/"),
    "plan/plans/<slug:code>/measures/<str:measure>/delete/": Route(CAPABILITY, "POST", 302, allowed="officer",
                                                                   path="/plan/plans/walk/measures/1/delete/"),
    "plan/plans/<slug:code>/tasks/new/": Route(CAPABILITY, allowed="officer", path="/plan/plans/walk/tasks/new/"),
    "plan/plans/<slug:code>/tasks/<str:task>/": Route(CAPABILITY, allowed="officer", path="/plan/plans/walk/tasks/1-1/"),
    "plan/plans/<slug:code>/tasks/<str:task>/retire/": Route(CAPABILITY, "POST", 302, allowed="officer",
                                                             path="/plan/plans/walk/tasks/1-1/retire/"),
    "plan/plans/<slug:code>/tasks/<str:task>/delete/": Route(CAPABILITY, "POST", 302, allowed="officer",
                                                             path="/plan/plans/walk/tasks/1-1/delete/"),
    "plan/inspections/<int:pk>/": Route(OBJECT, target="plan_inspection", actor="township_a"),
    "plan/findings/<int:pk>/rectify/": Route(OBJECT, "POST", 302, target="plan_finding", actor="township_a",
                                             data={"rectification": "已整改"}),
    "plan/findings/<int:pk>/verify/": Route(OBJECT, "POST", 302, target="plan_finding_rectified", actor="officer",
                                            data={"accept": "1", "note": "属实"}),
    "plan/findings/<int:pk>/accountability/": Route(OBJECT, "POST", 302, target="plan_finding", actor="officer",
                                                    data={"kind": "talk", "year": 2018, "reason": "逾期未整改"}),
    "notices/": Route(LIST, shows=("公示-A1",), note="今天张贴中的公示"),
    "notices/<int:pk>/": Route(OBJECT, target="notice"),
    "notices/<int:pk>/objections/": Route(OBJECT, "POST", 302, target="notice", data={"text": "新异议"}),
    "notices/<int:pk>/close/": Route(OBJECT, "POST", 302, target="notice", actor="township_a"),
    "notices/objections/<int:pk>/resolve/": Route(OBJECT, "POST", 302, target="objection", actor="township_a",
                                                  data={"outcome": "dismissed", "resolution": "经核实不属实"}),
    "workflow/households/<int:pk>/<slug:action>/": Route(
        OBJECT, "POST", 302, target="household", path="/workflow/households/{pk}/remove/", actor="officer",
        data={"reason": "NATURAL", "note": "自然减少"}, note="县级剔除；其他操作见 fupin/workflow/tests"),
    "workflow/attachments/<int:pk>/": Route(OBJECT, target="attachment"),
    "system/audit/": Route(CAPABILITY, allowed="auditor"),
    "system/audit/verify/": Route(CAPABILITY, "POST", 302, allowed="auditor"),
    "system/jobs/": Route(LIST, shows=("任务-A1",), note="本人发起的任务"),
    "system/jobs/<int:pk>/": Route(OBJECT, target="job"),
    "system/jobs/<int:pk>/retry/": Route(OBJECT, "POST", 302, target="job"),
    "i18n/setlang/": Route(PUBLIC, "POST", 302),
    # Department cross-checks (fupin.crosscheck): findings are scoped by their village.
    "crosscheck/": Route(LIST, note="本辖区待办疑点数与名单导入情况"),
    "crosscheck/findings/": Route(LIST, shows=("疑点-A1",), reads="crosscheck.finding"),
    "crosscheck/findings/<int:pk>/": Route(OBJECT, target="finding", reads="crosscheck.finding"),
    "crosscheck/findings/<int:pk>/assign/": Route(OBJECT, "POST", 302, target="finding", data={"assignee": ""}),
    "crosscheck/findings/<int:pk>/verify/": Route(OBJECT, "POST", 302, target="finding", data={"note": "入户核实"}),
    "crosscheck/findings/<int:pk>/close/": Route(OBJECT, "POST", 302, target="verified_finding",
                                                 data={"disposition": "confirmed", "note": "已整改"}),
    "crosscheck/run/": Route(CAPABILITY, "POST", 302, allowed="officer"),
    "crosscheck/upload/": Route(CAPABILITY, allowed="department", note="部门工作人员导入本部门名单"),
    "crosscheck/upload/<int:pk>/": Route(OBJECT, target="load_job", note="发起人或区级比对人员"),
    "crosscheck/upload/<int:pk>/report/": Route(OBJECT, target="load_job", note="名单问题报告（xlsx）"),
    "crosscheck/trends/": Route(LIST, shows=("孟庙镇",), note="本辖区各乡镇各月疑点办理"),
    "assessment/": Route(LIST, shows=("甲村民委员会",), note="本辖区分村评估结果"),
    "assessment/results/": Route(LIST, shows=("H-A1-0001",)),
    "assessment/measures/": Route(LIST, shows=("孟庙镇",), note="本辖区的贫困测度"),
    "assessment/villages/": Route(LIST, shows=("甲村民委员会",), path="/assessment/villages/?all=1"),
    "assessment/villages/<int:pk>/facts/": Route(OBJECT, target="area", note="村退出指标填报"),
    "assessment/targets/": Route(LIST, note="本辖区的目标与进度"),
    "assessment/run/": Route(CAPABILITY, "POST", 302, allowed="officer"),
    "assessment/households/<int:pk>/": Route(OBJECT, "POST", 302, target="household", note="重新评估一户"),
    "assessment/policy/": Route(PUBLIC, note="政策参数：无村级数据"),
    "assessment/policy/new/": Route(CAPABILITY, allowed="admin"),
    # Versions are not village data, but a draft's trial run lists households of every village:
    # the pages are for policy managers only. The capable persona gets 404 for a missing version.
    "assessment/policy/<int:pk>/": Route(CAPABILITY, allowed="admin", status=404, path=f"/assessment/policy/{MISSING_PK}/"),
    "assessment/policy/<int:pk>/preview/": Route(CAPABILITY, "POST", 404, allowed="admin",
                                                 path=f"/assessment/policy/{MISSING_PK}/preview/"),
    "assessment/policy/<int:pk>/publish/": Route(CAPABILITY, "POST", 404, allowed="admin",
                                                 path=f"/assessment/policy/{MISSING_PK}/publish/"),
    # Projects and funds (fupin/projects). a1's project is accepted (so in the public library); a2's
    # and b1's are proposals without notices, so nothing of theirs is public.
    "projects/": Route(LIST, shows=("项目-A1",)),
    "projects/new/": Route(LIST, shows=("甲村民委员会",), note="申报表单：本辖区的实施地点"),
    "projects/progress/": Route(LIST, shows=("项目-A1",), note="支出进度与预警"),
    "projects/progress/report/": Route(LIST, shows=("项目-A1",), note="月报（xlsx，读出单元格比对）"),
    "projects/assets/": Route(LIST, shows=("资产-A1",)),
    "projects/assets/<int:pk>/": Route(OBJECT, target="asset"),
    "projects/assets/<int:pk>/payouts/": Route(OBJECT, "POST", 302, target="asset", actor="officer", data={
        "household_no": "H-A1-0001", "year": 2026, "amount": "100", "paid_on": "2026-01-20"}),
    "projects/objections/": Route(LIST, shows=("项目-A1",), note="本辖区（责任单位）项目公示的异议"),
    "projects/objections/<int:pk>/resolve/": Route(OBJECT, "POST", 302, target="project_objection", actor="department",
                                                   data=REPLY, note="责任单位（区教体局）答复并处理"),
    "projects/attachments/<int:pk>/": Route(OBJECT, target="project_doc"),
    "projects/<int:pk>/": Route(OBJECT, target="project"),
    "projects/<int:pk>/beneficiaries/": Route(OBJECT, "POST", 302, target="project",
                                              data={"household_no": "H-A1-0001", "benefit": "务工"}),
    "projects/<int:pk>/assets/": Route(OBJECT, "POST", 302, target="project", actor="officer", data={
        "name": "新资产", "kind": "public_welfare", "value": "1000", "owner": "村集体", "custodian": "村委会",
        "formed_on": "2026-01-01"}),
    "projects/<int:pk>/<slug:action>/": Route(OBJECT, "POST", 302, target="project", path="/projects/{pk}/pay/",
                                              actor="officer", data=PAYMENT, note="其他步骤见 fupin/projects/tests"),
    # Help measures (fupin/measures). Each village's household has a measure and points this month.
    "measures/": Route(LIST, shows=("H-A1-0001", "措施-A1"), reads="measures.measure"),
    "measures/suggestions/": Route(LIST, shows=("H-A1-0001",), note="因缺资金：小额信贷等建议"),
    "measures/coverage/": Route(LIST, shows=("甲村民委员会",), note="乡镇、区覆盖情况与应享未享"),
    "measures/points/": Route(LIST, shows=("H-A1-0001",), note="爱心超市积分月度公示"),
    "measures/deliveries/": Route(CAPABILITY, allowed="officer", note="部门名单导入"),
    "measures/deliveries/<int:pk>/": Route(OBJECT, target="delivery_job", note="发起人本人"),
    "measures/deliveries/<int:pk>/report/": Route(OBJECT, target="delivery_job", note="名单问题报告（xlsx）"),
    "measures/<int:pk>/status/": Route(OBJECT, "POST", 302, target="help_measure", data={"status": "cancelled",
                                                                                   "note": "重复录入"}),
    "measures/households/<int:pk>/": Route(OBJECT, target="household"),
    "measures/households/<int:pk>/record/": Route(OBJECT, "POST", 302, target="household", data={
        "programme": "industry_linkage", "starts_on": "2019-03-01", "evidence": "分红协议"}),
    "measures/households/<int:pk>/suggestions/": Route(OBJECT, "POST", 302, target="household", data={
        "programme": "micro_credit", "decision": "dismiss", "reason": "无贷款意愿"}),
    "measures/households/<int:pk>/points/": Route(OBJECT, "POST", 302, target="household", data={
        "action": "earn", "rule": "tidy"}),
    # 扶贫小额信贷, 信用评级, 自强之星: each village's household has a loan, a rating and last year's award (奖励-A1 …).
    "measures/loans/": Route(LIST, shows=("H-A1-0001", "贷款-A1"), note="贷款台账与分村逾期"),
    "measures/loans/<int:pk>/": Route(OBJECT, target="loan"),
    "measures/loans/<int:pk>/repayments/": Route(OBJECT, "POST", 302, target="loan", data={
        "paid_on": TODAY.isoformat(), "principal": "100", "interest": "0"}),
    "measures/loans/<int:pk>/extend/": Route(OBJECT, "POST", 302, target="loan", data={
        "due_on": (LOAN_DAY + relativedelta(months=14)).isoformat(), "reason": "受灾展期"}),
    "measures/credit/": Route(LIST, shows=("甲村民委员会",), note="信用村；信用乡镇只对看得到全乡镇者"),
    "measures/awards/": Route(LIST, shows=("H-A1-0001", "奖励-A1"), note="自强之星内部公示（按村）"),
    "measures/households/<int:pk>/credit/": Route(OBJECT, target="household"),
    "measures/households/<int:pk>/loans/": Route(OBJECT, "POST", 302, target="household", data={
        "bank": "银行", "amount": "5000", "term_months": "12", "rate_percent": "4.75", "use": "planting",
        "disbursed_on": TODAY.isoformat()}),
    "measures/households/<int:pk>/rating/": Route(OBJECT, "POST", 302, target="household", data={
        "grade": "A", "rated_on": TODAY.isoformat(), "evaluator": "村信用评定小组"}),
    "measures/households/<int:pk>/awards/": Route(OBJECT, "POST", 302, target="household", data={
        "category": "self_reliance_star", "year": TODAY.year, "awarded_on": TODAY.isoformat(), "reason": "新事迹",
        "approving_unit": "孟庙镇人民政府"}),
    # The public section (阳光公开): no sign-in; project data is public by policy, household data never.
    "public/": Route(PUBLIC, note="正在公示的项目、监督电话"),
    "public/projects/": Route(PUBLIC),
    "public/projects/<int:pk>/": Route(PUBLIC, status=404, path=f"/public/projects/{MISSING_PK}/",
                                       note="入库项目；受益户身份证号脱敏"),
    "public/plans/": Route(PUBLIC),
    "public/notices/": Route(PUBLIC, note="只有项目公示公告"),
    "public/notices/<int:pk>/": Route(PUBLIC, status=404, path=f"/public/notices/{MISSING_PK}/"),
    "public/notices/<int:pk>/objection/": Route(PUBLIC, "POST", 404, path=f"/public/notices/{MISSING_PK}/objection/"),
    "monitoring/": Route(LIST, shows=("孟庙镇",), note="本辖区分乡镇（分村）风险户"),
    "monitoring/results/": Route(LIST, shows=("H-A1-0001",)),
    "monitoring/run/": Route(CAPABILITY, "POST", 302, allowed="officer"),
    "monitoring/cases/": Route(LIST, shows=("H-A1-0001",), reads="monitoring.monitoringcase"),
    "monitoring/cases/<int:pk>/": Route(OBJECT, target="case", reads="monitoring.monitoringcase"),
    "monitoring/cases/<int:pk>/measures/": Route(OBJECT, "POST", 302, target="case", data={
        "kind": "employment", "description": "公益性岗位", "starts_on": "2021-01-04"}),
    "monitoring/cases/<int:pk>/<slug:action>/": Route(OBJECT, "POST", 302, target="case",
                                                      path="/monitoring/cases/{pk}/assist/", data={"note": "落实帮扶"},
                                                      note="其他环节见 fupin/monitoring/tests"),
    "monitoring/measures/<int:pk>/done/": Route(OBJECT, "POST", 302, target="measure", data={"ends_on": "2021-02-01"}),
    "monitoring/trends/": Route(LIST, shows=("孟庙镇",)),
    "inbox/": Route(PERSONAL, note="本人的站内消息"),
    "inbox/<int:pk>/open/": Route(OBJECT, "POST", 302, target="message"),
    "inbox/read-all/": Route(PERSONAL, "POST", 302),
    # The hotline (issue 9). Cadre-conduct complaints have their own walk in fupin/hotline/tests/test_visibility.py.
    "hotline/": Route(LIST, shows=("诉求-A1",), reads="hotline.ticket"),
    "hotline/new/": Route(LIST, shows=("甲村民委员会",), note="登记表：本辖区的区域"),
    "hotline/mine/": Route(LIST, note="本单位待办与提醒"),
    "hotline/figures/": Route(LIST, note="本辖区的统计"),
    "hotline/<int:pk>/": Route(OBJECT, target="ticket", reads="hotline.ticket"),
    "hotline/<int:pk>/<slug:action>/": Route(OBJECT, "POST", 302, target="ticket", actor="officer",
                                             path="/hotline/{pk}/note/", data={"text": "已电话联系当事人"},
                                             note="转办/答复/回访/重新办理见 fupin/hotline/tests"),
    "hotline/attachments/<int:pk>/": Route(OBJECT, target="ticket_attachment"),
    "hotline/routing/": Route(CAPABILITY, allowed="officer", note="分派规则与办理时限：无村级数据"),
    "hotline/routing/rules/": Route(CAPABILITY, "POST", 302, allowed="officer"),
    "hotline/routing/rules/<int:pk>/delete/": Route(CAPABILITY, "POST", 404, allowed="officer",
                                                    path=f"/hotline/routing/rules/{MISSING_PK}/delete/"),
    "hotline/routing/deadlines/": Route(CAPABILITY, "POST", 302, allowed="officer"),
    "public/hotline/": Route(PUBLIC, divisions=True, note="群众反映问题：列出乡镇和村供选择，无他人数据"),
    "public/hotline/submitted/": Route(PUBLIC, status=302, note="查询码只显示一次（会话中无则转回表单）"),
    "public/hotline/track/": Route(PUBLIC, note="凭查询码查询：本件的类别、日期、状态与答复"),
    "public/captcha/<slug:key>/": Route(PUBLIC, status=410, path="/public/captcha/nosuchkey/",
                                        note="公开表单的验证码图片（本机绘制）"),
}

API: dict[str, Route] = {
    "api/v1/": Route(PUBLIC, status=404, note="ninja's root: nothing there"),
    "api/v1/openapi.json": Route(PUBLIC),
    "api/v1/docs": Route(PUBLIC),
    "api/v1/accounts/me": Route(PERSONAL),
    "api/v1/accounts/users": Route(CAPABILITY, allowed="admin", note="用户管理：本人管理范围内的账号"),
    "api/v1/accounts/users/create": Route(CAPABILITY, "POST", 201, allowed="admin", json=True, data={
        "username": "walk_new", "name": "走查", "role": "village_cadre", "area_code": "411103101201"}),
    "api/v1/accounts/users/<user_id>": Route(CAPABILITY, allowed="admin", status=404,
                                             path=f"/api/v1/accounts/users/{MISSING_PK}"),
    "api/v1/accounts/users/<user_id>/edit": Route(CAPABILITY, "POST", 404, allowed="admin", json=True,
                                                  data={"name": "改名"}, path=f"/api/v1/accounts/users/{MISSING_PK}/edit"),
    "api/v1/accounts/users/<user_id>/deactivate": Route(CAPABILITY, "POST", 404, allowed="admin",
                                                        path=f"/api/v1/accounts/users/{MISSING_PK}/deactivate"),
    "api/v1/accounts/users/<user_id>/reactivate": Route(CAPABILITY, "POST", 404, allowed="admin",
                                                        path=f"/api/v1/accounts/users/{MISSING_PK}/reactivate"),
    "api/v1/accounts/users/<user_id>/password-reset": Route(CAPABILITY, "POST", 404, allowed="admin", json=True,
                                                            data={}, path=f"/api/v1/accounts/users/{MISSING_PK}/password-reset"),
    "api/v1/accounts/users/<user_id>/assignments": Route(CAPABILITY, "POST", 404, allowed="admin", json=True,
                                                         data={"role": "work_team", "area_code": "411103101201"},
                                                         path=f"/api/v1/accounts/users/{MISSING_PK}/assignments"),
    "api/v1/accounts/users/<user_id>/assignments/<assignment_id>/end": Route(
        CAPABILITY, "POST", 404, allowed="admin", json=True, data={},
        path=f"/api/v1/accounts/users/{MISSING_PK}/assignments/{MISSING_PK}/end"),
    "api/v1/areas/": Route(LIST, shows=("411103101201",)),
    "api/v1/areas/<area_id>": Route(OBJECT, target="area"),
    "api/v1/audit/entries": Route(CAPABILITY, allowed="auditor"),
    "api/v1/audit/jobs/<job_id>": Route(OBJECT, target="job"),
    "api/v1/registry/households": Route(LIST, shows=("H-A1-0001",), reads="registry.household"),
    "api/v1/registry/households/<household_id>": Route(OBJECT, target="household", reads="registry.household"),
    "api/v1/registry/export": Route(CAPABILITY, allowed="township_a"),
    "api/v1/registry/template": Route(PUBLIC, note="空白导入模板"),
    "api/v1/assessment/results": Route(LIST, shows=("H-A1-0001",)),
    "api/v1/assessment/households/<household_id>": Route(OBJECT, target="household"),
    "api/v1/assessment/households/<household_id>/assess": Route(OBJECT, "POST", target="household"),
    "api/v1/assessment/runs": Route(PUBLIC, note="批次元数据：无村级数据"),
    "api/v1/assessment/runs/start": Route(CAPABILITY, "POST", 202, allowed="officer"),
    "api/v1/assessment/policy": Route(PUBLIC),
    "api/v1/registry/households/<household_id>/helpers": Route(OBJECT, target="household"),
    "api/v1/registry/households/<household_id>/proposals": Route(OBJECT, target="household",
                                                                 reads="registry.household"),
    "api/v1/registry/proposals/<proposal_id>/apply": Route(OBJECT, "POST", target="proposal", data={"version": 1},
                                                           json=True),
    "api/v1/registry/proposals/<proposal_id>/dismiss": Route(OBJECT, "POST", target="proposal", json=True,
                                                             data={"reason": "不属实"}),
    "api/v1/registry/households/<household_id>/helper": Route(OBJECT, "PUT", 201, target="household",
                                                              data={"name": "帮扶人"}, json=True),
    "api/v1/registry/work-teams": Route(LIST, shows=("派驻单位-A1",)),
    "api/v1/registry/households/<household_id>/facts": Route(OBJECT, "PATCH", target="household", json=True,
                                                             data=household_edit(safe_water=True)),
    "api/v1/registry/households/<household_id>/members": Route(
        OBJECT, "POST", 201, target="household", json=True,
        data=household_edit(event="moved_in", id_number=WALK_MEMBER_ID, name="新成员", relation="other")),
    "api/v1/registry/members/<member_id>": Route(OBJECT, "PATCH", target="member", json=True,
                                                 data=member_edit(dibao=True)),
    "api/v1/registry/members/<member_id>/removal": Route(OBJECT, "POST", target="member", json=True,
                                                         data=member_edit(removal_reason="moved_out")),
    "api/v1/registry/households/<household_id>/head": Route(OBJECT, "POST", target="household", json=True,
                                                            data=head_edit()),
    "api/v1/registry/households/<household_id>/incomes/<year>": Route(
        OBJECT, "PUT", target="household", json=True, path="/api/v1/registry/households/{pk}/incomes/{work_year}",
        data=household_edit(**AMOUNTS)),
    "api/v1/registry/areas/<area_id>/applicants": Route(OBJECT, "POST", 201, target="area", json=True,
                                                        data={"id_number": WALK_HEAD_ID, "name": "申请人"},
                                                        note="在本辖区的村新增申请户"),
    "api/v1/plan/plan": Route(LIST, note="规划：不含村级数据"),
    "api/v1/plan/units": Route(LIST, note="辖区内责任单位的报送情况"),
    "api/v1/notices/": Route(LIST, shows=("公示-A1",)),
    "api/v1/notices/<notice_id>": Route(OBJECT, target="notice"),
    "api/v1/notices/<notice_id>/objections": Route(OBJECT, "POST", 201, target="notice", data={"text": "新异议"},
                                                   json=True),
    "api/v1/notices/objections/<objection_id>/resolve": Route(
        OBJECT, "POST", 200, target="objection", actor="township_a", json=True,
        data={"outcome": "dismissed", "resolution": "经核实不属实"}),
    "api/v1/crosscheck/findings": Route(LIST, shows=("疑点-A1",), reads="crosscheck.finding"),
    "api/v1/crosscheck/findings/<finding_id>": Route(OBJECT, target="finding", reads="crosscheck.finding"),
    "api/v1/crosscheck/findings/<finding_id>/assign": Route(OBJECT, "POST", target="finding", data={"assignee": ""},
                                                            json=True),
    "api/v1/crosscheck/findings/<finding_id>/verify": Route(OBJECT, "POST", target="finding", data={"note": "入户核实"},
                                                            json=True),
    "api/v1/crosscheck/findings/<finding_id>/close": Route(OBJECT, "POST", target="verified_finding", json=True,
                                                           data={"disposition": "not_confirmed", "note": "不属实"}),
    "api/v1/crosscheck/runs": Route(CAPABILITY, allowed="officer", note="全区比对批次"),
    "api/v1/crosscheck/runs/start": Route(CAPABILITY, "POST", 202, allowed="officer"),
    "api/v1/crosscheck/loads": Route(CAPABILITY, allowed="department", note="部门名单导入记录"),
    "api/v1/crosscheck/trends": Route(LIST, shows=("孟庙镇",)),
    "api/v1/workflow/households/<household_id>": Route(OBJECT, target="household"),
    "api/v1/workflow/households/<household_id>/transitions": Route(
        OBJECT, "POST", 201, target="household", actor="officer", data={"action": "remove", "reason": "NATURAL"}),
    "api/v1/projects/": Route(LIST, shows=("项目-A1",)),
    "api/v1/projects/alerts": Route(LIST),
    "api/v1/projects/progress": Route(LIST, shows=("项目-A1",)),
    "api/v1/projects/assets": Route(LIST, shows=("资产-A1",)),
    "api/v1/projects/assets/<asset_id>": Route(OBJECT, target="asset"),
    "api/v1/projects/public/notices": Route(PUBLIC, note="公开：项目公示公告"),
    "api/v1/projects/public/projects": Route(PUBLIC, note="公开：项目库"),
    "api/v1/projects/<project_id>": Route(OBJECT, target="project"),
    "api/v1/projects/<project_id>/steps": Route(OBJECT, "POST", 201, target="project", actor="officer",
                                                data={"action": "pay", **PAYMENT}),
    "api/v1/projects/areas/<area_id>/proposals": Route(OBJECT, "POST", 201, target="area", data=PROPOSAL,
                                                       note="在本辖区的村申报项目"),
    "api/v1/projects/<project_id>/beneficiaries": Route(OBJECT, "POST", 201, target="project", json=True,
                                                        data={"household_no": "H-A1-0001", "benefit": "务工"}),
    "api/v1/projects/<project_id>/assets": Route(OBJECT, "POST", 201, target="project", actor="officer", json=True, data={
        "name": "新资产", "kind": "public_welfare", "value": "1000", "owner": "村集体", "custodian": "村委会",
        "formed_on": "2026-01-01"}),
    "api/v1/projects/assets/<asset_id>/payouts": Route(OBJECT, "POST", 201, target="asset", actor="officer", json=True,
                                                       data={"household_no": "H-A1-0001", "year": 2026, "amount": "100",
                                                             "paid_on": "2026-01-20"}),
    "api/v1/projects/objections": Route(LIST, shows=("项目-A1",), note="本辖区（责任单位）项目公示的异议"),
    "api/v1/projects/objections/<objection_id>/resolve": Route(OBJECT, "POST", 200, target="project_objection",
                                                               actor="department", json=True, data=REPLY),
    "api/v1/monitoring/results": Route(LIST, shows=("H-A1-0001",)),
    "api/v1/monitoring/households/<household_id>": Route(OBJECT, target="household"),
    "api/v1/monitoring/runs/start": Route(CAPABILITY, "POST", 202, allowed="officer"),
    "api/v1/monitoring/cases": Route(LIST, shows=("H-A1-0001",), reads="monitoring.monitoringcase"),
    "api/v1/monitoring/cases/<case_id>": Route(OBJECT, target="case", reads="monitoring.monitoringcase"),
    "api/v1/monitoring/cases/<case_id>/steps": Route(OBJECT, "POST", 200, target="case", json=True,
                                                     data={"action": "assist", "note": "落实帮扶"}),
    "api/v1/monitoring/cases/<case_id>/measures": Route(OBJECT, "POST", 201, target="case", json=True, data={
        "kind": "employment", "description": "公益性岗位", "starts_on": "2021-01-04"}),
    "api/v1/monitoring/trends": Route(LIST, shows=("孟庙镇",)),
    "api/v1/hotline/tickets": Route(LIST, shows=("诉求-A1",), reads="hotline.ticket"),
    "api/v1/hotline/tickets/<ticket_id>": Route(OBJECT, target="ticket", reads="hotline.ticket"),
    "api/v1/hotline/tickets/<ticket_id>/steps": Route(OBJECT, "POST", 200, target="ticket", actor="officer", json=True,
                                                      data={"action": "note", "text": "已电话联系当事人"}),
    "api/v1/hotline/areas/<area_id>/tickets": Route(OBJECT, "POST", 201, target="area", json=True,
                                                    data={"category": "policy", "text": "新诉求"}),
    "api/v1/hotline/figures": Route(LIST),
    "api/v1/measures/": Route(LIST, shows=("H-A1-0001", "措施-A1"), reads="measures.measure"),
    "api/v1/measures/suggestions": Route(LIST, shows=("H-A1-0001",)),
    "api/v1/measures/coverage": Route(LIST, shows=("甲村民委员会",)),
    "api/v1/measures/households/<household_id>": Route(OBJECT, target="household"),
    "api/v1/measures/loans": Route(LIST, shows=("H-A1-0001", "贷款-A1")),
    "api/v1/measures/loans/<loan_id>": Route(OBJECT, target="loan"),
    "api/v1/measures/credit": Route(LIST, shows=("甲村民委员会",)),
    "api/v1/measures/awards": Route(LIST, shows=("H-A1-0001", "奖励-A1")),
    "api/v1/measures/households/<household_id>/measures": Route(OBJECT, "POST", 201, target="household", json=True,
                                                                data={"programme": "industry_linkage",
                                                                      "starts_on": "2019-03-01", "evidence": "分红协议"}),
    "api/v1/measures/households/<household_id>/suggestions": Route(
        OBJECT, "POST", 201, target="household", json=True,
        data={"programme": "micro_credit", "decision": "dismiss", "reason": "无贷款意愿"}),
}

# Every operation of the NinjaAPI (from its OpenAPI schema) and the URL route that serves it.
API_OPERATIONS: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/accounts/me"): "api/v1/accounts/me",
    ("GET", "/api/v1/accounts/users"): "api/v1/accounts/users",
    ("POST", "/api/v1/accounts/users/create"): "api/v1/accounts/users/create",
    ("GET", "/api/v1/accounts/users/{user_id}"): "api/v1/accounts/users/<user_id>",
    ("POST", "/api/v1/accounts/users/{user_id}/edit"): "api/v1/accounts/users/<user_id>/edit",
    ("POST", "/api/v1/accounts/users/{user_id}/deactivate"): "api/v1/accounts/users/<user_id>/deactivate",
    ("POST", "/api/v1/accounts/users/{user_id}/reactivate"): "api/v1/accounts/users/<user_id>/reactivate",
    ("POST", "/api/v1/accounts/users/{user_id}/password-reset"): "api/v1/accounts/users/<user_id>/password-reset",
    ("POST", "/api/v1/accounts/users/{user_id}/assignments"): "api/v1/accounts/users/<user_id>/assignments",
    ("POST", "/api/v1/accounts/users/{user_id}/assignments/{assignment_id}/end"):
        "api/v1/accounts/users/<user_id>/assignments/<assignment_id>/end",
    ("GET", "/api/v1/areas/"): "api/v1/areas/",
    ("GET", "/api/v1/areas/{area_id}"): "api/v1/areas/<area_id>",
    ("GET", "/api/v1/audit/entries"): "api/v1/audit/entries",
    ("GET", "/api/v1/audit/jobs/{job_id}"): "api/v1/audit/jobs/<job_id>",
    ("GET", "/api/v1/registry/households"): "api/v1/registry/households",
    ("GET", "/api/v1/registry/households/{household_id}"): "api/v1/registry/households/<household_id>",
    ("GET", "/api/v1/registry/export"): "api/v1/registry/export",
    ("GET", "/api/v1/registry/template"): "api/v1/registry/template",
    ("GET", "/api/v1/assessment/results"): "api/v1/assessment/results",
    ("GET", "/api/v1/assessment/households/{household_id}"): "api/v1/assessment/households/<household_id>",
    ("POST", "/api/v1/assessment/households/{household_id}/assess"):
        "api/v1/assessment/households/<household_id>/assess",
    ("GET", "/api/v1/assessment/runs"): "api/v1/assessment/runs",
    ("POST", "/api/v1/assessment/runs/start"): "api/v1/assessment/runs/start",
    ("GET", "/api/v1/assessment/policy"): "api/v1/assessment/policy",
    ("GET", "/api/v1/registry/households/{household_id}/helpers"): "api/v1/registry/households/<household_id>/helpers",
    ("GET", "/api/v1/registry/households/{household_id}/proposals"):
        "api/v1/registry/households/<household_id>/proposals",
    ("POST", "/api/v1/registry/proposals/{proposal_id}/apply"): "api/v1/registry/proposals/<proposal_id>/apply",
    ("POST", "/api/v1/registry/proposals/{proposal_id}/dismiss"): "api/v1/registry/proposals/<proposal_id>/dismiss",
    ("PUT", "/api/v1/registry/households/{household_id}/helper"): "api/v1/registry/households/<household_id>/helper",
    ("GET", "/api/v1/registry/work-teams"): "api/v1/registry/work-teams",
    ("PATCH", "/api/v1/registry/households/{household_id}/facts"): "api/v1/registry/households/<household_id>/facts",
    ("POST", "/api/v1/registry/households/{household_id}/members"): "api/v1/registry/households/<household_id>/members",
    ("PATCH", "/api/v1/registry/members/{member_id}"): "api/v1/registry/members/<member_id>",
    ("POST", "/api/v1/registry/members/{member_id}/removal"): "api/v1/registry/members/<member_id>/removal",
    ("POST", "/api/v1/registry/households/{household_id}/head"): "api/v1/registry/households/<household_id>/head",
    ("PUT", "/api/v1/registry/households/{household_id}/incomes/{year}"):
        "api/v1/registry/households/<household_id>/incomes/<year>",
    ("POST", "/api/v1/registry/areas/{area_id}/applicants"): "api/v1/registry/areas/<area_id>/applicants",
    ("GET", "/api/v1/plan/plan"): "api/v1/plan/plan",
    ("GET", "/api/v1/plan/units"): "api/v1/plan/units",
    ("GET", "/api/v1/notices/"): "api/v1/notices/",
    ("GET", "/api/v1/notices/{notice_id}"): "api/v1/notices/<notice_id>",
    ("POST", "/api/v1/notices/{notice_id}/objections"): "api/v1/notices/<notice_id>/objections",
    ("POST", "/api/v1/notices/objections/{objection_id}/resolve"): "api/v1/notices/objections/<objection_id>/resolve",
    ("GET", "/api/v1/crosscheck/findings"): "api/v1/crosscheck/findings",
    ("GET", "/api/v1/crosscheck/findings/{finding_id}"): "api/v1/crosscheck/findings/<finding_id>",
    ("POST", "/api/v1/crosscheck/findings/{finding_id}/assign"): "api/v1/crosscheck/findings/<finding_id>/assign",
    ("POST", "/api/v1/crosscheck/findings/{finding_id}/verify"): "api/v1/crosscheck/findings/<finding_id>/verify",
    ("POST", "/api/v1/crosscheck/findings/{finding_id}/close"): "api/v1/crosscheck/findings/<finding_id>/close",
    ("GET", "/api/v1/crosscheck/runs"): "api/v1/crosscheck/runs",
    ("POST", "/api/v1/crosscheck/runs/start"): "api/v1/crosscheck/runs/start",
    ("GET", "/api/v1/crosscheck/loads"): "api/v1/crosscheck/loads",
    ("GET", "/api/v1/crosscheck/trends"): "api/v1/crosscheck/trends",
    ("GET", "/api/v1/workflow/households/{household_id}"): "api/v1/workflow/households/<household_id>",
    ("POST", "/api/v1/workflow/households/{household_id}/transitions"):
        "api/v1/workflow/households/<household_id>/transitions",
    ("GET", "/api/v1/projects/"): "api/v1/projects/",
    ("GET", "/api/v1/projects/alerts"): "api/v1/projects/alerts",
    ("GET", "/api/v1/projects/progress"): "api/v1/projects/progress",
    ("GET", "/api/v1/projects/assets"): "api/v1/projects/assets",
    ("GET", "/api/v1/projects/assets/{asset_id}"): "api/v1/projects/assets/<asset_id>",
    ("GET", "/api/v1/projects/public/notices"): "api/v1/projects/public/notices",
    ("GET", "/api/v1/projects/public/projects"): "api/v1/projects/public/projects",
    ("GET", "/api/v1/projects/{project_id}"): "api/v1/projects/<project_id>",
    ("POST", "/api/v1/projects/{project_id}/steps"): "api/v1/projects/<project_id>/steps",
    ("POST", "/api/v1/projects/areas/{area_id}/proposals"): "api/v1/projects/areas/<area_id>/proposals",
    ("POST", "/api/v1/projects/{project_id}/beneficiaries"): "api/v1/projects/<project_id>/beneficiaries",
    ("POST", "/api/v1/projects/{project_id}/assets"): "api/v1/projects/<project_id>/assets",
    ("POST", "/api/v1/projects/assets/{asset_id}/payouts"): "api/v1/projects/assets/<asset_id>/payouts",
    ("GET", "/api/v1/projects/objections"): "api/v1/projects/objections",
    ("POST", "/api/v1/projects/objections/{objection_id}/resolve"):
        "api/v1/projects/objections/<objection_id>/resolve",
    ("GET", "/api/v1/monitoring/results"): "api/v1/monitoring/results",
    ("GET", "/api/v1/monitoring/households/{household_id}"): "api/v1/monitoring/households/<household_id>",
    ("POST", "/api/v1/monitoring/runs/start"): "api/v1/monitoring/runs/start",
    ("GET", "/api/v1/monitoring/cases"): "api/v1/monitoring/cases",
    ("GET", "/api/v1/monitoring/cases/{case_id}"): "api/v1/monitoring/cases/<case_id>",
    ("POST", "/api/v1/monitoring/cases/{case_id}/steps"): "api/v1/monitoring/cases/<case_id>/steps",
    ("POST", "/api/v1/monitoring/cases/{case_id}/measures"): "api/v1/monitoring/cases/<case_id>/measures",
    ("GET", "/api/v1/monitoring/trends"): "api/v1/monitoring/trends",
    ("GET", "/api/v1/hotline/tickets"): "api/v1/hotline/tickets",
    ("GET", "/api/v1/hotline/tickets/{ticket_id}"): "api/v1/hotline/tickets/<ticket_id>",
    ("POST", "/api/v1/hotline/tickets/{ticket_id}/steps"): "api/v1/hotline/tickets/<ticket_id>/steps",
    ("POST", "/api/v1/hotline/areas/{area_id}/tickets"): "api/v1/hotline/areas/<area_id>/tickets",
    ("GET", "/api/v1/hotline/figures"): "api/v1/hotline/figures",
    ("GET", "/api/v1/measures/"): "api/v1/measures/",
    ("GET", "/api/v1/measures/suggestions"): "api/v1/measures/suggestions",
    ("GET", "/api/v1/measures/coverage"): "api/v1/measures/coverage",
    ("GET", "/api/v1/measures/households/{household_id}"): "api/v1/measures/households/<household_id>",
    ("GET", "/api/v1/measures/loans"): "api/v1/measures/loans",
    ("GET", "/api/v1/measures/loans/{loan_id}"): "api/v1/measures/loans/<loan_id>",
    ("GET", "/api/v1/measures/credit"): "api/v1/measures/credit",
    ("GET", "/api/v1/measures/awards"): "api/v1/measures/awards",
    ("POST", "/api/v1/measures/households/{household_id}/measures"):
        "api/v1/measures/households/<household_id>/measures",
    ("POST", "/api/v1/measures/households/{household_id}/suggestions"):
        "api/v1/measures/households/<household_id>/suggestions",
}

# The models registered in the Django admin. None holds village data (households, members,
# incomes, areas, users); registering one means classifying its routes here first.
ADMIN_MODELS: dict[str, str] = {
    "auth/group": "权限组（本系统不用）/ unused permission groups",
    "axes/accessattempt": "登录失败计数 / sign-in attempts",
    "axes/accesslog": "登录记录 / sign-in log",
    "axes/accessfailurelog": "登录失败记录 / sign-in failures",
    "django_tasks_database/dbtaskresult": "后台任务队列 / task queue rows",
}
ADMIN_MODEL_ROUTES = ("", "add/", "<path:object_id>/history/", "<path:object_id>/delete/",
                      "<path:object_id>/change/", "<path:object_id>/")
ADMIN_SITE_ROUTES = ("admin/", "admin/login/", "admin/logout/", "admin/password_change/",
                     "admin/password_change/done/", "admin/autocomplete/", "admin/jsi18n/",
                     "admin/r/<path:content_type_id>/<path:object_id>/", "admin/(?P<url>.*)$")


def _admin_routes() -> dict[str, Route]:
    routes = {r: Route(ADMIN, path="/admin/no-such-page/" if "(?P<url>" in r else "") for r in ADMIN_SITE_ROUTES}
    for model in ADMIN_MODELS:
        routes |= {f"admin/{model}/{suffix}": Route(ADMIN) for suffix in ADMIN_MODEL_ROUTES}
    labels = "|".join(sorted({m.split("/")[0] for m in ADMIN_MODELS}))
    routes[f"admin/^(?P<app_label>{labels})/$"] = Route(ADMIN, path="/admin/auth/")
    return routes


ROUTES: dict[str, Route] = PAGES | API | _admin_routes()


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def _normalise(route: str) -> str:
    """The admin's app-list pattern names the registered apps in registration order: sort them."""
    match = re.fullmatch(r"admin/\^\(\?P<app_label>(.*)\)/\$", route)
    return f"admin/^(?P<app_label>{'|'.join(sorted(match.group(1).split('|')))})/$" if match else route


def discovered_routes() -> set[str]:
    return {_normalise(r) for r in _walk(get_resolver().url_patterns)}


def routes_of(*kinds: str, api_only: bool = False) -> list[str]:
    return [r for r, spec in ROUTES.items() if spec.kind in kinds and (not api_only or r.startswith("api/"))]


# --- the world cadre_a1 walks through ------------------------------------------------------------


@dataclass
class World:
    personas: Any
    households: dict[str, Household]
    jobs: dict[str, JobRun]
    tokens: dict[str, tuple[ApiToken, str]]
    foreign_markers: list[str]
    notices: dict[str, Notice]
    objections: dict[str, Objection]
    attachments: dict[str, TransitionAttachment]
    import_jobs: dict[str, JobRun]
    export_jobs: dict[str, JobRun]
    work_teams: dict[str, WorkTeam]
    work_team_members: dict[str, WorkTeamMember]
    findings: dict[str, Finding]
    verified_findings: dict[str, Finding]
    load_jobs: dict[str, JobRun]
    plan_units: dict[str, Unit]
    plan_reports: dict[str, ProgressReport]
    plan_attachments: dict[str, ReportAttachment]
    plan_inspections: dict[str, Inspection]
    plan_findings: dict[str, PlanFinding]
    plan_findings_rectified: dict[str, PlanFinding]
    projects: dict[str, Project] = field(default_factory=dict)
    assets: dict[str, Asset] = field(default_factory=dict)
    project_docs: dict[str, ProjectAttachment] = field(default_factory=dict)
    project_objections: dict[str, Objection] = field(default_factory=dict)
    monitoring: dict[str, dict[str, Any]] = field(default_factory=dict)
    tickets: dict[str, Ticket] = field(default_factory=dict)
    ticket_attachments: dict[str, TicketAttachment] = field(default_factory=dict)
    measures: dict[str, Measure] = field(default_factory=dict)
    loans: dict[str, Loan] = field(default_factory=dict)
    delivery_jobs: dict[str, JobRun] = field(default_factory=dict)
    proposals: dict[str, ProposedChange] = field(default_factory=dict)

    def targets(self, target: str) -> tuple[int, list[int]]:
        """(cadre_a1's own pk, pks that belong to village a2 or b1) for an OBJECT route's target."""
        a = self.personas.areas
        if target == "household":
            return self.households["a1"].pk, [self.households["a2"].pk, self.households["b1"].pk]
        if target == "member":  # each village's household's member who is not the head
            others = {k: Member.objects.filter(household=h).exclude(relation="head").order_by("pk")[0].pk
                      for k, h in self.households.items()}
            return others["a1"], [others["a2"], others["b1"]]
        if target == "area":
            return a.village_a1.pk, [a.village_a2.pk, a.village_b1.pk, a.town_b.pk]
        if target == "job":
            return self.jobs["a1"].pk, [self.jobs["a2"].pk, self.jobs["b1"].pk]
        if target == "token":
            return self.tokens["a1"][0].pk, [self.tokens["a2"][0].pk, self.tokens["b1"][0].pk]
        tables: dict[str, dict[str, Any]] = {"notice": self.notices, "objection": self.objections,
                                             "attachment": self.attachments, "import_job": self.import_jobs,
                                             "export_job": self.export_jobs, "work_team": self.work_teams,
                                             "work_team_member": self.work_team_members, "finding": self.findings,
                                             "verified_finding": self.verified_findings, "load_job": self.load_jobs,
                                             "project": self.projects, "asset": self.assets,
                                             "project_doc": self.project_docs,
                                             "project_objection": self.project_objections,
                                             "ticket": self.tickets,
                                             "ticket_attachment": self.ticket_attachments, "help_measure": self.measures,
                                             "loan": self.loans, "delivery_job": self.delivery_jobs,
                                             "proposal": self.proposals,
                                             **self.monitoring}
        plan_rows: dict[str, dict[str, Any]] = {
            "plan_unit": self.plan_units, "plan_report": self.plan_reports, "plan_attachment": self.plan_attachments,
            "plan_inspection": self.plan_inspections, "plan_finding": self.plan_findings,
            "plan_finding_rectified": self.plan_findings_rectified}
        if target in plan_rows:  # a township's: township_a's own, township b's foreign
            return plan_rows[target]["a"].pk, [plan_rows[target]["b"].pk]
        rows = tables.get(target)
        if rows:
            return rows["a1"].pk, [rows["a2"].pk, rows["b1"].pk]
        raise AssertionError(f"unknown target {target}")


def _job(user: Any, title: str) -> JobRun:
    return JobRun.objects.create(kind="audit.verify", title=title, created_by=user,
                                 status=JobRun.Status.FAILED, retryable=True, message="测试")


def _file_job(media: Path, user: Any, kind: str, marker: str) -> JobRun:
    """A finished import or export job of ``user`` whose file (an xlsx) holds ``marker``."""
    from openpyxl import Workbook

    folder = media / kind / marker
    folder.mkdir(parents=True)
    book = Workbook()
    book.active.append([marker])
    book.save(folder / "file.xlsx")
    relative = f"{kind}/{marker}/file.xlsx"
    if kind == "crosscheck.load":
        params = {"dataset": "DEATHS", "paths": [], "names": [f"{marker}.csv"], "valid_only": False}
        result = {"dataset": "DEATHS", "rows": 0, "written": False, "problems": 1, "problem_list": [],
                  "report": relative}
    elif kind == "measures.deliveries":
        params = {"paths": [], "names": [f"{marker}.xlsx"], "valid_only": False}
        result = {"rows": 0, "written": False, "problems": 1, "problem_list": [], "report": relative}
    elif kind == "registry.import":
        params = {"paths": [], "names": [f"{marker}.xlsx"], "dry_run": False, "valid_only": False,
                  "scope": {"everything": False, "paths": [a.area.path for a in user.active_assignments]}}
        result = {"counts": {}, "problems": 1, "problem_list": [], "report": relative, "written": False}
    else:
        params, result = {"filters": {}}, {"file": relative, "households": 1, "members": 2, "incomes": 1}
    return JobRun.objects.create(kind=kind, title=marker, created_by=user, status=JobRun.Status.SUCCEEDED,
                                 params=params, result=result)


def _findings(households: dict[str, Household]) -> tuple[dict[str, Finding], dict[str, Finding]]:
    """In each village: an open cross-check finding and a verified one (a department list is loaded)."""
    ListLoad.objects.create(dataset="DEATHS", file_name="deaths.csv")
    run = CrosscheckRun.objects.create(year=work_year(), as_of=date(work_year(), 12, 31))
    found: dict[str, Finding] = {}
    verified: dict[str, Finding] = {}
    for key, household in households.items():
        tag = key.upper()
        member = household.members.order_by("pk").first()
        assert member is not None
        for table, status, code in ((found, "open", "DECEASED_ACTIVE"), (verified, "verified", "PUBLIC_EMPLOYEE")):
            table[key] = Finding.objects.create(
                year=run.year, dataset="DEATHS", code=code, kind="correction", id_number=member.id_number,
                household=household, area=household.village, detail=f"疑点-{tag}", run=run, last_run=run,
                open_key=f"{code}-{tag}", status=status, verified_at=timezone.now() if status == "verified" else None,
                verification_note=f"核实-{tag}" if status == "verified" else "")
    return found, verified


def _village_rows(households: dict[str, Household]) -> tuple[dict[str, Notice], dict[str, Objection],
                                                               dict[str, TransitionAttachment], dict[str, WorkTeam],
                                                               dict[str, WorkTeamMember]]:
    """In each village: a notice on display with an objection, a work team, a step with evidence."""
    notices, objections, attachments, teams, secretaries = {}, {}, {}, {}, {}
    for key, household in households.items():
        tag = key.upper()
        notices[key] = notice_publish(kind=Notice.Kind.EXIT, area=household.village, title=f"公示-{tag}", actor=None,
                                      starts_on=date.today(), days=7, subject_type="registry.household",
                                      subject_id=household.pk, subject_label=household.household_no)
        objections[key] = objection_raise(notices[key], text=f"异议-{tag}", actor=None)
        teams[key] = work_team_create(household.village, dispatching_unit=f"派驻单位-{tag}", actor=None)
        secretaries[key] = work_team_member_add(teams[key], name=f"书记-{tag}", role="first_secretary", actor=None)
        step = HouseholdTransition.objects.create(household=household, action="county_approve",
                                                  from_state="township_reviewed", to_state="registered")
        attachment = TransitionAttachment(transition=step, original_name=f"证据-{tag}.pdf", size=20, sha256="0" * 64)
        attachment.file.save(f"证据-{tag}.pdf", ContentFile(f"%PDF EVIDENCE-{tag}".encode()), save=False)
        attachment.save()
        attachments[key] = attachment
    return notices, objections, attachments, teams, secretaries


WALK_PLAN = """
plan: {code: walk, title: 规划-走查, starts_year: 2018, ends_year: 2018}
groups: [{code: townships, name: 各镇人民政府, expands: townships}]
measures:
  - {code: "1", title: 举措-走查, lead: [区教体局], cooperating: [各镇人民政府],
     tasks: [{title: 任务-走查, deadline: 2018-12-31}]}
"""


def _plan_rows(p: Any, media: Path) -> tuple[dict[str, Unit], dict[str, ProgressReport],
                                                dict[str, ReportAttachment], dict[str, Inspection],
                                                dict[str, PlanFinding], dict[str, PlanFinding]]:
    """A plan whose townships each filed a report with evidence and were each inspected (one finding open, one
    rectified): township_a's (a) and the other's (b)."""
    source = media / "walk-plan.yaml"
    source.write_text(WALK_PLAN, encoding="utf-8")
    plan = plan_seed(p.areas.county, source).plan
    units = {"a": Unit.objects.get(area=p.areas.town_a), "b": Unit.objects.get(area=p.areas.town_b)}
    reports, files = {}, {}
    for key, unit in units.items():
        tag = key.upper()
        reports[key] = report_submit(plan=plan, unit=unit, year=2018, period="Q1", summary=f"报告-{tag}", actor=None)
        attachment = ReportAttachment(report=reports[key], original_name=f"材料-{tag}.pdf", size=20, sha256="0" * 64)
        attachment.file.save(f"材料-{tag}.pdf", ContentFile(f"%PDF PLAN-EVIDENCE-{tag}".encode()), save=False)
        attachment.save()
        files[key] = attachment
    inspections, open_findings, rectified = {}, {}, {}
    for key, unit in units.items():
        tag = key.upper()
        inspections[key] = inspection_record(
            plan=plan, area=unit.area, title=f"督查-{tag}", held_on=date(2018, 6, 5), actor=None,
            findings=[FindingInput(unit, f"问题-{tag}", date(2018, 6, 30)), FindingInput(unit, f"问题-{tag}2", date(2018, 6, 30))])
        open_findings[key], rectified[key] = inspections[key].findings.order_by("pk")
        finding_rectify(rectified[key], rectification=f"整改-{tag}", actor=None)
    review_create(plan, 2018, actor=None)
    return units, reports, files, inspections, open_findings, rectified


def _village_projects(households: dict[str, Household]) -> tuple[dict[str, Project], dict[str, Asset],
                                                                  dict[str, ProjectAttachment], dict[str, Objection]]:
    """In each village a project of 区教体局 (the department persona's unit) with an asset, a document and an
    objection to a notice about it. a1's went the whole way to acceptance (its notices and library entry are
    public); a2's and b1's are bare proposals, nothing public (their notices are of the staff-only kind)."""
    from fupin.projects.tests.factories import advance, proposed, unit

    projects, assets, docs, objections = {}, {}, {}, {}
    for key, household in households.items():
        tag = key.upper()
        dept = unit(Area.objects.get(code="411103000000"), "education")
        if key == "a1":
            project = advance(proposed(household.village, dept, name=f"项目-{tag}", year=date.today().year), "accepted")
        else:
            project = Project.objects.create(
                year=date.today().year, name=f"项目-{tag}", category="industry", nature="new", area=household.village,
                planned_start=date.today(), planned_end=date.today(), department=dept, tasks=f"任务说明-{tag}",
                budget_central=1000, benefit_mechanism="分红", performance_targets="增收")
        projects[key] = project
        assets[key] = Asset.objects.create(project=project, name=f"资产-{tag}", kind="public_welfare", value=1000,
                                           owner="村集体", custodian="村委会", formed_on=date.today())
        step = ProjectStep.objects.create(project=project, action="adjust", from_state=project.status,
                                          to_state=project.status, on=date.today(), note="资料")
        doc = ProjectAttachment(step=step, original_name=f"资料-{tag}.pdf", size=20, sha256="0" * 64)
        doc.file.save(f"资料-{tag}.pdf", ContentFile(f"%PDF PROJECTDOC-{tag}".encode()), save=False)
        doc.save()
        docs[key] = doc
        notice = notice_publish(kind=Notice.Kind.PROJECT, area=household.village, title=f"项目公示 项目-{tag}",
                                actor=None, starts_on=date.today(), days=10, subject_type="projects.project",
                                subject_id=project.pk, subject_label=project.number)
        objections[key] = objection_raise(notice, text=f"对项目-{tag}的异议", actor=None)
    return projects, assets, docs, objections


def _tickets(households: dict[str, Household]) -> tuple[dict[str, Ticket], dict[str, TicketAttachment]]:
    """In each village: a hotline ticket from the public web form, with an attachment."""
    tickets, files = {}, {}
    for key, household in households.items():
        tag = key.upper()
        pdf = ContentFile(f"%PDF HOTLINE-{tag}".encode(), name=f"诉求附件-{tag}.pdf")
        tickets[key] = ticket_create(channel="web", category="benefit", text=f"诉求-{tag}", area=household.village,
                                     actor=None, files=[pdf])
        files[key] = tickets[key].attachments.get()
    return tickets, files


def _village_measures(households: dict[str, Household]) -> dict[str, Measure]:
    """In each village a measure (措施-A1 …), this month's 爱心超市 points, and a cause (缺资金) that
    brings suggestions."""
    from fupin.measures.models import PointRule, Programme
    from fupin.measures.services import MeasureInput, measure_create, points_earn

    made = {}
    for key, household in households.items():
        household.main_cause = "no_capital"
        household.save(update_fields=["main_cause"])
        made[key] = measure_create(household, MeasureInput(Programme.objects.get(code="ecommerce"), date.today(),
                                                           evidence=f"措施-{key.upper()}"), actor=None)
        points_earn(household, PointRule.objects.get(code="meeting"), on=date.today(), actor=None)
    return made


def _village_credit(households: dict[str, Household]) -> dict[str, Loan]:
    """In each village: a 12-month loan (贷款-A1 …) not yet due, a credit rating, and last year's 自强之星 (奖励-A1 …)."""
    from fupin.measures.credit import LoanInput, loan_create
    from fupin.measures.models import AwardCategory
    from fupin.measures.ratings import award_grant, rating_record

    loans = {}
    for key, household in households.items():
        tag = key.upper()
        loans[key] = loan_create(household, LoanInput(
            bank="银行", amount=Decimal("10000"), term_months=12, interest_rate=Decimal("0.0475"), use="breeding",
            disbursed_on=LOAN_DAY, contract_no=f"贷款-{tag}"), actor=None)
        rating_record(household, grade="AA", rated_on=LOAN_DAY, evaluator=f"评定-{tag}", actor=None)
        award_grant(household, AwardCategory.objects.get(code="self_reliance_star"), year=TODAY.year - 1,
                    awarded_on=LOAN_DAY, reason=f"奖励-{tag}", approving_unit="孟庙镇人民政府", actor=None)
    return loans


def build_world(media: Path) -> World:
    """The world cadre_a1 walks through: every kind of village object, in a1, a2 and b1. Files go under
    ``media`` (MEDIA_ROOT)."""
    p = build_personas(build_areas())
    households = build_households(p.areas)
    # Registered households have their identification year, as the registry's rules require of any write to them.
    Household.objects.filter(pk__in=[h.pk for h in households.values()]).update(identified_year=2016)
    policy_seed_defaults()
    assess_county(work_year())  # so every route of the assessment has results to show
    jobs = {"a1": _job(p.cadre_a1, "任务-A1"), "a2": _job(p.cadre_a2, "任务-A2"), "b1": _job(p.cadre_b1, "任务-B1")}
    people = {"a1": p.cadre_a1, "a2": p.cadre_a2, "b1": p.cadre_b1}
    import_jobs = {k: _file_job(media, u, "registry.import", f"导入-{k.upper()}") for k, u in people.items()}
    export_jobs = {k: _file_job(media, u, "registry.export", f"导出-{k.upper()}") for k, u in people.items()}
    tokens = {k: api_token_create(user=u, name=f"令牌-{k.upper()}")
              for k, u in (("a1", p.cadre_a1), ("a2", p.cadre_a2), ("b1", p.cadre_b1))}
    foreign_ids = list(Member.objects.exclude(household=households["a1"]).values_list("id_number", flat=True))
    notices, objections, attachments, teams, secretaries = _village_rows(households)
    found, verified = _findings(households)
    load_jobs = {k: _file_job(media, u, "crosscheck.load", f"名单-{k.upper()}") for k, u in people.items()}
    delivery_jobs = {k: _file_job(media, u, "measures.deliveries", f"措施表-{k.upper()}")
                     for k, u in people.items()}
    projects, assets, project_docs, project_objections = _village_projects(households)
    monitoring = _monitoring_rows(households, people)
    tickets, ticket_files = _tickets(households)
    measures = _village_measures(households)
    loans = _village_credit(households)
    # In each village a proposed change (a loop's, ADR 0026 §4) that the template's rules let apply: the households
    # get the identification year a registered household has.
    Household.objects.filter(pk__in=[h.pk for h in households.values()]).update(identified_year=2016)
    proposals: dict[str, ProposedChange] = {}
    for k, h in households.items():
        proposal = proposal_create(h, ProposedChange.Kind.HOUSEHOLD_UPDATE, {"safe_water": True},
                                   source=f"finding:{found[k].pk}", label="已死亡未减员")
        assert proposal is not None
        proposals[k] = proposal
    markers = ["H-A2-0001", "H-B1-0001", "乙村民委员会", "丙村民委员会", "商桥镇", "411103101202",
               "411103102201", "411103102000", "任务-A2", "任务-B1", "令牌-A2", "令牌-B1", "导入-A2", "导入-B1",
               "导出-A2", "导出-B1", "疑点-A2", "疑点-B1", "核实-A2", "核实-B1", "名单-A2", "名单-B1",
               "措施表-A2", "措施表-B1",
               tokens["a2"][0].prefix, tokens["b1"][0].prefix, *foreign_ids,
               *[f"{what}-{tag}" for what in ("公示", "异议", "派驻单位", "书记", "证据", "EVIDENCE", "项目", "资产",
                                              "任务说明", "资料", "PROJECTDOC", "措施", "消息", "诉求",
                                              "HOTLINE", "贷款", "评定", "奖励") for tag in ("A2", "B1")]]
    units, reports, report_files, inspections, plan_findings, rectified = _plan_rows(p, media)
    markers += ["报告-B", "PLAN-EVIDENCE-B", "督查-B", "问题-B", "整改-B"]
    return World(p, households, jobs, tokens, markers, notices, objections, attachments, import_jobs, export_jobs,
                 teams, secretaries, found, verified, load_jobs, units, reports, report_files, inspections, plan_findings,
                 rectified, projects, assets, project_docs, project_objections, monitoring, tickets=tickets,
                 ticket_attachments=ticket_files, measures=measures, loans=loans, delivery_jobs=delivery_jobs,
                 proposals=proposals)


@pytest.fixture(scope="module")
def _world(module_db: ModuleDB) -> World:
    """Built once per module (per test worker), inside the module's transaction (fupin/conftest.py)."""
    return module_db.build(lambda: build_world(module_db.media))


@pytest.fixture
def world(_world: World, db: None) -> World:
    """The shared world; ``db`` runs the test in a savepoint, rolled back after it."""
    return _world


def _monitoring_rows(households: dict[str, Household], people: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A monitoring run with each village's household at risk; in each village a case identified
    (认定) with one measure not yet carried out; an inbox message for each village's cadre."""
    run = MonitoringRun.objects.create(year=work_year(), ruleset_version="RULES-4.0", households=3, at_risk=3,
                                       finished_at=timezone.now())
    cases, measures, messages = {}, {}, {}
    for key, household in households.items():
        tag = key.upper()
        MonitoringResult.objects.create(run=run, household=household, year=run.year, category="UNSTABLE_EXITED",
                                        risks="INCOME_BELOW_LINE")
        cases[key] = MonitoringCase.objects.create(household=household, year=run.year, step="identified",
                                                   category="UNSTABLE_EXITED", risks="INCOME_BELOW_LINE",
                                                   identified_on=date.today())
        measures[key] = CaseMeasure.objects.create(case=cases[key], kind="health", description=f"措施-{tag}",
                                                   starts_on=date(2021, 1, 1))
        messages[key] = Message.objects.create(user=people[key], title=f"消息-{tag}", link="/monitoring/cases/")
    return {"case": cases, "measure": measures, "message": messages}


def snapshot() -> dict[str, Any]:
    """Every row a request could change, with the audit log's length (token use times excluded)."""
    return {
        "households": list(Household.objects.order_by("pk").values()),
        "members": list(Member.objects.order_by("pk").values()),
        "incomes": list(IncomeRecord.objects.order_by("pk").values()),
        "registry_changes": list(Change.objects.order_by("pk").values()),
        "areas": list(Area.objects.order_by("pk").values()),
        "jobs": list(JobRun.objects.order_by("pk").values()),
        "tokens": list(ApiToken.objects.order_by("pk").values("pk", "user", "key_hash", "revoked_at", "expires_at")),
        "notices": list(Notice.objects.order_by("pk").values()),
        "objections": list(Objection.objects.order_by("pk").values()),
        "transitions": list(HouseholdTransition.objects.order_by("pk").values()),
        "attachments": list(TransitionAttachment.objects.order_by("pk").values()),
        "plan_reports": list(ProgressReport.objects.order_by("pk").values()),
        "plan_findings": list(PlanFinding.objects.order_by("pk").values()),
        "plan_accountability": list(Accountability.objects.order_by("pk").values()),
        "plans": list(Plan.objects.order_by("pk").values()),
        "plan_measures": list(PlanMeasure.objects.order_by("pk").values()),
        "plan_measure_units": list(MeasureUnit.objects.order_by("pk").values()),
        "plan_tasks": list(PlanTask.objects.order_by("pk").values()),
        "plan_task_units": list(PlanTask.cooperating.through.objects.order_by("pk").values()),
        "helpers": list(HelperAssignment.objects.order_by("pk").values()),
        "teams": list(WorkTeam.objects.order_by("pk").values()),
        "proposals": list(ProposedChange.objects.order_by("pk").values()),
        "team_members": list(WorkTeamMember.objects.order_by("pk").values()),
        "audit": AuditEntry.objects.count(),
        "assessments": list(HouseholdAssessment.objects.order_by("pk").values("pk", "household", "verdict")),
        "policy": list(PolicyVersion.objects.order_by("pk").values()),
        "findings": list(Finding.objects.order_by("pk").values()),
        "crosscheck_runs": list(CrosscheckRun.objects.order_by("pk").values("pk")),
        "projects": list(Project.objects.order_by("pk").values()),
        "project_steps": list(ProjectStep.objects.order_by("pk").values()),
        "project_docs": list(ProjectAttachment.objects.order_by("pk").values()),
        "beneficiaries": list(Beneficiary.objects.order_by("pk").values()),
        "assets": list(Asset.objects.order_by("pk").values()),
        "payouts": list(AssetPayout.objects.order_by("pk").values()),
        "public_submissions": PublicSubmission.objects.count(),
        "monitoring_cases": list(MonitoringCase.objects.order_by("pk").values()),
        "monitoring_steps": list(CaseStep.objects.order_by("pk").values()),
        "monitoring_measures": list(CaseMeasure.objects.order_by("pk").values()),
        "inbox": list(Message.objects.order_by("pk").values()),
        "tickets": list(Ticket.objects.order_by("pk").values()),
        "ticket_steps": list(TicketStep.objects.order_by("pk").values()),
        "measures": list(Measure.objects.order_by("pk").values()),
        "suggestion_decisions": list(SuggestionDecision.objects.order_by("pk").values()),
        "point_entries": list(PointEntry.objects.order_by("pk").values()),
        "point_accounts": list(PointAccount.objects.order_by("pk").values()),
        "loans": list(Loan.objects.order_by("pk").values()),
        "loan_instalments": list(LoanInstalment.objects.order_by("pk").values()),
        "loan_repayments": list(LoanRepayment.objects.order_by("pk").values()),
        "credit_ratings": list(CreditRating.objects.order_by("pk").values()),
        "awards": list(Award.objects.order_by("pk").values()),
    }


def village_snapshot(world: World) -> dict[str, Any]:
    """The rows of other people and other villages: personal routes may change only cadre_a1's own."""
    snap = snapshot()
    own_token = world.tokens["a1"][0].pk
    snap["jobs"] = [j for j in snap["jobs"] if j["created_by_id"] != world.personas.cadre_a1.pk]
    snap["tokens"] = [t for t in snap["tokens"] if t["user"] != world.personas.cadre_a1.pk or t["pk"] == own_token]
    snap["inbox"] = [m for m in snap["inbox"] if m["user_id"] != world.personas.cadre_a1.pk]
    del snap["audit"]
    return snap


def client_for(world: World, user: Any, auth: str) -> Client:
    if auth == "token":
        if user != world.personas.cadre_a1:
            return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user, name='另一人的令牌')[1]}")
        return Client(HTTP_AUTHORIZATION=f"Bearer {world.tokens['a1'][1]}")
    client = Client()
    client.force_login(user)
    return client


def url_of(route: str, pk: int | str = "") -> str:
    spec = ROUTES[route]
    if spec.path:
        return spec.path.replace("{pk}", str(pk)).replace("{work_year}", str(income_years()[0]))
    return "/" + re.sub(r"<[^>]+>", str(pk), route)


def call(client: Client, method: str, path: str, data: dict[str, Any] | None = None, *, json_body: bool = False) -> Any:
    if json_body and method != "GET":
        return getattr(client, method.lower())(path, data or {}, content_type="application/json")
    return getattr(client, method.lower())(path, data or {})


def call_route(client: Client, route: str, method: str, pk: int | str) -> Any:
    """A request to an OBJECT route with the route's own body, so the body is valid and the lookup decides."""
    spec = ROUTES[route]
    data = spec.data(pk) if callable(spec.data) else spec.data
    return call(client, method, url_of(route, pk), data, json_body=spec.json)


def text_of(response: Any) -> str:
    """The body as text; JSON is re-encoded without \\u escapes so Chinese markers are found too, a
    PDF's text is extracted (its content streams are compressed), and a workbook (exports, reports)
    is read cell by cell."""
    raw = getattr(response, "walk_body", None)
    if raw is None:  # a file download streams, and its stream can be read only once
        raw = response.walk_body = b"".join(response.streaming_content) if response.streaming else response.content
    body: str = raw.decode("utf-8", errors="replace")
    if response.get("Content-Type", "").startswith("application/json"):
        body = json.dumps(json.loads(body), ensure_ascii=False)
    if response.get("Content-Type", "") == "application/pdf" and raw.startswith(b"%PDF-"):
        # An uploaded attachment need not be a well-formed PDF: then its bytes are searched as they are.
        with contextlib.suppress(PyPdfError):
            body = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(raw)).pages)
    elif response.get("Content-Type", "") == XLSX_TYPE:
        body = workbook_text(raw)
    return body + str(response.get("Location") or "")


def workbook_text(raw: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(BytesIO(raw), read_only=True)
    return "\n".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
                     if v is not None)


def assert_no_foreign_data(world: World, response: Any, where: str, *, divisions: bool = False) -> None:
    """``divisions``: the division tree's names and codes are public (统计用区划代码) and may be listed."""
    body = text_of(response)
    public = set(Area.objects.values_list("name", flat=True)) | set(Area.objects.values_list("code", flat=True))
    leaked = [m for m in world.foreign_markers if m in body and not (divisions and m in public)]
    assert not leaked, f"{where} shows data of another village or user: {leaked}"


def with_auth(routes: list[str]) -> list[tuple[str, str]]:
    """Each route with the session; API routes also with cadre_a1's bearer token."""
    return [(r, "session") for r in routes] + [(r, "token") for r in routes if r.startswith("api/")]


# --- the table is complete -----------------------------------------------------------------------


def test_it_classifies_every_route():
    found = discovered_routes()
    unclassified = sorted(found - set(ROUTES))
    assert not unclassified, f"classify these routes in ROUTES (test_access_walk.py): {unclassified}"
    stale = sorted(set(ROUTES) - found)
    assert not stale, f"ROUTES lists routes that no longer exist: {stale}"


def test_it_classifies_every_api_operation():
    schema = api.get_openapi_schema()
    operations = {(method.upper(), path) for path, ops in schema["paths"].items() for method in ops}
    assert operations == set(API_OPERATIONS), f"classify API operations: {operations ^ set(API_OPERATIONS)}"
    assert set(API_OPERATIONS.values()) <= set(API)
    assert all(ROUTES[route].method == method for (method, _), route in API_OPERATIONS.items())


def test_it_registers_no_village_data_in_the_admin():
    registered = {f"{m._meta.app_label}/{m._meta.model_name}" for m in admin.site._registry}
    assert registered == set(ADMIN_MODELS)
    assert not registered & {"registry/household", "registry/member", "registry/incomerecord", "areas/area",
                             "accounts/user", "core/auditentry"}


# --- OBJECT routes: other villages' objects are indistinguishable from missing ones --------------


@pytest.mark.parametrize(("route", "auth"), with_auth(routes_of(OBJECT)))
def test_it_answers_other_villages_objects_like_missing_ones(world, route, auth):
    spec = ROUTES[route]
    client = client_for(world, world.personas.cadre_a1, auth)
    _, foreign = world.targets(spec.target)
    before = snapshot()
    for method in METHODS:
        missing = call_route(client, route, method, MISSING_PK)
        assert missing.status_code in (404, 405), (method, route, missing.status_code)
        for pk in foreign:
            response = call_route(client, route, method, pk)
            assert (response.status_code, response.content) == (missing.status_code, missing.content), (method, pk)
            assert_no_foreign_data(world, response, f"{method} {route}")
    refused = call_route(client, route, spec.method, foreign[-1])
    assert refused.status_code == 404, "the route's own method must look the object up and refuse it"
    assert snapshot() == before, f"a refused request to {route} changed data"


@pytest.mark.parametrize(("route", "auth"), with_auth(routes_of(OBJECT)))
def test_it_serves_the_cadre_s_own_object(world, route, auth):
    spec = ROUTES[route]
    client = client_for(world, getattr(world.personas, spec.actor), auth)
    own, _ = world.targets(spec.target)
    before = snapshot()
    response = call_route(client, route, spec.method, own)
    assert response.status_code == spec.status, response.content[:300]
    assert_no_foreign_data(world, response, route)
    if spec.method == "GET":
        assert OWN_MARKERS[spec.target] in text_of(response), f"{route} does not show a1's own object"
    if spec.method == "POST":
        assert snapshot() != before, "the permitted write must change something, or the refusal proves nothing"


# --- LIST and SUMMARY routes: only a1's rows, whatever the filters ask for -----------------------


def _foreign_filters(world: World) -> list[dict[str, Any]]:
    a = world.personas.areas
    return [{}, {"village": a.village_b1.pk}, {"village": a.village_a2.pk}, {"township": a.town_b.pk},
            {"q": "H-B1"}, {"q": "zs"}, {"level": "village"}, {"current": "false"}, {"limit": 500}]


@pytest.mark.parametrize(("route", "auth"), with_auth(routes_of(LIST)))
def test_it_lists_only_the_cadre_s_village(world, route, auth):
    spec = ROUTES[route]
    client = client_for(world, world.personas.cadre_a1, auth)
    response = call(client, "GET", url_of(route))
    assert response.status_code == 200
    for shown in spec.shows:
        assert shown in text_of(response), f"{route} misses cadre_a1's own {shown}"
    for params in _foreign_filters(world):
        response = call(client, "GET", url_of(route), params)
        assert response.status_code == 200, (params, response.content[:300])
        assert_no_foreign_data(world, response, f"{route}?{params}")


@pytest.mark.parametrize("route", routes_of(SUMMARY))
def test_it_counts_only_the_cadre_s_village(world, route):
    client = client_for(world, world.personas.cadre_a1, "session")
    response = call(client, "GET", url_of(route))
    assert response.status_code == 200
    assert response.context["totals"]["total"] == 1
    assert response.context["members"] == Member.objects.filter(household=world.households["a1"]).count()
    assert response.context["villages"] == 1
    assert_no_foreign_data(world, response, route)


# --- CAPABILITY routes: 403 for cadre_a1, open to a persona holding the capability ---------------


@pytest.mark.parametrize(("route", "auth"), with_auth(routes_of(CAPABILITY)))
def test_it_refuses_capability_routes_to_a_village_cadre(world, route, auth):
    spec = ROUTES[route]
    client = client_for(world, world.personas.cadre_a1, auth)
    before = snapshot()
    response = call(client, spec.method, url_of(route), spec.data, json_body=spec.json)
    assert response.status_code == 403
    if route.startswith("api/"):
        assert response.json()["code"] == "FORBIDDEN"
    assert snapshot() == before
    allowed = call(client_for(world, getattr(world.personas, spec.allowed), "session"), spec.method, url_of(route),
                   spec.data, json_body=spec.json)
    assert allowed.status_code == spec.status


# --- reads of personal data: each one an audit entry naming the viewer and the rows shown -----------

READ_TARGETS = {"registry.household": "household", "registry.member": "member", "crosscheck.finding": "finding",
                "hotline.ticket": "ticket",
                "monitoring.monitoringcase": "case", "measures.measure": "help_measure"}


@pytest.mark.parametrize(("route", "auth"), with_auth([r for r, spec in ROUTES.items() if spec.reads]))
def test_it_logs_every_read_of_personal_data_with_the_rows_shown(world, route, auth):
    spec = ROUTES[route]
    own, foreign = world.targets(READ_TARGETS[spec.reads])
    last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    response = call(client_for(world, world.personas.cadre_a1, auth), "GET", url_of(route, own))
    assert response.status_code == 200
    reads = list(AuditEntry.objects.filter(seq__gt=last, action="read"))
    assert len(reads) == 1, f"{route} must log one read, logged {len(reads)}"
    entry = reads[0]
    assert (entry.actor, entry.object_type) == (world.personas.cadre_a1, spec.reads)
    assert own in entry.changes["ids"] and not set(entry.changes["ids"]) & set(foreign)
    assert entry.area_path.startswith(world.personas.areas.village_a1.path), "the read belongs to the village shown"
    assert entry.changes["full_id_numbers"] is False


def test_a_read_asking_for_full_id_numbers_logs_it_and_masks_an_id_typed_in_the_search(world):
    client = client_for(world, world.personas.admin, "session")
    member = Member.objects.filter(household=world.households["a1"]).earliest("pk")
    response = client.get("/crosscheck/findings/", {"reveal": "1", "q": member.id_number})
    assert response.status_code == 200
    entry = AuditEntry.objects.filter(action="read").latest("seq")
    assert entry.changes["full_id_numbers"] is True and entry.actor == world.personas.admin
    assert member.id_number not in json.dumps(entry.changes, ensure_ascii=False)
    assert entry.changes["query"]["q"] == member.id_number[:4] + "*" * 10 + member.id_number[-4:]


# --- PERSONAL and PUBLIC routes: no village data --------------------------------------------------


@pytest.mark.parametrize(("route", "auth"), with_auth(routes_of(PERSONAL, PUBLIC)))
def test_it_shows_no_village_data_on_personal_and_public_routes(world, route, auth):
    spec = ROUTES[route]
    client = client_for(world, world.personas.cadre_a1, auth)
    before = village_snapshot(world)
    data = {"name": "新令牌", "days": 30} if route == "accounts/me/tokens/" else {"language": "en"}
    response = call(client, spec.method, url_of(route), data if spec.method == "POST" else None)
    assert response.status_code == spec.status, response.content[:300]
    assert_no_foreign_data(world, response, route, divisions=spec.divisions)
    assert village_snapshot(world) == before


def test_it_creates_tokens_only_for_the_signed_in_user(world):
    client = client_for(world, world.personas.cadre_a1, "session")
    client.post(url_of("accounts/me/tokens/"), {"name": "新令牌", "days": 30})
    assert ApiToken.objects.get(name="新令牌").user == world.personas.cadre_a1


# --- the Django admin: superusers only -------------------------------------------------------------


def _admin_path(world: World, route: str) -> str:
    path = url_of(route, world.households["b1"].pk)
    ct = ContentType.objects.get_for_model(Household).pk
    return path.replace(f"/r/{world.households['b1'].pk}/", f"/r/{ct}/", 1)


@pytest.mark.parametrize("persona", ["cadre_a1", "admin"])
def test_it_sends_non_staff_users_to_the_admin_login_on_every_admin_route(world, persona):
    client = client_for(world, getattr(world.personas, persona), "session")
    before = snapshot()
    for route in routes_of(ADMIN):
        path = _admin_path(world, route)
        if route == "admin/logout/":
            continue  # signing out exposes nothing; checked below
        response = call(client, "GET", path)
        assert_no_foreign_data(world, response, path)
        if route == "admin/login/":
            assert response.status_code == 200 and b'name="password"' in response.content
            continue
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), path
        posted = call(client, "POST", path, {"name": "x"})
        assert posted.status_code == 302 and posted["Location"].startswith("/admin/login/"), path
    assert snapshot() == before
    assert call(client, "POST", "/admin/logout/").status_code in (200, 302)


def test_it_opens_the_admin_to_a_superuser(world):
    client = client_for(world, world.personas.superuser, "session")
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "H-A1-0001" not in response.content.decode()
