"""``fupin seed-demo`` fills monitoring: a run, cases at various steps, notices, inbox messages. (Seeding again
replaces the demo's cases: fupin/site/tests/test_demo_again.py.)"""

from __future__ import annotations

from fupin.accounts.models import User
from fupin.assessment.services import work_year
from fupin.inbox.models import Message
from fupin.monitoring.models import CaseMeasure, MonitoringCase, MonitoringRun
from fupin.notices.models import Notice


def test_seed_demo_fills_monitoring(demo_county):
    run = MonitoringRun.objects.get()
    assert run.year == work_year() and run.at_risk > 10 and run.cases_opened == run.at_risk
    steps = set(MonitoringCase.objects.values_list("step", flat=True))
    assert {"alert", "dismissed", "verified", "identified", "assisting", "eliminated"} == steps
    assert Notice.objects.filter(kind="monitoring").count() >= 1
    assert CaseMeasure.objects.exists()
    months = {c.opened_at.strftime("%Y-%m") for c in MonitoringCase.objects.all()}
    assert len(months) >= 6  # the trend has a history
    demo_village = User.objects.get(username="demo_village")
    own = MonitoringCase.objects.filter(household__village__in=[a.area for a in demo_village.active_assignments])
    assert own.exists()  # with this seed the demo cadre's village has cases, so the cadre has an alert
    message = Message.objects.get(user=demo_village)
    assert str(own.count()) in message.title and message.link.startswith("/monitoring/cases/?village=")
