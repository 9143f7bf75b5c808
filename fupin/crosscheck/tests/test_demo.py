"""seed-demo fills the cross-check: ten lists loaded, every kind of finding, a worked queue, trends."""

from __future__ import annotations

import pytest

from fupin.crosscheck.datasets import FINDING_LABELS, Dataset
from fupin.crosscheck.models import Finding, ListLoad
from fupin.crosscheck.selectors import signal_households, trends
from fupin.crosscheck.services import latest_loads
from fupin.site.demo import seed_demo
from fupin.site.reference import seed_reference

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_every_list_and_raises_every_kind_of_finding():
    seed_reference()
    seed_demo(households=300, seed=2018)
    loads = latest_loads()
    assert set(loads) == {d.value for d in Dataset}
    assert all(load.department is not None and load.row_count > 0 for load in loads.values())
    assert set(Finding.objects.values_list("code", flat=True)) == set(FINDING_LABELS)
    assert Finding.objects.filter(status="closed", disposition="confirmed").exists()
    assert Finding.objects.filter(status="closed", disposition="not_confirmed").exists()
    assert Finding.objects.filter(status="verified").exists()
    year = Finding.objects.values_list("year", flat=True).first()
    assert year is not None and not signal_households(year).is_empty()
    from fupin.accounts.models import User
    rows = trends(User.objects.get(username="demo_admin"))
    assert any(r["closed"] for r in rows) and all(r["township"] for r in rows)
    # Running it again replaces the demo lists and findings instead of piling them up.
    count = Finding.objects.count()
    seed_demo(households=300, seed=2018)
    assert ListLoad.objects.count() == 10 and Finding.objects.count() == count
