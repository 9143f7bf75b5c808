"""seed-demo fills the cross-check: ten lists loaded, every kind of finding, a worked queue, trends. (Seeding
again replaces the demo lists and findings: fupin/site/tests/test_demo_again.py.)"""

from __future__ import annotations

from fupin.accounts.models import User
from fupin.crosscheck.datasets import FINDING_LABELS, Dataset
from fupin.crosscheck.models import Finding
from fupin.crosscheck.selectors import signal_households, trends
from fupin.crosscheck.services import latest_loads


def test_seed_demo_loads_every_list_and_raises_every_kind_of_finding(demo_county):
    loads = latest_loads()
    assert set(loads) == {d.value for d in Dataset}
    assert all(load.department is not None and load.row_count > 0 for load in loads.values())
    assert set(Finding.objects.values_list("code", flat=True)) == set(FINDING_LABELS)
    assert Finding.objects.filter(status="closed", disposition="confirmed").exists()
    assert Finding.objects.filter(status="closed", disposition="not_confirmed").exists()
    assert Finding.objects.filter(status="verified").exists()
    year = Finding.objects.values_list("year", flat=True).first()
    assert year is not None and not signal_households(year).is_empty()
    rows = trends(User.objects.get(username="demo_admin"))
    assert any(r["closed"] for r in rows) and all(r["township"] for r in rows)
