"""Problems found in an import file, and the catalogue of the rules they break.

A problem is located as a clerk finds it in Excel: the sheet (or, for a CSV file, the file name),
the row number Excel shows (the header is row 1), the column header and the cell's value. Each
rule has a stable code (used by tests, the API and the upload page) and a sentence in Chinese
and in English.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

# code -> (Chinese, English); ``{placeholders}`` are filled per problem.
RULES: dict[str, tuple[str, str]] = {
    # The file and its sheets.
    "FILE_TYPE": ("不支持的文件类型，应为 .xlsx、.xls 或 .csv", "unsupported file type: use .xlsx, .xls or .csv"),
    "FILE_UNREADABLE": ("无法读取文件：{detail}", "the file cannot be read: {detail}"),
    "FILE_EMPTY": ("文件中没有内容", "the file is empty"),
    "CSV_RAGGED": ("有的行字段数多于表头，请检查是否有未加引号的逗号",
                   "some rows have more fields than the header: check for unquoted commas"),
    "SHEET_UNRECOGNISED": ("无法识别：表头与标准模板的户信息、家庭成员、收支情况都不符",
                           "not recognised: the header row matches none of the template's sheets "
                           "(户信息, 家庭成员, 收支情况)"),
    "SHEET_DUPLICATE": ("同一张表提交了两次（另见「{other}」）", "the same sheet was submitted twice (see also {other})"),
    "NO_SHEETS": ("没有找到户信息、家庭成员或收支情况表", "none of the sheets 户信息, 家庭成员, 收支情况 was found"),
    "COLUMN_MISSING": ("缺少必填列「{header}」", "the required column {header} is missing"),
    "COLUMN_DUPLICATE": ("列「{header}」出现了不止一次", "the column {header} appears more than once"),
    # One cell.
    "REQUIRED": ("必填，不能为空", "required: must not be blank"),
    "TEXT_TOO_LONG": ("最多 {max_length} 个字符", "at most {max_length} characters"),
    "CODE_UNKNOWN": ("应为以下之一：{labels_zh}", "must be one of: {labels_en}"),
    "BOOL_INVALID": ("应为“是”或“否”（也可填 Y/N、1/0）", "must be 是 or 否 (Y/N and 1/0 are accepted too)"),
    "NUMBER_INVALID": ("应为整数", "must be a whole number"),
    "NUMBER_RANGE": ("应在 {min_value} 至 {max_value} 之间", "must be between {min_value} and {max_value}"),
    "MONEY_NOT_NUMBER": ("应为金额（元），不能是文字", "must be an amount in yuan, not text"),
    "MONEY_NEGATIVE": ("金额不能为负数", "an amount must not be negative"),
    "MONEY_DECIMALS": ("金额最多两位小数", "an amount has at most two decimals"),
    "MONEY_TOO_LARGE": ("金额过大（最多 9999999999.99 元）", "the amount is too large (at most 9999999999.99 yuan)"),
    "DATE_INVALID": ("应为日期，如 2020-01-05 或 2020/1/5", "must be a date such as 2020-01-05 or 2020/1/5"),
    "DATE_FUTURE": ("日期不能晚于今天", "a date must not be later than today"),
    "DECIMAL_INVALID": ("应为不小于 0 的数字（最多两位小数）", "must be a number of at least 0 (at most two decimals)"),
    "DIVISION_SHAPE": ("应为12位数字的村级行政区划代码", "must be a 12-digit village-level division code"),
    "DIVISION_UNKNOWN": ("不是平台中已有的村级行政区划", "not a village-level division known to the platform"),
    "DIVISION_OUT_OF_SCOPE": ("该村不在您的管辖范围内", "this village is outside your area"),
    "PHONE_INVALID": ("应为11位手机号或固定电话（如 0395-1234567）",
                      "must be an 11-digit mobile number or a landline number (e.g. 0395-1234567)"),
    # Identity numbers: the messages of fupin.core.idnumber, by its codes.
    "ID_EMPTY": ("身份证号为空", "identity number is empty"),
    "ID_LENGTH": ("身份证号应为18位（旧版为15位）", "identity number must have 18 characters (15 for the legacy format)"),
    "ID_CHARACTERS": ("身份证号只能包含数字，最后一位可以是X",
                      "identity number may only contain digits, with X allowed as the last character"),
    "ID_NUMERIC_CELL": ("身份证号已被Excel转换为数字，部分数字已经丢失、无法恢复；请将该列设置为文本格式后重新录入",
                        "the identity number was converted to a number by Excel and digits are already lost; "
                        "format the column as text and enter the numbers again"),
    "ID_ADDRESS": ("身份证号地址码无效", "invalid address code"),
    "ID_BIRTH_DATE": ("身份证号出生日期无效", "invalid birth date"),
    "ID_CHECK_CHARACTER": ("身份证号校验码错误", "wrong check character"),
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
    "INCOME_YEAR_DUPLICATE": ("同一户同一年度只能有一行收支（第 {rows} 行）", "one income row per household and year "
                              "(rows {rows})"),
}


@dataclass
class Problem:
    """One located problem. ``row`` is the row number Excel shows (header = 1); None for the whole file."""

    sheet: str
    row: int | None
    column: str
    value: str
    rule_zh: str
    rule_en: str
    code: str

    @property
    def location_zh(self) -> str:
        where = f"「{self.sheet}」"
        if self.row is not None:
            where += f"第 {self.row} 行"
        if self.column:
            where += f"「{self.column}」"
        return where

    @property
    def location_en(self) -> str:
        parts = [f"sheet {self.sheet}"]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def message(self) -> str:
        """One bilingual line: where, the value, the rule."""
        value = f"「{self.value}」" if self.value else ""
        shown = f" ({self.value})" if self.value else ""
        return f"{self.location_zh}{value}：{self.rule_zh} / {self.location_en}{shown}: {self.rule_en}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def rule_text(code: str, **params: Any) -> tuple[str, str]:
    zh, en = RULES[code]
    return zh.format(**params), en.format(**params)


def make_problem(sheet: str, row: int | None, column: str, value: str, code: str, **params: Any) -> Problem:
    zh, en = rule_text(code, **params)
    return Problem(sheet, row, column, value, zh, en, code)


def split_bilingual(message: str) -> tuple[str, str]:
    """``"中文 / English"`` (the convention of DomainError and idnumber messages) as two strings."""
    zh, sep, en = message.partition(" / ")
    return (zh, en) if sep else (message, message)


def rows_text(rows: list[int], limit: int = 5) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (" …" if len(rows) > limit else "")
