from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.http import content_disposition_header
from ninja import Query, Router, Schema, Status
from pydantic import Field

from fupin.accounts.access import can, ensure_can
from fupin.accounts.roles import Cap
from fupin.areas.models import Area
from fupin.areas.scoping import get_visible_or_404
from fupin.core.actors import acting_user
from fupin.core.api_errors import ERROR_SCHEMA, ERRORS
from fupin.core.api_types import BodyIn, Day, Id, Limit, Offset, Text, Year
from fupin.core.errors import BadInput
from fupin.core.filters import parsed
from fupin.core.imports.report import XLSX_TYPE
from fupin.core.reads import personal_data_read
from fupin.registry import editing, exporting, selectors
from fupin.registry.blank_template import TEMPLATE_FILENAME, registry_template_bytes
from fupin.registry.editing import (
    HEAD,
    HOUSEHOLD_FIELDS,
    INCOME_FIELDS,
    MEMBER_FIELDS,
    Edit,
    EditRefused,
    field_of,
    masked_account,
)
from fupin.registry.filters import HouseholdFilter
from fupin.registry.models import VERSION_MAX, Household, IncomeRecord, Member

T = TypeVar("T")

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


# --- edits (ADR 0026) ------------------------------------------------------------------------------------
# Each write goes through the editing services, which check it with the import's rules. The body carries the
# household's ``version`` the caller read (a stale one answers 409 CONCURRENT_CHANGE and changes nothing), the day
# the new facts hold from (``valid_from``, default today) and a ``reason``. A refusal answers 422 in the envelope
# with ``problems``: each rule's code and sentences, and the field it is about (nothing is written).

Version = Annotated[int, Field(ge=0, le=VERSION_MAX, description="读取时户的版本号 / the household's version you read")]


class EditIn(BodyIn):
    version: Version
    valid_from: Day | None = None
    reason: Text = ""


class _HouseholdCommon(Schema):
    main_cause: Text | None = None
    other_causes: list[Text] | None = None
    food_secure: bool | None = None
    clothing_secure: bool | None = None
    housing_grade: Text | None = None
    housing_renovated: bool | None = None
    relocated: bool | None = None
    safe_water: bool | None = None
    phone: Text | None = None
    address: Text | None = None
    bank_name: Text | None = None
    bank_account: Text | None = None


class _MemberCommon(Schema):
    name: Text | None = None
    ethnicity: Text | None = None
    education: Text | None = None
    schooling: Text | None = None
    home_schooling: bool | None = None
    health: Text | None = None
    disability_level: Text | None = None
    labour: Text | None = None
    work_location: Text | None = None
    work_months: int | None = None
    medical_insurance: bool | None = None
    serious_illness_insurance: bool | None = None
    pension_insurance: bool | None = None
    dibao: bool | None = None
    extreme_poverty_support: bool | None = None


class HouseholdFactsIn(EditIn, _HouseholdCommon):
    """The facts to change (codes as in the model: ``illness``, ``B``…); a field left out stays as it is, ``null``
    clears it."""

    attribute: Text | None = None


class MemberFactsIn(EditIn, _MemberCommon):
    """The facts to change; a field left out stays as it is, ``null`` clears it. The head changes only by naming
    a new head (``…/head``)."""

    relation: Text | None = None


class MemberAddIn(MemberFactsIn):
    id_number: Text
    event: Text = Field(description="birth 新生儿 / married_in 婚入 / moved_in 迁入")


class MemberRemovalIn(EditIn):
    removal_reason: Text = Field(description="death / married_out / moved_out / other")


class HeadChangeIn(EditIn):
    new_head: Id = Field(description="新户主（本户现有成员）的编号 / the id of the member who becomes head")
    old_head_relation: Text = Field(description="原户主与新户主的关系 / the former head's relation to the new head")


Amount = Annotated[Decimal, Field(allow_inf_nan=False)]


class IncomeLineIn(EditIn):
    """The whole line of the year (a field left out is blank)."""

    wage_income: Amount | None = None
    business_income: Amount | None = None
    property_income: Amount | None = None
    transfer_income: Amount | None = None
    business_expense: Amount | None = None
    medical_out_of_pocket: Amount | None = None
    education_expense: Amount | None = None
    disaster_loss: Amount | None = None


class ApplicantIn(BodyIn, _HouseholdCommon, _MemberCommon):
    """A household asking to be identified (一般农户), with its head (``id_number``, ``name`` and the head's facts)."""

    id_number: Text
    valid_from: Day | None = None
    reason: Text = ""


