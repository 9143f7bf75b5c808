"""The server-drawn chart of the PDF and the income series behind both charts (no database)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from fupin.dossier.charts import bar_chart_svg, nice_ceiling
from fupin.dossier.selectors import income_chart_data, income_series
from fupin.registry.models import IncomeRecord

BAR = re.compile(r'<rect class="bar" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"')


@pytest.mark.parametrize(("value", "expected"), [
    (4300, (6000, 2000)), (3747, (4000, 1000)), (800.13, (1000, 250)), (12000, (15000, 5000)), (0, (1.0, 0.25)),
])
def test_the_axis_ends_at_a_round_number_above_the_largest_value(value, expected):
    assert nice_ceiling(value) == expected


def test_bars_are_proportional_and_missing_values_draw_none():
    svg = bar_chart_svg(["2018", "2019", "2020"], [Decimal("1000"), None, Decimal("4000")], unit="元")
    bars = [(float(y), float(h)) for y, h in BAR.findall(svg)]
    assert len(bars) == 2
    assert bars[1][1] == pytest.approx(4 * bars[0][1])
    assert bars[0][0] + bars[0][1] == pytest.approx(bars[1][0] + bars[1][1])  # same baseline
    for label in ("2018", "2019", "2020", "1,000", "4,000", "元"):
        assert f">{label}<" in svg


def test_the_reference_line_breaks_where_a_year_has_no_value():
    svg = bar_chart_svg(["a", "b", "c", "d"], [Decimal(1)] * 4, line=[Decimal(2), Decimal(3), None, Decimal(4)],
                        line_label="扶贫标准")
    assert svg.count('class="ref-line"') == 1  # a-b only; c is missing, so b-c and c-d are not drawn
    assert svg.count('class="ref-point"') == 3
    assert ">扶贫标准<" in svg


def test_labels_are_escaped():
    svg = bar_chart_svg(["<script>"], [Decimal(1)], unit="a&b")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "a&amp;b" in svg


def record(year: int, wage: str) -> IncomeRecord:
    return IncomeRecord(year=year, wage_income=Decimal(wage), business_income=Decimal(0), property_income=Decimal(0),
                        transfer_income=Decimal(0), business_expense=Decimal(0))


def test_the_series_is_per_capita_by_year_against_the_line():
    points = income_series([record(2019, "9000.01"), record(2018, "7000")], 3,
                           {2018: Decimal(3535), 2019: Decimal(3000)})
    assert [p.year for p in points] == [2018, 2019]
    assert [p.per_capita for p in points] == [Decimal("2333.33"), Decimal("3000.00")]  # half up to the cent
    assert [p.above_line for p in points] == [False, False]  # "strictly greater" (RULES section 2)
    data = income_chart_data(points, {})
    assert data["perCapita"] == ["2333.33", "3000.00"] and data["line"] == ["3535", "3000"]


def test_a_household_without_members_has_no_per_capita_income():
    (point,) = income_series([record(2019, "100")], 0)
    assert point.per_capita is None and point.above_line is None
