"""The monthly report (扶贫项目资金支出进度月报) as an Excel workbook.

The layout follows the monthly expenditure notices (REFERENCE §7.3): a title, the reporting unit and
month, then the summary by fund source (plan, spent in the month, spent this year, rate), the
project detail (approved, allocated, spent, rate, and one column per month), and the alerts
(账面滞留, 逾期, 质保金逾期未返还). "Spent" is money paid to the contractor or a beneficiary; the
quality deposit a settlement retained and has not released yet is allocated but not spent, in a
column of its own (REFERENCE §7.3: 质保金 counts as unspent).
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from fupin.core.output import xlsx_row, xlsx_workbook, xlsx_write
from fupin.projects.models import Project
from fupin.projects.selectors import behind_schedule, deposits_overdue, idle_funds, monthly_progress


def _n(value: Decimal | None) -> float | str:
    # xlsxwriter writes numbers as doubles; amounts to the cent are exact at these magnitudes.
    return float(value) if value is not None else ""


def monthly_report(projects: QuerySet[Project], *, year: int, month: int, unit: str, as_of: date) -> bytes:
    progress = monthly_progress(projects, year=year, month=month)
    buffer = io.BytesIO()
    book = xlsx_workbook(buffer, in_memory=True)
    title = book.add_format({"bold": True, "font_size": 14, "align": "center"})
    head = book.add_format({"bold": True, "bg_color": "#F0F2F5", "border": 1, "text_wrap": True, "align": "center"})
    cell = book.add_format({"border": 1})
    money = book.add_format({"border": 1, "num_format": "#,##0.00"})
    pct = book.add_format({"border": 1, "num_format": "0.0\"%\""})

    def sheet(name: str, heading: str, header: list[str], rows: list[list[Any]], formats: list[Any]) -> None:
        ws = book.add_worksheet(name)
        ws.merge_range(0, 0, 0, max(len(header) - 1, 1), heading, title)
        xlsx_write(ws, 1, 0, f"填报单位：{unit}    报告期：{year} 年 {month} 月    截至：{as_of:%Y-%m-%d}")
        xlsx_row(ws, 2, header, head)
        for r, row in enumerate(rows, start=3):
            for c, value in enumerate(row):
                # Project names are typed by people: text stays text, never a formula (ADR 0020).
                xlsx_write(ws, r, c, value, formats[c] if c < len(formats) else cell)
        ws.set_column(0, len(header) - 1, 14)
        ws.freeze_panes(3, 0)

    sheet("资金来源汇总", f"{year} 年扶贫项目资金支出进度（按资金来源）",
          ["资金来源", "计划金额(元)", "本月支出(元)", "本年累计支出(元)", "支出进度"],
          [[s["label"], _n(s["budget"]), _n(s["month"]), _n(s["to_date"]), float(s["rate"])] for s in progress.sources]
          + [["合计", _n(progress.totals["budget"]), _n(progress.totals["month"]), _n(progress.totals["to_date"]),
              float(progress.totals["rate"])],
             ["质保金（已留未返还，不计支出）", "", "", _n(progress.totals["deposit"]), ""]],
          [cell, money, money, money, pct])
    months = [f"{m}月" for m in range(1, 13)]
    status = {value: str(label) for value, label in Project.Status.choices}  # translated once, not per row
    sheet("项目明细", f"{year} 年扶贫项目资金支出进度（按项目）",
          ["项目编号", "项目名称", "实施地点", "责任单位", "状态", "计划金额(元)", "批复金额(元)", "已下达(元)",
           "本月支出(元)", "累计支出(元)", "支出进度", "质保金(未支出)(元)", *months],
          [[r["project"].number, r["project"].name, r["project"].area.name, r["project"].department.name,
            status[r["project"].status], _n(r["budget"]), _n(r["approved"]), _n(r["allocated"]), _n(r["month"]),
            _n(r["to_date"]), float(r["rate"]), _n(r["deposit"]), *[_n(v) for v in r["months"]]]
           for r in progress.projects],
          [cell, cell, cell, cell, cell, money, money, money, money, money, pct, money, *[money] * 12])
    idle = idle_funds(projects, as_of=as_of)
    late = behind_schedule(projects, as_of=as_of)
    overdue = deposits_overdue(projects, as_of=as_of)
    sheet("预警", "资金滞留与进度滞后预警",
          ["类型", "项目编号", "项目名称", "实施地点", "责任单位", "说明"],
          [["账面滞留", i.project.number, i.project.name, i.project.area.name, i.project.department.name,
            f"{i.since:%Y-%m-%d} 起下达资金超过 {i.days} 天未支出 {i.idle:,.2f} 元"] for i in idle]
          + [[b.label, b.project.number, b.project.name, b.project.area.name, b.project.department.name,
              f"计划 {b.due:%Y-%m-%d}，已逾期 {b.days_late} 天"] for b in late]
          + [["质保金逾期未返还", d.project.number, d.project.name, d.project.area.name, d.project.department.name,
              f"质保金 {d.deposit:,.2f} 元，{d.due:%Y-%m-%d} 起可返还，已逾期 {d.days_late} 天"] for d in overdue],
          [cell] * 6)
    book.close()
    return buffer.getvalue()