class HouseholdFactsOut(Schema):
    id: int
    household_no: str
    village_code: str
    version: int
    head_id: int | None
    status: str | None
    attribute: str
    main_cause: str
    other_causes: list[str]
    food_secure: bool | None
    clothing_secure: bool | None
    housing_grade: str
    housing_renovated: bool | None
    relocated: bool | None
    safe_water: bool | None
    phone: str
    address: str
    bank_name: str
    bank_account: str
    """Masked: the last four digits."""


class MemberFactsOut(Schema):
    id: int
    household_id: int
    household_version: int
    name: str
    id_number: str
    sex: str
    birth_date: date
    relation: str
    ethnicity: str
    education: str
    schooling: str
    home_schooling: bool | None
    health: str
    disability_level: str
    labour: str
    work_location: str
    work_months: int | None
    medical_insurance: bool | None
    serious_illness_insurance: bool | None
    pension_insurance: bool | None
    dibao: bool | None
    extreme_poverty_support: bool | None
    removed_on: date | None
    removal_reason: str


class IncomeLineOut(Schema):
    household_id: int
    household_version: int
    year: int
    wage_income: Decimal
    business_income: Decimal
    property_income: Decimal
    transfer_income: Decimal
    business_expense: Decimal
    medical_out_of_pocket: Decimal | None
    education_expense: Decimal | None
    disaster_loss: Decimal | None
    net_income: Decimal


class EditProblemOut(Schema):
    code: str
    field: str
    column: str
    value: str
    rule_zh: str
    rule_en: str


class EditRefusedOut(Schema):
    """The error envelope of a refused edit, with each problem: the rule's code and sentences, and its field."""

    message: str
    code: str
    fields: dict[str, list[str]]
    problems: list[EditProblemOut] = []


def _editable(request: HttpRequest, household_id: int) -> Household:
    household = get_visible_or_404(Household.objects.select_related("village"), request.user, pk=household_id)
    ensure_can(request.user, Cap.REGISTRY_EDIT)
    return household


def _edit(request: HttpRequest, payload: EditIn | ApplicantIn) -> Edit:
    return Edit(actor=acting_user(request), version=getattr(payload, "version", None), valid_from=payload.valid_from,
                reason=payload.reason, source="api")


def _given(payload: Schema, fields: Sequence[str]) -> dict[str, Any]:
    """The fields the caller sent (PATCH): the others stay as they are."""
    return {name: getattr(payload, name) for name in fields if name in payload.model_fields_set}


def _written(write: Callable[[], T], status: int = 200) -> Status[T | EditRefusedOut]:
    try:
        return Status(status, write())
    except EditRefused as refused:
        return Status(refused.status, EditRefusedOut(
            message=refused.message, code=refused.code, fields=refused.fields,
            problems=[EditProblemOut(code=p.code, field=field_of(p), column=p.column, value=p.value, rule_zh=p.rule_zh,
                                     rule_en=p.rule_en) for p in refused.problems]))


def _household_facts_out(h: Household) -> HouseholdFactsOut:
    head = Member.objects.filter(household=h, relation=HEAD).values_list("pk", flat=True).first()
    return HouseholdFactsOut(id=h.pk, household_no=h.household_no, village_code=h.village.code, version=h.version,
                             head_id=head, status=h.status, **{f: getattr(h, f) for f in HOUSEHOLD_FIELDS} | {
                                 "bank_account": masked_account(h.bank_account)})


def _member_facts_out(m: Member) -> MemberFactsOut:
    version = Household.objects.filter(pk=m.household_id).values_list("version", flat=True).get()
    return MemberFactsOut(id=m.pk, household_id=m.household_id, household_version=version, id_number=m.masked_id,
                          sex=m.sex, birth_date=m.birth_date, removed_on=m.removed_on, removal_reason=m.removal_reason,
                          **{f: getattr(m, f) for f in MEMBER_FIELDS})


def _income_line_out(i: IncomeRecord) -> IncomeLineOut:
    version = Household.objects.filter(pk=i.household_id).values_list("version", flat=True).get()
    return IncomeLineOut(household_id=i.household_id, household_version=version, year=i.year, net_income=i.net_income,
                         **{f: getattr(i, f) for f in INCOME_FIELDS})


EDIT_RESPONSES = {422: EditRefusedOut}


@router.patch("/households/{household_id}/facts", response={200: HouseholdFactsOut, **EDIT_RESPONSES},
              summary="修改户的基本情况 / change a household's facts")
def household_facts_update(request: HttpRequest, household_id: Id, payload: HouseholdFactsIn
                           ) -> Status[HouseholdFactsOut | EditRefusedOut]:
    household = _editable(request, household_id)
    values = _given(payload, HOUSEHOLD_FIELDS)
    return _written(lambda: _household_facts_out(editing.household_update(household, values, _edit(request, payload))))


