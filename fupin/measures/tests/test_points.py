"""爱心超市 points: earned by rule, redeemed without ever going negative, even at once."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection, connections

from fupin.core.errors import BadInput, ConcurrentChange
from fupin.measures.models import PointAccount, PointEntry, PointRule
from fupin.measures.services import balance_of, points_earn, points_redeem

DAY = date(2019, 6, 1)


@pytest.mark.django_db
def test_earn_by_rule_and_redeem_within_the_balance(households, personas):
    h = households["a1"]
    points_earn(h, PointRule.objects.get(code="industry"), on=DAY, actor=personas.cadre_a1)
    points_earn(h, PointRule.objects.get(code="tidy"), on=DAY, actor=personas.cadre_a1)
    assert balance_of(h) == 15
    points_redeem(h, points=12, goods="食用油", on=DAY, actor=personas.cadre_a1)
    with pytest.raises(BadInput) as exc:
        points_redeem(h, points=4, goods="洗衣粉", on=DAY, actor=personas.cadre_a1)
    assert exc.value.code == "POINTS_INSUFFICIENT" and "余额 3" in exc.value.message
    assert balance_of(h) == 3
    assert list(PointEntry.objects.filter(household=h).values_list("kind", "points").order_by("pk")) == [
        ("earn", 10), ("earn", 5), ("redeem", 12)]


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite serialises writers itself; row locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_two_redemptions_at_once_never_overspend(households):
    from fupin.measures.services import programmes_seed

    programmes_seed()
    h = households["a1"]
    points_earn(h, PointRule.objects.get(code="industry"), on=DAY, actor=None)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def redeem() -> None:
        try:
            barrier.wait()
            points_redeem(h, points=8, goods="大米", on=DAY, actor=None)
            outcomes.append("ok")
        except (BadInput, ConcurrentChange) as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=redeem) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["POINTS_INSUFFICIENT", "ok"], outcomes
    assert PointAccount.objects.get(household=h).balance == 2
    assert PointEntry.objects.filter(kind="redeem").count() == 1
