"""Builders of real import files for the tests: rows in the template's headers, written as .xlsx
(openpyxl), .xls (xlwt) or CSV (UTF-8 with BOM, GBK)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import xlwt

from fupin.core import idnumber
from fupin.core.imports.sheets import Sheet
from fupin.registry import template

A1, A2, B1 = "411103101201", "411103101202", "411103102201"
Row = dict[str, Any]


def make_id(birth: date, seq: int, *, address: str = "411103") -> str:
    first17 = f"{address}{birth:%Y%m%d}{seq:03d}"
    return first17 + idnumber.check_character(first17)


def household(no: str, head_id: str, *, village: str = A1, status: str = "未脱贫", **cells: Any) -> Row:
    registered = status != "非贫困户"
    row: Row = {
        "户编号": no, "行政区划代码": village, "户主身份证号": head_id,
        "户属性": "一般贫困户" if registered else "一般农户",
        "主要致贫原因": "因病" if registered else "", "其他致贫原因": "",
        "识别年度": "2015" if registered else "", "脱贫状态": status,
        "脱贫年度": "2018" if status in ("已脱贫", "返贫") else "",
        "不愁吃": "是", "不愁穿": "是", "住房安全等级": "B", "危房改造": "否", "易地搬迁": "否", "饮水安全": "是",
        "联系电话": "13912345678",
    }
    row.update(cells)
    return row


def member(no: str, name: str, id_number: str, relation: str = "户主", **cells: Any) -> Row:
    row: Row = {
        "户编号": no, "姓名": name, "身份证号": id_number, "与户主关系": relation, "民族": "汉族", "文化程度": "初中",
        "在校生状况": "非在校生", "送教上门": "", "健康状况": "健康", "残疾等级": "", "劳动能力": "普通劳动力",
        "务工状况": "县外省内", "务工时间(月)": "6", "参加基本医保": "是", "参加大病保险": "是", "参加养老保险": "是",
        "享受低保": "否", "特困供养": "否",
    }
    row.update(cells)
    return row


def income(no: str, year: str = "2019", **cells: Any) -> Row:
    row: Row = {
        "户编号": no, "年度": year, "工资性收入": "8000.50", "生产经营性收入": "2000", "财产性收入": "0",
        "转移性收入": "1200.00", "生产经营性支出": "500", "医疗自付支出": "300", "教育支出": "", "灾害损失": "0",
    }
    row.update(cells)
    return row


class Registry:
    """A small consistent file: households H001..H00n, each a head and a spouse, one income row."""

    def __init__(self, count: int = 3, *, prefix: str = "H", village: str = A1, seq_base: int = 0) -> None:
        self.households: list[Row] = []
        self.members: list[Row] = []
        self.incomes: list[Row] = []
        for i in range(1, count + 1):
            no = f"{prefix}{i:03d}"
            head = make_id(date(1970, 1, i), seq_base + 2 * i + 1)
            spouse = make_id(date(1972, 2, i), seq_base + 2 * i)
            self.households.append(household(no, head, village=village))
            self.members.append(member(no, f"张{'一二三四五六七八九十'[i % 10]}", head))
            self.members.append(member(no, f"李{'一二三四五六七八九十'[i % 10]}", spouse, "配偶"))
            self.incomes.append(income(no))

    def sheets(self) -> dict[str, list[Row]]:
        return {"户信息": self.households, "家庭成员": self.members, "收支情况": self.incomes}


def _headers(sheet: Sheet, rows: Sequence[Row]) -> list[str]:
    extra = [h for r in rows for h in r if h not in sheet.headers]
    return [*sheet.headers, *dict.fromkeys(extra)]


def sheet_named(name: str) -> Sheet:
    return next(s for s in template.SHEETS if s.name == name)


NUMBER_HEADERS = frozenset(c.header for s in template.SHEETS for c in s.columns
                           if c.kind in ("money", "year", "int") or c.key in ("village_code", "phone"))


def _cell(header: str, value: Any, numbers: bool) -> Any:
    """A cell as Excel keeps it: numbers in numeric columns when ``numbers`` (as a clerk types them)."""
    if value == "":
        return None
    if numbers and header in NUMBER_HEADERS and isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() else number
    return value


def write_xlsx(path: Path, sheets: dict[str, list[Row]], *, headers: dict[str, list[str]] | None = None,
               numeric_ids: bool = False, title_row: bool = False, numbers: bool = False) -> Path:
    """A workbook as Excel writes it; ``numeric_ids`` stores ID numbers as numbers (what a clerk gets when
    the column is not formatted as text)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        columns = (headers or {}).get(name) or _headers(sheet_named(name), rows)
        if title_row:
            ws.append([f"{name}（郾城区建档立卡）"])
        ws.append(columns)
        for row in rows:
            values = []
            for header in columns:
                value = row.get(header, "")
                if numeric_ids and header in ("身份证号", "户主身份证号") and str(value).isdigit():
                    value = int(value)
                values.append(_cell(header, value, numbers))
            ws.append(values)
    book.save(path)
    return path


def write_xls(path: Path, sheets: dict[str, list[Row]], *, numbers: bool = False) -> Path:
    book = xlwt.Workbook(encoding="utf-8")
    for name, rows in sheets.items():
        ws = book.add_sheet(name)
        columns = _headers(sheet_named(name), rows)
        for col, header in enumerate(columns):
            ws.write(0, col, header)
        for r, row in enumerate(rows, start=1):
            for col, header in enumerate(columns):
                value = _cell(header, row.get(header, ""), numbers)
                if value is not None:
                    ws.write(r, col, value)
    book.save(str(path))
    return path


def write_csv(path: Path, rows: Sequence[Row], *, sheet: str, encoding: str = "utf-8-sig",
              columns: list[str] | None = None) -> Path:
    columns = columns or _headers(sheet_named(sheet), rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(h, "") for h in columns])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_csv_set(directory: Path, registry: Registry, *, encoding: str = "utf-8-sig") -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    return [write_csv(directory / f"{key}.csv", rows, sheet=name, encoding=encoding)
            for key, name, rows in (("households", "户信息", registry.households),
                                    ("members", "家庭成员", registry.members),
                                    ("incomes", "收支情况", registry.incomes))]
