"""FGT and Alkire–Foster measures on a hand-computed example."""

from __future__ import annotations

from fractions import Fraction

import polars as pl
import pytest

from fupin.assessment.measures import compute

P, F, U = "PASS", "FAIL", "UNKNOWN"


def _row(village, members, pc_income, income, housing=P, education=P, medical=P, water=P):
    return {"village_code": f"V{village}", "village": f"村{village}", "township_code": "T1", "township": "镇一",
            "members": members, "pc_income": pc_income, "line": 4000.0, "income": income, "food_clothing": P,
            "education": education, "medical": medical, "housing": housing, "water": water}


FRAME = pl.DataFrame([
    _row(1, 2, 2000.0, F, housing=F),               # poor, gap 0.5; fails 2 of 6 indicators (= k)
    _row(1, 3, 5000.0, P, water=F),                 # not poor; fails 1 of 6 (below k)
    _row(2, 1, 4000.0, F, education=F, medical=F),  # exactly the line: poor, gap 0; fails 3 of 6
    _row(2, 4, None, U),                            # no income record: left out of both measures
], schema_overrides={"pc_income": pl.Float64})


def test_fgt_and_alkire_foster_by_hand():
    total = compute(FRAME, by="township", k=Fraction(1, 3))[-1]
    assert (total.key, total.people, total.no_income, total.incomplete) == ("", 10, 1, 1)
    # FGT over the 6 people with an income record: poor are 2 (gap 0.5) and 1 (gap 0).
    assert total.fgt0 == pytest.approx(3 / 6)
    assert total.fgt1 == pytest.approx((2 * 0.5) / 6)
    assert total.fgt2 == pytest.approx((2 * 0.25) / 6)
    # Alkire–Foster, k = 1/3: poor are 2 people (score 2/6) and 1 person (score 3/6) of 6.
    assert total.af_h == pytest.approx(1 / 2)
    assert total.af_a == pytest.approx((2 * 2 / 6 + 1 * 3 / 6) / 3)  # 7/18
    assert total.af_m0 == pytest.approx(7 / 36)
    assert total.contributions == pytest.approx({"INCOME": 3 / 7, "FOOD_CLOTHING": 0, "EDUCATION": 1 / 7,
                                                 "MEDICAL": 1 / 7, "HOUSING": 2 / 7, "WATER": 0})
    assert sum(total.contributions.values()) == pytest.approx(1)


def test_a_higher_cutoff_censors_more():
    total = compute(FRAME, by="township", k=Fraction(1, 2))[-1]
    assert total.af_h == pytest.approx(1 / 6) and total.af_a == pytest.approx(1 / 2)
    assert total.af_m0 == pytest.approx(1 / 12)


def test_by_village():
    by_village = {m.key: m for m in compute(FRAME, by="village")}
    assert by_village["V1"].fgt0 == pytest.approx(2 / 5) and by_village["V1"].people == 5
    assert by_village["V2"].fgt0 == pytest.approx(1.0) and by_village["V2"].no_income == 1
