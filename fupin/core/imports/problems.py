"""Problems found in an import file, and the catalogue of the rules they break.

A problem is located as a clerk finds it in Excel: the sheet (or, for a CSV file, the file name),
the row number Excel shows (the header is row 1), the column header and the cell's value. Each
rule has a stable code (used by tests, the API and the upload page) and a sentence in Chinese
and in English. The catalogue below holds the framework's own rules (the file, its sheets and
columns, one cell); a module adds the rules of its own checks with :func:`register_rules`.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    "SHEET_UNRECOGNISED": ("无法识别：表头与模板的{sheets_zh}都不符",
                           "not recognised: the header row matches none of the template's sheets ({sheets_en})"),
    "SHEET_DUPLICATE": ("同一张表提交了两次（另见「{other}」）", "the same sheet was submitted twice (see also {other})"),
    "NO_SHEETS": ("没有找到{sheets_zh}表", "none of the sheets {sheets_en} was found"),
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


def register_rules(rules: Mapping[str, tuple[str, str]]) -> None:
    """Add a module's own rules to the catalogue (at import of the module that checks them). A code names
    one rule: registering it again with other sentences is a programming error."""
    for code, texts in rules.items():
        if RULES.setdefault(code, texts) != texts:
            raise ValueError(f"import rule {code} is already registered with other sentences")


def rule_text(code: str, **params: Any) -> tuple[str, str]:
    zh, en = RULES[code]
    return zh.format(**params), en.format(**params)


def make_problem(sheet: str, row: int | None, column: str, value: str, code: str, **params: Any) -> Problem:
    zh, en = rule_text(code, **params)
    return Problem(sheet, row, column, value, zh, en, code)


FILE_LEVEL = frozenset({"FILE_TYPE", "FILE_UNREADABLE", "FILE_EMPTY", "CSV_RAGGED", "SHEET_UNRECOGNISED",
                        "SHEET_DUPLICATE", "NO_SHEETS", "COLUMN_MISSING", "COLUMN_DUPLICATE"})
"""Problems with the file itself: they refuse an import whole, even one of the valid rows only."""


def split_bilingual(message: str) -> tuple[str, str]:
    """``"中文 / English"`` (the convention of DomainError and idnumber messages) as two strings."""
    zh, sep, en = message.partition(" / ")
    return (zh, en) if sep else (message, message)


def rows_text(rows: list[int], limit: int = 5) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (" …" if len(rows) > limit else "")
