"""The department lists (部门比对数据, IMPORT-TEMPLATE.md) as data: their columns, and who may load them.

Each dataset is one sheet definition of the import framework (:mod:`fupin.core.imports.sheets`):
身份证号 and 姓名 always, plus the dataset's own columns. Every list is stored in one table
(:class:`fupin.crosscheck.models.ListRow`) whose generic columns each dataset uses as below; the
column ``key`` of a sheet column is the ListRow field it is stored in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.core.imports.sheets import Column, Sheet


class Dataset(models.TextChoices):
    DEATHS = "DEATHS", _("公安死亡")
    PUBLIC_EMPLOYEES = "PUBLIC_EMPLOYEES", _("财政供养人员")
    VEHICLES = "VEHICLES", _("车辆登记")
    PROPERTIES = "PROPERTIES", _("房产登记")
    BUSINESSES = "BUSINESSES", _("工商注册")
    MEDICAL_INSURANCE = "MEDICAL_INSURANCE", _("医保参保")
    STUDENTS = "STUDENTS", _("学籍")
    DIBAO = "DIBAO", _("低保特困")
    MEDICAL_EXPENSES = "MEDICAL_EXPENSES", _("医保大额自付")
    DISASTER = "DISASTER", _("应急受灾")


OPERATING = ("存续", "在业", "开业", "正常", "迁入")
"""经营状态 values of an operating business (BUSINESS_OWNER); the others mean it no longer operates."""
NOT_OPERATING = ("停业", "歇业", "迁出", "注销", "吊销", "撤销")
DIBAO_CATEGORIES = ("低保", "特困")

_ID = Column("身份证号", "id_number", "id_number", required=True)
_NAME = Column("姓名", "name", "text", required=True, max_length=30)


def _sheet(dataset: Dataset, *extra: Column) -> Sheet:
    return Sheet(str(dataset.label), dataset.value, (_ID, _NAME, *extra))


SHEETS: dict[str, Sheet] = {
    Dataset.DEATHS: _sheet(Dataset.DEATHS, Column("死亡日期", "event_date", "date", required=True)),
    Dataset.PUBLIC_EMPLOYEES: _sheet(Dataset.PUBLIC_EMPLOYEES, Column("单位", "text_a", "text", max_length=200)),
    Dataset.VEHICLES: _sheet(Dataset.VEHICLES, Column("号牌号码", "text_b", "text", max_length=20),
                             Column("车辆价值", "amount", "money", required=True)),
    Dataset.PROPERTIES: _sheet(Dataset.PROPERTIES, Column("坐落", "text_a", "text", max_length=200),
                               Column("面积", "amount", "decimal")),
    Dataset.BUSINESSES: _sheet(Dataset.BUSINESSES, Column("企业名称", "text_a", "text", max_length=200),
                               Column("经营状态", "text_b", "code", required=True, values=OPERATING + NOT_OPERATING)),
    Dataset.MEDICAL_INSURANCE: _sheet(Dataset.MEDICAL_INSURANCE,
                                      Column("参保年度", "year", "year", required=True, min_value=2013, max_value=2030)),
    Dataset.STUDENTS: _sheet(Dataset.STUDENTS, Column("学校", "text_a", "text", max_length=200),
                             Column("年级", "text_b", "text", max_length=20)),
    Dataset.DIBAO: _sheet(Dataset.DIBAO, Column("类别", "text_b", "code", required=True, values=DIBAO_CATEGORIES)),
    Dataset.MEDICAL_EXPENSES: _sheet(Dataset.MEDICAL_EXPENSES,
                                     Column("年度", "year", "year", required=True, min_value=2013, max_value=2030),
                                     Column("自付金额", "amount", "money", required=True)),
    Dataset.DISASTER: _sheet(Dataset.DISASTER, Column("受灾日期", "event_date", "date", required=True),
                             Column("损失金额", "amount", "money")),
}

# Which departments (accounts.Department.code, as seeded by seed-reference) hand over which lists.
# District staff who may run a cross-check (crosscheck.run) may load every list.
DEPARTMENT_DATASETS: dict[str, tuple[str, ...]] = {
    "public-security": (Dataset.DEATHS, Dataset.VEHICLES),
    "transport": (Dataset.VEHICLES,),
    "finance": (Dataset.PUBLIC_EMPLOYEES,),
    "hr-social-security": (Dataset.PUBLIC_EMPLOYEES,),
    "housing": (Dataset.PROPERTIES,),
    "commerce": (Dataset.BUSINESSES,),
    "industry-it": (Dataset.BUSINESSES,),
    "medical-insurance": (Dataset.MEDICAL_INSURANCE, Dataset.MEDICAL_EXPENSES),
    "health": (Dataset.MEDICAL_EXPENSES,),
    "education": (Dataset.STUDENTS,),
    "civil-affairs": (Dataset.DIBAO,),
    "emergency": (Dataset.DISASTER,),
    "fupin-office": tuple(Dataset),
}


@dataclass(frozen=True)
class FindingDef:
    code: str
    dataset: str
    kind: str
    label: Any
    """Chinese label (lazily translated)."""


class Kind(models.TextChoices):
    CORRECTION = "correction", _("数据纠错")
    EXCLUSION = "exclusion", _("不符合识别条件")
    CANDIDATE = "candidate", _("疑似漏评")
    SIGNAL = "signal", _("风险预警")


FINDINGS: dict[str, FindingDef] = {f.code: f for f in (
    FindingDef("DECEASED_ACTIVE", Dataset.DEATHS, Kind.CORRECTION, _("已死亡未减员")),
    FindingDef("PUBLIC_EMPLOYEE", Dataset.PUBLIC_EMPLOYEES, Kind.EXCLUSION, _("财政供养人员")),
    FindingDef("VEHICLE_OWNER", Dataset.VEHICLES, Kind.EXCLUSION, _("拥有车辆")),
    FindingDef("PROPERTY_OWNER", Dataset.PROPERTIES, Kind.EXCLUSION, _("拥有城镇商品房")),
    FindingDef("BUSINESS_OWNER", Dataset.BUSINESSES, Kind.EXCLUSION, _("经营企业")),
    FindingDef("NOT_INSURED", Dataset.MEDICAL_INSURANCE, Kind.CORRECTION, _("未参加基本医保")),
    FindingDef("NOT_ENROLLED", Dataset.STUDENTS, Kind.CORRECTION, _("义务教育阶段未在学籍")),
    FindingDef("DIBAO_MISMATCH", Dataset.DIBAO, Kind.CORRECTION, _("低保特困属性不符")),
    FindingDef("DIBAO_NOT_REGISTERED", Dataset.DIBAO, Kind.CANDIDATE, _("低保特困对象未纳入")),
    FindingDef("LARGE_MEDICAL_EXPENSE", Dataset.MEDICAL_EXPENSES, Kind.SIGNAL, _("大额医疗自付")),
    FindingDef("DISASTER_HIT", Dataset.DISASTER, Kind.SIGNAL, _("受灾")),
)}
NAME_MISMATCH = FindingDef("NAME_MISMATCH", "", Kind.CORRECTION, _("姓名不一致"))
"""Raised on any dataset (its ``dataset`` is the list where the names differ)."""
FINDING_LABELS: dict[str, Any] = {**{c: f.label for c, f in FINDINGS.items()}, NAME_MISMATCH.code: NAME_MISMATCH.label}
FINDING_KINDS: dict[str, str] = {**{c: str(f.kind) for c, f in FINDINGS.items()}, NAME_MISMATCH.code: str(Kind.CORRECTION)}
