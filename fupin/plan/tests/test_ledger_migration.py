"""The migration that made a finding's steps a workflow ledger fills in the states of the rows written
before it: the same states the services write now."""

from __future__ import annotations

from datetime import date
from importlib import import_module

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from fupin.plan.models import FindingStep
from fupin.plan.services import FindingInput, finding_rectify, finding_verify, inspection_record

pytestmark = pytest.mark.django_db
MIGRATION = "0006_finding_steps_ledger"


def test_the_old_steps_get_the_states_the_services_write(small_plan):
    p = small_plan.personas
    inspection = inspection_record(plan=small_plan.plan, area=p.areas.county, title="二季度暗访",
                                   held_on=date(2018, 6, 5), actor=p.officer,
                                   findings=[FindingInput(small_plan.town_a, "危房改造台账不全", date(2018, 6, 30))])
    finding = inspection.findings.get()
    finding_rectify(finding, rectification="已整改", actor=p.township_a, today=date(2018, 6, 28))
    finding_verify(finding, accept=False, note="台账仍缺 3 户", actor=p.officer, today=date(2018, 7, 2))
    finding_rectify(finding, rectification="已补齐", actor=p.township_a, today=date(2018, 7, 5))
    finding_verify(finding, accept=True, note="现场核验属实", actor=p.officer, today=date(2018, 7, 8))
    written = list(FindingStep.objects.order_by("pk").values_list("action", "from_state", "to_state"))
    assert [w[0] for w in written] == ["rectify", "reject", "rectify", "accept"]
    with connection.cursor() as cursor:  # the rows as they were before the migration: no states
        cursor.execute("UPDATE plan_findingstep SET from_state = '', to_state = ''")
    historical = MigrationLoader(connection).project_state(("plan", MIGRATION)).apps
    import_module(f"fupin.plan.migrations.{MIGRATION}").fill_states(historical, None)
    assert list(FindingStep.objects.order_by("pk").values_list("action", "from_state", "to_state")) == written
