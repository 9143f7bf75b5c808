"""The migration that made the ticket steps a workflow ledger fills in the states of the rows written before
it, by replaying each ticket's steps: the same states the services write now."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from fupin.hotline.models import TicketStep
from fupin.hotline.services import (
    hotline_sweep,
    ticket_callback,
    ticket_create,
    ticket_note,
    ticket_reopen,
    ticket_reply,
    ticket_transfer,
)

pytestmark = pytest.mark.django_db
MIGRATION = "0002_ticket_steps_ledger"


def test_the_replay_gives_old_steps_the_states_the_services_write(people, clock):
    clock("2020-03-02")
    first = ticket_create(channel="hotline", category="benefit", text="低保金没有发放", area=people.areas.village_a1,
                          actor=people.officer)
    second = ticket_create(channel="web", category="policy", text="咨询政策", area=people.areas.village_a1, actor=None)
    ticket_transfer(first, actor=people.officer, reason="属教育资助", department=people.education)
    ticket_note(first, actor=people.department, text="已联系当事人")
    ticket_reply(first, actor=people.department, text="已补发")
    ticket_callback(first, actor=people.department, satisfaction="unsatisfied", note="只补发了一个月")
    ticket_reply(first, actor=people.department, text="已全部补发")
    ticket_callback(first, actor=people.department, satisfaction="satisfied")
    ticket_reopen(first, actor=people.department, reason="群众再次来电")
    clock("2020-04-30")
    hotline_sweep()  # the second ticket is overdue: escalated
    written = list(TicketStep.objects.order_by("pk").values_list("pk", "action", "from_state", "to_state"))
    assert {second.pk, first.pk} == set(TicketStep.objects.values_list("ticket_id", flat=True))
    assert ("escalated", "open", "open") in [w[1:] for w in written]
    with connection.cursor() as cursor:  # the rows as they were before the migration: no states
        cursor.execute("UPDATE hotline_ticketstep SET from_state = NULL, to_state = ''")
    historical = MigrationLoader(connection).project_state(("hotline", MIGRATION)).apps
    import_module(f"fupin.hotline.migrations.{MIGRATION}").replay(historical, None)
    assert list(TicketStep.objects.order_by("pk").values_list("pk", "action", "from_state", "to_state")) == written
