"""The registry template's own rules: the cross-column rules of its three sheets, and its phone column.

The import framework (:mod:`fupin.core.imports.checks`) checks every cell by its column kind; this
module adds what only the registry template has (脱贫状态 and the years it requires, one head per
household, the phone number) and registers the sentences of those rules. The rules that need the
registry's state (known villages, existing households and ID numbers) are in :mod:`import_links`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from fupin.core.imports.checks import GROUP, Findings, check_cells, duplicates
from fupin.core.imports.problems import register_rules, rule_text
from fupin.core.imports.read import SheetData
from fupin.core.imports.sheets import Sheet
from fupin.registry import codes, template

HH = GROUP
"""A registry row's group is its household: the household number ties members and incomes to it."""
STATUS_OF = {"未脱贫": "registered", "已脱贫": "exited", "返贫": "returned", "非贫困户": None}
"""脱贫状态 -> workflow state (RULES.md §3); 非贫困户 has none."""
REGISTERED_LABELS = ("未脱贫", "已脱贫", "返贫")
LINKED_CELLS = frozenset({"household_no", "village_code", "head_id_number", "id_number", "relation", "attribute"})
"""Text cells kept after a sheet's own checks: the registry rules show them as the problem's value."""
_MOBILE = r"^1[3-9][0-9]{9}$"
_LANDLINE = r"^(?:0[0-9]{2,3}[- ]?)?[0-9]{7,8}(?:-[0-9]{1,6})?$"

# code -> (Chinese, English): the registry template's rules, beside the framework's (fupin.core.imports.problems).
REGISTRY_RULES: dict[str, tuple[str, str]] = {
    "DIVISION_UNKNOWN": ("不是平台中已有的村级行政区划", "not a village-level division known to the platform"),
    "DIVISION_OUT_OF_SCOPE": ("该村不在您的管辖范围内", "this village is outside your area"),
    "PHONE_INVALID": ("应为11位手机号或固定电话（如 0395-1234567）",
                      "must be an 11-digit mobile number or a landline number (e.g. 0395-1234567)"),
    "BANK_ACCOUNT_INVALID": ("银行账号应为 8 至 30 位数字", "a bank account number has 8 to 30 digits"),
    "ID_DUPLICATE": ("身份证号在文件中重复（第 {rows} 行）", "the identity number appears more than once in the file "
                     "(rows {rows})"),
    "ID_IN_OTHER_HOUSEHOLD": ("该身份证号已登记在平台中的另一户", "this identity number is already registered in "
                              "another household"),
    # Households and their references.
    "HOUSEHOLD_NO_DUPLICATE": ("户编号在本表中重复（第 {rows} 行）", "the household number appears more than once in "
                               "this sheet (rows {rows})"),
    "HOUSEHOLD_OUT_OF_SCOPE": ("该户编号已登记在您管辖范围以外的村", "this household number is registered in a village "
                               "outside your area"),
    "HOUSEHOLD_UNKNOWN": ("户编号不在「户信息」表中，平台中也没有该户", "the household number is neither in sheet 户信息 "
                          "nor in the registry"),
    "HOUSEHOLD_NO_MEMBERS": ("该户没有家庭成员", "the household has no members"),
    "HOUSEHOLD_NO_HEAD": ("该户没有户主（与户主关系为“户主”的成员）", "the household has no head (a member whose "
                          "与户主关系 is 户主)"),
    "HOUSEHOLD_TWO_HEADS": ("该户有不止一名户主{where}", "the household has more than one head{where_en}"),
    "HEAD_ID_MISMATCH": ("与「家庭成员」中户主的身份证号不一致", "does not match the identity number of the household "
                         "head in sheet 家庭成员"),
    "MAIN_CAUSE_REQUIRED": ("贫困户（脱贫状态为未脱贫、已脱贫或返贫）必须填写主要致贫原因",
                            "required for a registered household (脱贫状态 未脱贫, 已脱贫 or 返贫)"),
    "IDENTIFIED_YEAR_REQUIRED": ("贫困户（脱贫状态为未脱贫、已脱贫或返贫）必须填写识别年度",
                                 "required for a registered household (脱贫状态 未脱贫, 已脱贫 or 返贫)"),
    "EXIT_YEAR_REQUIRED": ("脱贫状态为已脱贫时必须填写脱贫年度", "required when 脱贫状态 is 已脱贫"),
    "EXIT_BEFORE_IDENTIFIED": ("脱贫年度不能早于识别年度（{identified_year}）",
                               "must not be earlier than 识别年度 ({identified_year})"),
    "ATTRIBUTE_STATUS_MISMATCH": ("户属性为一般农户时脱贫状态应为非贫困户，反之亦然（脱贫状态：{status}）",
                                  "户属性 一般农户 goes with 脱贫状态 非贫困户 and only with it (脱贫状态: {status})"),
    "DISABILITY_LEVEL_REQUIRED": ("健康状况为残疾时必须填写残疾等级", "required when 健康状况 is 残疾"),
    "MEMBER_REMOVED": ("该成员已在平台上登记为从本户减少，导入不会恢复；如已返回本户，请在平台上添加成员",
                       "this member is recorded on the platform as having left the household; an import does not "
                       "bring them back: if they returned, add them on the platform"),
    "CHANGED_SINCE_EXPORT": ("该户在导出此文件后已在平台上修改（文件中的数据版本 {file}，平台上为 {registry}），"
                             "为免覆盖他人的修改，本次导入未写入任何数据；请重新导出该户，在新文件中修改后再导入",
                             "this household was changed on the platform after the file was exported (version {file} "
                             "in the file, {registry} on the platform); so as not to overwrite that change nothing "
                             "was written: export the household again and make the change in the new file"),
    "INCOME_YEAR_DUPLICATE": ("同一户同一年度只能有一行收支（第 {rows} 行）", "one income row per household and year "
                              "(rows {rows})"),
}
register_rules(REGISTRY_RULES)