@router.post("/households/{household_id}/members", response={201: MemberFactsOut, **EDIT_RESPONSES},
             summary="增加家庭成员（新生儿、婚入、迁入）/ add a member (birth, marriage, move)")
def member_create(request: HttpRequest, household_id: Id, payload: MemberAddIn
                  ) -> Status[MemberFactsOut | EditRefusedOut]:
    household = _editable(request, household_id)
    values = _given(payload, MEMBER_FIELDS)
    return _written(lambda: _member_facts_out(editing.member_add(
        household, values, payload.id_number, payload.event, _edit(request, payload))), 201)


def _member(request: HttpRequest, member_id: int) -> Member:
    member = get_visible_or_404(Member.objects.get_queryset().select_related("household__village"), request.user, pk=member_id)
    ensure_can(request.user, Cap.REGISTRY_EDIT)
    return member


@router.patch("/members/{member_id}", response={200: MemberFactsOut, **EDIT_RESPONSES},
              summary="修改成员信息 / change a member's facts")
def member_facts_update(request: HttpRequest, member_id: Id, payload: MemberFactsIn
                        ) -> Status[MemberFactsOut | EditRefusedOut]:
    member = _member(request, member_id)
    values = _given(payload, MEMBER_FIELDS)
    return _written(lambda: _member_facts_out(editing.member_update(member, values, _edit(request, payload))))


@router.post("/members/{member_id}/removal", response={200: MemberFactsOut, **EDIT_RESPONSES},
             summary="减少成员（死亡、婚嫁迁出、户籍迁出…）/ a member left the household")
def member_removal(request: HttpRequest, member_id: Id, payload: MemberRemovalIn
                   ) -> Status[MemberFactsOut | EditRefusedOut]:
    member = _member(request, member_id)
    return _written(lambda: _member_facts_out(editing.member_remove(member, payload.removal_reason,
                                                                    _edit(request, payload))))


NOT_A_MEMBER = "所选成员不是该户的现有成员 / the member named is not a current member of this household"


@router.post("/households/{household_id}/head", response={200: HouseholdFactsOut, **EDIT_RESPONSES},
             summary="变更户主 / name a new head")
def head_change(request: HttpRequest, household_id: Id, payload: HeadChangeIn
                ) -> Status[HouseholdFactsOut | EditRefusedOut]:
    household = _editable(request, household_id)
    new_head = Member.objects.filter(household=household, pk=payload.new_head).first()
    if new_head is None:
        raise BadInput(NOT_A_MEMBER, fields={"new_head": [NOT_A_MEMBER]})
    return _written(lambda: _household_facts_out(editing.head_change(household, new_head, payload.old_head_relation,
                                                                     _edit(request, payload))))


@router.put("/households/{household_id}/incomes/{year}", response={200: IncomeLineOut, **EDIT_RESPONSES},
            summary="填报或更正本年度、上一年度的收支 / enter or correct this year's or last year's income line")
def income_line_save(request: HttpRequest, household_id: Id, year: Year, payload: IncomeLineIn
                     ) -> Status[IncomeLineOut | EditRefusedOut]:
    household = _editable(request, household_id)
    values = {name: getattr(payload, name) for name in INCOME_FIELDS}
    return _written(lambda: _income_line_out(editing.income_save(household, year, values, _edit(request, payload))))


@router.post("/areas/{area_id}/applicants", response={201: HouseholdFactsOut, **EDIT_RESPONSES},
             summary="新增申请户（一般农户）及其户主 / a new applicant household with its head")
def applicant_create(request: HttpRequest, area_id: Id, payload: ApplicantIn
                     ) -> Status[HouseholdFactsOut | EditRefusedOut]:
    """村里申请识别的一般农户：之后用 ``POST /workflow/households/{id}/transitions``（action=apply）启动识别程序。/
    Then start identification with the workflow's ``apply`` step."""
    villages = Area.objects.filter(level=Area.Level.VILLAGE, valid_to__isnull=True)
    village = get_visible_or_404(villages, request.user, pk=area_id)
    ensure_can(request.user, Cap.REGISTRY_EDIT)
    household_values = _given(payload, [f for f in HOUSEHOLD_FIELDS if f != "attribute"])
    head_values = _given(payload, [f for f in MEMBER_FIELDS if f != "relation"])
    return _written(lambda: _household_facts_out(editing.applicant_create(
        village, household_values, head_values, payload.id_number, _edit(request, payload))), 201)
