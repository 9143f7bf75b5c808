from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.http import content_disposition_header
from ninja import Query, Router, Schema

from fupin.accounts.access import can, ensure_can
from fupin.accounts.roles import Cap
from fupin.core.actors import acting_user
from fupin.core.api_errors import ERROR_SCHEMA, ERRORS
from fupin.core.api_types import Id, Limit, Offset, Text
from fupin.core.filters import parsed
from fupin.core.imports.report import XLSX_TYPE
from fupin.core.reads import personal_data_read
from fupin.registry import exporting, selectors
from fupin.registry.blank_template import TEMPLATE_FILENAME, registry_template_bytes
from fupin.registry.filters import HouseholdFilter
from fupin.registry.models import Household, IncomeRecord, Member

router = Router(tags=["registry"])


class HouseholdFilterIn(Schema):
    q: Text = ""
    township: Id | None = None
    village: Id | None = None
    status: Text = ""
    attribute: Text = ""
    offset: Offset = 0
    limit: Limit = 50


class HouseholdOut(Schema):
    id: int
    household_no: str
    village_code: str
    village_name: str
    attribute: str
    status: str | None
    poverty_status: str
    identified_year: int | None
    exit_year: int | None
    member_count: int


class MemberOut(Schema):
    id: int
    name: str
    id_number: str
    sex: str
    birth_date: str
    relation: str


class IncomeOut(Schema):
    year: int
    wage_income: Decimal
    business_income: Decimal
    property_income: Decimal
    transfer_income: Decimal
    business_expense: Decimal
    net_income: Decimal


class HouseholdDetailOut(HouseholdOut):
    members: list[MemberOut]
    incomes: list[IncomeOut]


class HouseholdPage(Schema):
    count: int
    items: list[HouseholdOut]


def _household_out(h: Household, member_count: int) -> HouseholdOut:
    return HouseholdOut(id=h.pk, household_no=h.household_no, village_code=h.village.code,
                        village_name=h.village.name, attribute=h.attribute, status=h.status,
                        poverty_status=h.poverty_status_label, identified_year=h.identified_year,
                        exit_year=h.exit_year, member_count=member_count)


def _member_out(m: Member, full: bool) -> MemberOut:
    return MemberOut(id=m.pk, name=m.name, id_number=m.id_number if full else m.masked_id, sex=m.sex,
                     birth_date=m.birth_date.isoformat(), relation=m.relation)


def _income_out(i: IncomeRecord) -> IncomeOut:
    return IncomeOut(year=i.year, wage_income=i.wage_income, business_income=i.business_income,
                     property_income=i.property_income, transfer_income=i.transfer_income,
                     business_expense=i.business_expense, net_income=i.net_income)


@router.get("/households", response=HouseholdPage)
def household_list(request: HttpRequest, filters: Query[HouseholdFilterIn]) -> HouseholdPage:
    ensure_can(request.user, Cap.REGISTRY_VIEW)
    qs = selectors.household_list(request.user, **parsed(HouseholdFilter(filters.dict(exclude={"offset", "limit"}))))
    rows = selectors.household_rows(qs[filters.offset: filters.offset + filters.limit])
    personal_data_read(actor=acting_user(request), rows=[r.household for r in rows], view="api.registry.households",
                       query=filters.dict())
    items = [_household_out(row.household, row.member_count) for row in rows]
    return HouseholdPage(count=qs.count(), items=items)


@router.get("/households/{household_id}", response=HouseholdDetailOut)
def household_detail(request: HttpRequest, household_id: Id, full_id: bool = False) -> HouseholdDetailOut:
    ensure_can(request.user, Cap.REGISTRY_VIEW)
    household = selectors.household_get(request.user, household_id)
    full = full_id and can(request.user, Cap.REGISTRY_FULL_ID)
    personal_data_read(actor=acting_user(request), rows=[household], view="api.registry.household", full_ids=full)
    members = list(household.members.all())
    return HouseholdDetailOut(**_household_out(household, household.member_total).dict(),
                              members=[_member_out(m, full) for m in members],
                              incomes=[_income_out(i) for i in household.incomes.all()])


class ExportFilter(Schema):
    q: Text = ""
    township: Id | None = None
    village: Id | None = None
    status: Text = ""
    attribute: Text = ""


def _xlsx_doc(description: str, *errors: int) -> dict[str, object]:
    content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}}}
    return {"responses": {200: {"description": description, "content": {
        XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}}},
        **{status: {"description": ERRORS[status], "content": content} for status in errors}}}


@router.get("/export", openapi_extra=_xlsx_doc(
    "标准导入模板格式的 .xlsx（户信息、家庭成员、收支情况），导回即无变化 / the registry in the import template", 413),
    summary="导出名册 / export the registry")
def registry_export(request: HttpRequest, filters: Query[ExportFilter]) -> HttpResponseBase:
    """本人可见范围内、按筛选条件的户及其成员和收支（需 registry.export）。超过
    REGISTRY_EXPORT_DIRECT_MAX 户时拒绝（413），请用页面导出或 `fupin export-registry`。/ What the caller may
    see, filtered as the household list; larger exports are refused with 413 (use the page or the CLI)."""
    ensure_can(request.user, Cap.REGISTRY_EXPORT)
    params = parsed(HouseholdFilter(filters.dict()))
    households = exporting.export_households(request.user, params)
    exporting.ensure_direct_export(households)
    return exporting.export_response(households, actor=acting_user(request), filters=params)


@router.get("/template", openapi_extra=_xlsx_doc("空白导入模板（含下拉列表与填写说明）/ the blank import template"),
            summary="空白导入模板 / blank import template")
def registry_template(request: HttpRequest) -> HttpResponseBase:
    response = HttpResponse(registry_template_bytes(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, TEMPLATE_FILENAME)
    return response
