"""The standard registry import template (IMPORT-TEMPLATE.md) as data.

One definition serves the import (header recognition, rules), the export (same headers, same
order), and the blank template (drop-down lists for every coded column). Its sheets and columns are
the import framework's (:mod:`fupin.core.imports.sheets`, where the column kinds are described).
"""

from __future__ import annotations

from fupin.core.imports.sheets import Column, Sheet
from fupin.registry import codes

POVERTY_STATUS = ("未脱贫", "已脱贫", "返贫", "非贫困户")
"""脱贫状态 labels; the import maps them to workflow states (RULES.md §3)."""


HOUSEHOLDS = Sheet("户信息", "households", (
    Column("户编号", "household_no", "text", required=True, max_length=32),
    Column("行政区划代码", "village_code", "division", required=True),
    Column("户主身份证号", "head_id_number", "id_number", required=True),
    Column("户属性", "attribute", "code", required=True, choices=codes.Attribute),
    Column("主要致贫原因", "main_cause", "code", required_when="registered", choices=codes.Cause),
    Column("其他致贫原因", "other_causes", "codes", choices=codes.Cause),
    Column("识别年度", "identified_year", "year", required_when="registered", min_value=2014, max_value=2020),
    Column("脱贫状态", "poverty_status", "code", required=True, values=POVERTY_STATUS),
    Column("脱贫年度", "exit_year", "year", required_when="exited", min_value=2014, max_value=2030),
    Column("不愁吃", "food_secure", "bool"),
    Column("不愁穿", "clothing_secure", "bool"),
    Column("住房安全等级", "housing_grade", "code", choices=codes.HousingGrade),
    Column("危房改造", "housing_renovated", "bool"),
    Column("易地搬迁", "relocated", "bool"),
    Column("饮水安全", "safe_water", "bool"),
    Column("联系电话", "phone", "text", max_length=20),
    # Optional columns beyond the national template (REFERENCE.md: 开户银行, 银行账号 of the household form): a file
    # without them leaves the stored values as they are.
    Column("家庭住址", "address", "text", max_length=100),
    Column("开户银行", "bank_name", "text", max_length=50),
    Column("银行账号", "bank_account", "text", max_length=30),
    # Written by the export, read back by the import: a household changed on the platform since the file was
    # exported is not overwritten by the file (ADR 0026). Optional: a file without it is the newer change.
    Column("数据版本", "version", "int", min_value=1, max_value=2_000_000_000),
))

MEMBERS = Sheet("家庭成员", "members", (
    Column("户编号", "household_no", "text", required=True, max_length=32),
    Column("姓名", "name", "text", required=True, max_length=30),
    Column("身份证号", "id_number", "id_number", required=True),
    Column("与户主关系", "relation", "code", required=True, choices=codes.Relation),
    Column("民族", "ethnicity", "code", values=tuple(codes.ETHNICITIES)),
    Column("文化程度", "education", "code", choices=codes.Education),
    Column("在校生状况", "schooling", "code", choices=codes.Schooling),
    Column("送教上门", "home_schooling", "bool"),
    Column("健康状况", "health", "code", choices=codes.Health),
    Column("残疾等级", "disability_level", "code", required_when="disabled", choices=codes.DisabilityLevel),
    Column("劳动能力", "labour", "code", choices=codes.Labour),
    Column("务工状况", "work_location", "code", choices=codes.WorkLocation),
    Column("务工时间(月)", "work_months", "int", min_value=0, max_value=12),
    Column("参加基本医保", "medical_insurance", "bool"),
    Column("参加大病保险", "serious_illness_insurance", "bool"),
    Column("参加养老保险", "pension_insurance", "bool"),
    Column("享受低保", "dibao", "bool"),
    Column("特困供养", "extreme_poverty_support", "bool"),
))

INCOMES = Sheet("收支情况", "incomes", (
    Column("户编号", "household_no", "text", required=True, max_length=32),
    Column("年度", "year", "year", required=True, min_value=2013, max_value=2030),
    Column("工资性收入", "wage_income", "money", required=True),
    Column("生产经营性收入", "business_income", "money", required=True),
    Column("财产性收入", "property_income", "money", required=True),
    Column("转移性收入", "transfer_income", "money", required=True),
    Column("生产经营性支出", "business_expense", "money", required=True),
    Column("医疗自付支出", "medical_out_of_pocket", "money"),
    Column("教育支出", "education_expense", "money"),
    Column("灾害损失", "disaster_loss", "money"),
))

SHEETS = (HOUSEHOLDS, MEMBERS, INCOMES)