def check_bank_account(df: pl.DataFrame, label: str, found: Findings) -> pl.DataFrame:
    """A bank card or passbook account: digits only (spaces and hyphens as written are dropped), 8 to 30 of them."""
    column = template.HOUSEHOLDS.column("bank_account")
    v = pl.col("bank_account")
    compact = v.str.replace_all(r"[ \-]", "")
    df = df.with_columns(pl.when(compact.str.contains(r"^[0-9]{8,30}$")).then(compact).alias("_bank_account"))
    found.flag(df, v.is_not_null() & pl.col("_bank_account").is_null(), label=label, header=column.header,
               value="bank_account", code="BANK_ACCOUNT_INVALID")
    return df


def check_phone(df: pl.DataFrame, label: str, found: Findings) -> pl.DataFrame:
    column = template.HOUSEHOLDS.column("phone")
    v = pl.col("phone")
    compact = v.str.replace_all(r"^\+86|[ ]", "")
    df = df.with_columns(pl.when(compact.str.contains(_MOBILE) | v.str.contains(_LANDLINE)).then(
        pl.when(compact.str.contains(_MOBILE)).then(compact).otherwise(v)).alias("_phone"))
    found.flag(df, v.is_not_null() & pl.col("_phone").is_null(), label=label, header=column.header, value="phone",
               code="PHONE_INVALID")
    return df


# --- the three sheets ----------------------------------------------------------------------------

@dataclass
class Checked:
    """The typed frames of the recognised sheets and the problems found in them so far."""

    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    present: dict[str, set[str]] = field(default_factory=dict)
    """Sheet key -> template keys of the columns the file has (absent columns are not overwritten)."""
    found: Findings = field(default_factory=Findings)
    stale: pl.DataFrame | None = None
    """Households whose 数据版本 is older than the registry's (:func:`~fupin.registry.import_links.stale_problems`)."""


def check_sheet(data: SheetData, checked: Checked, today: date) -> None:
    df = check_cells(data, checked.found, today, group="household_no", own={"phone": check_phone,
                                                                                  "bank_account": check_bank_account})
    rules = {"households": _household_rules, "members": _member_rules, "incomes": _income_rules}[data.sheet.key]
    df = rules(df, data.label, checked.found)
    # The text cells are no longer needed, except those the registry rules name in their problems.
    df = df.drop([c.key for c in data.sheet.columns if c.key not in LINKED_CELLS])
    checked.frames[data.sheet.key] = df
    checked.labels[data.sheet.key] = data.label
    checked.present[data.sheet.key] = set(data.columns)


def _household_rules(df: pl.DataFrame, label: str, found: Findings) -> pl.DataFrame:
    sheet = template.HOUSEHOLDS
    status = pl.col("_poverty_status")
    registered = status.is_in(REGISTERED_LABELS)
    duplicates(df, ["household_no"], label, "户编号", "household_no", "HOUSEHOLD_NO_DUPLICATE", found)
    for key, code in (("main_cause", "MAIN_CAUSE_REQUIRED"), ("identified_year", "IDENTIFIED_YEAR_REQUIRED")):
        found.flag(df, registered & pl.col(key).is_null(), label=label, header=sheet.column(key).header, value=key,
                   code=code)
    found.flag(df, (status == "已脱贫") & pl.col("exit_year").is_null(), label=label, header="脱贫年度",
               value="exit_year", code="EXIT_YEAR_REQUIRED")
    before = pl.col("_exit_year") < pl.col("_identified_year")
    zh, en = rule_text("EXIT_BEFORE_IDENTIFIED", identified_year="{}")
    found.flag(df, before, label=label, header="脱贫年度", value="exit_year", code="EXIT_BEFORE_IDENTIFIED",
               zh=pl.format(zh, pl.col("_identified_year")), en=pl.format(en, pl.col("_identified_year")))
    ordinary = pl.col("_attribute") == codes.Attribute.ORDINARY.value
    # Judged against the registry (import_links): a household under identification or removed is a poor
    # 户属性 shown as 非贫困户, which is no mismatch for that household.
    mismatch = pl.col("_attribute").is_not_null() & status.is_not_null() & (ordinary != (status == "非贫困户"))
    return df.with_columns(status.replace_strict(STATUS_OF, default=None, return_dtype=pl.String).alias("_status"),
                           mismatch.alias("_attribute_mismatch"))


def _member_rules(df: pl.DataFrame, label: str, found: Findings) -> pl.DataFrame:
    duplicates(df, ["_id_number"], label, "身份证号", "id_number", "ID_DUPLICATE", found)
    disabled = pl.col("_health") == codes.Health.DISABLED.value
    found.flag(df, disabled & pl.col("disability_level").is_null(), label=label, header="残疾等级",
               value="disability_level", code="DISABILITY_LEVEL_REQUIRED")
    return df


def _income_rules(df: pl.DataFrame, label: str, found: Findings) -> pl.DataFrame:
    duplicates(df, ["household_no", "_year"], label, "年度", "year", "INCOME_YEAR_DUPLICATE", found)
    return df


def sheet_of(key: str) -> Sheet:
    return next(s for s in template.SHEETS if s.key == key)
