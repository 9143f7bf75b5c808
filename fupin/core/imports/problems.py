"""Problems found in an import file, and the catalogue of the rules they break.

A problem is located as a clerk finds it in Excel: the sheet (or, for a CSV file, the file name),
the row number Excel shows (the header is row 1), the column header and the cell's value. Each
rule has a stable code (used by tests, the API and the upload page) and a sentence in Chinese
and in English. The catalogue below holds the framework's own rules (the file, its sheets and
columns, one cell); a module adds the rules of its own checks with :func:`register_rules`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

# code -> (Chinese, English); ``{placeholders}`` are filled per problem.
RULES: dict[str, tuple[str, str]] = {
    # The file and its sheets.
    "FILE_TYPE": ("不支持的文件类型，应为 .xlsx、.xls 或 .csv", "unsupported file type: use .xlsx, .xls or .csv"),
    "FILE_UNREADABLE": ("无法读取文件：{detail}", "the file cannot be read: {detail}"),
    "FILE_EMPTY": ("文件中没有内容", "the file is empty"),
    "NO_DATA_ROWS": ("没有数据行：表头下面没有任何数据，未写入任何数据",
                     "no data rows: there is nothing below the header row; nothing was written"),
    "CSV_RAGGED": ("有的行字段数多于表头，请检查是否有未加引号的逗号",
                   "some rows have more fields than the header: check for unquoted commas"),
    "SHEET_UNRECOGNISED": ("无法识别：表头与模板的{sheets_zh}都不符",
                           "not recognised: the header row matches none of the template's sheets ({sheets_en})"),
    "SHEET_DUPLICATE": ("同一张表提交了两次（另见「{other}」）", "the same sheet was submitted twice (see also {other})"),
    "NO_SHEETS": ("没有找到{sheets_zh}表", "none of the sheets {sheets_en} was found"),
    "COLUMN_MISSING": ("缺少必填列「{header}」", "the required column {header} is missing"),
    "COLUMN_DUPLICATE": ("列「{header}」出现了不止一次", "the column {header} appears more than once"),
    # Safe opening (safety.py, ADR 0019): what is refused before any parser runs, and how a parse can end.
    "NOT_A_WORKBOOK": ("内容不是 Excel 工作簿（而是{kind_zh}），请用 Excel 另存为 .xlsx 后重新导入",
                       "not an Excel workbook (it is {kind_en}): save it again as .xlsx in Excel"),
    "NOT_TEXT": ("不是文本 CSV 文件（内容是{kind_zh}），请另存为 CSV 或把扩展名改为实际的类型",
                 "not a text CSV file (it is {kind_en}): save it as CSV, or name it for what it is"),
    "FILE_TOO_LARGE": ("文件有 {size} MB，超过上限 {limit} MB", "the file is {size} MB, more than the limit of {limit} MB"),
    "ZIP_DAMAGED": ("工作簿已损坏，无法打开；请在 Excel 中打开并另存为 .xlsx",
                    "the workbook is damaged and cannot be opened: open it in Excel and save it again as .xlsx"),
    "ZIP_ENCRYPTED": ("工作簿设有密码保护；请取消密码后另存再导入",
                      "the workbook is protected by a password: remove the password and save it again"),
    "ZIP_METHOD": ("工作簿使用了不支持的压缩方式；请用 Excel 另存为 .xlsx",
                   "the workbook uses a compression method that is not supported: save it again as .xlsx in Excel"),
    "ZIP_ENTRIES": ("工作簿内部文件过多（{count} 个，上限 {limit} 个）",
                    "the workbook holds too many parts ({count}; the limit is {limit})"),
    "ZIP_TOO_LARGE": ("工作簿解压后超过上限 {limit} MB", "the workbook unpacks to more than the limit of {limit} MB"),
    "ZIP_RATIO": ("工作簿内部文件「{part}」的压缩比超过 {limit} 倍（疑为压缩炸弹），拒绝读取",
                  "the part {part} is compressed more than {limit} times (a zip bomb?) and is refused"),
    "ZIP_SIZE_MISMATCH": ("工作簿内部文件「{part}」解压后大于其声明的大小，文件已损坏或被篡改",
                          "the part {part} unpacks to more than its declared size: the file is damaged or was "
                          "tampered with"),
    "XML_DTD": ("工作簿内部文件「{part}」含有 DTD 或实体声明，出于安全原因拒绝读取",
                "the part {part} holds a DTD or entity declarations and is refused for safety"),
    "XML_INVALID": ("工作簿内部文件「{part}」不是有效的 UTF-8 XML", "the part {part} is not valid UTF-8 XML"),
    "SHEET_TOO_LARGE": ("工作表单元格 {ref} 超出上限（最多 {max_rows} 行、{max_columns} 列、{max_cells} 个单元格）",
                        "the sheet's cell {ref} is beyond the limits (at most {max_rows} rows, {max_columns} columns "
                        "and {max_cells} cells)"),
    "TOO_MANY_ROWS": ("行数超过上限 {limit} 行", "more than the limit of {limit} rows"),
    "TOO_MANY_COLUMNS": ("列数超过上限 {limit} 列", "more than the limit of {limit} columns"),
    "TOO_MANY_CELLS": ("单元格数（行数 × 列数）超过上限 {limit} 个",
                       "more than the limit of {limit} cells (rows × columns)"),
    "ENCODING_INVALID": ("含有不是有效 {encoding} 编码的字节；文件须为 UTF-8 或 GBK/GB18030 编码：请检查该单元格，或用正确的"
                         "编码重新保存", "holds bytes that are not valid {encoding}; the file must be UTF-8 or "
                         "GBK/GB18030: check this cell, or save the file again in the right encoding"),
    "PARSE_TIMEOUT": ("读取超过 {seconds} 秒仍未完成，已停止；未写入任何数据",
                      "reading took longer than {seconds} seconds and was stopped; nothing was written"),
    "PARSE_MEMORY": ("读取所需内存超过上限 {limit} MB，已停止（文件可能已损坏，或单元格过多）；未写入任何数据",
                     "reading needed more memory than the limit of {limit} MB and was stopped (the file may be "
                     "damaged or hold too many cells); nothing was written"),
    "PARSE_CRASHED": ("读取程序异常终止（文件可能已损坏）；未写入任何数据",
                      "the reader stopped abnormally (the file may be damaged); nothing was written"),
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

    @property
    def message_zh(self) -> str:
        value = f"「{self.value}」" if self.value else ""
        return f"{self.location_zh}{value}：{self.rule_zh}"

    @property
    def message_en(self) -> str:
        shown = f" ({self.value})" if self.value else ""
        return f"{self.location_en}{shown}: {self.rule_en}"

    def message(self) -> str:
        """One bilingual line: where, the value, the rule."""
        return f"{self.message_zh} / {self.message_en}"

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


FILE_LEVEL = frozenset({"FILE_TYPE", "FILE_UNREADABLE", "FILE_EMPTY", "NO_DATA_ROWS", "CSV_RAGGED",
                        "SHEET_UNRECOGNISED", "SHEET_DUPLICATE", "NO_SHEETS", "COLUMN_MISSING", "COLUMN_DUPLICATE",
                        "NOT_A_WORKBOOK", "NOT_TEXT", "FILE_TOO_LARGE", "ZIP_DAMAGED", "ZIP_ENCRYPTED", "ZIP_METHOD",
                        "ZIP_ENTRIES", "ZIP_TOO_LARGE", "ZIP_RATIO", "ZIP_SIZE_MISMATCH", "XML_DTD", "XML_INVALID",
                        "SHEET_TOO_LARGE", "TOO_MANY_ROWS", "TOO_MANY_COLUMNS", "TOO_MANY_CELLS",
                        "ENCODING_INVALID", "PARSE_TIMEOUT", "PARSE_MEMORY", "PARSE_CRASHED"})
"""Problems with the file itself: they refuse an import whole, even one of the valid rows only."""


def split_bilingual(message: str) -> tuple[str, str]:
    """``"中文 / English"`` (the convention of DomainError and idnumber messages) as two strings."""
    zh, sep, en = message.partition(" / ")
    return (zh, en) if sep else (message, message)


def problems_message(problems: Sequence[Problem], limit: int = 5) -> str:
    """Problems as one bilingual message, ``中文；中文 / English; English`` (the refusal of an upload), the first
    ``limit`` of them and how many more."""
    shown = problems[:limit]
    zh, en = "；".join(p.message_zh for p in shown), "; ".join(p.message_en for p in shown)
    more = len(problems) - len(shown)
    if more > 0:
        zh, en = f"{zh}；另有 {more} 个问题", f"{en}; and {more} more problems"
    return f"{zh} / {en}"


def rows_text(rows: list[int], limit: int = 5) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (" …" if len(rows) > limit else "")
