"""The migrations of ADR 0024 on a database that holds data: backwards they open every sealed value, forwards
they seal what the tables held in clear and fill the indexes, and the platform reads the same values."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from fupin.accounts.models import User
from fupin.core import sealed
from fupin.core.testing import make_household
from fupin.hotline.models import Ticket
from fupin.hotline.services import ticket_create
from fupin.registry.models import Household, Member

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("registry", "0004_work_team_one_current_per_village"), ("accounts", "0003_user_must_change_password_sessions"),
          ("crosscheck", "0003_ledger_fields_from_the_core"), ("hotline", "0003_ledger_fields_from_the_core"),
          ("notices", "0003_notice_kind_monitoring")]


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _raw(sql: str) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


def test_the_migrations_seal_what_the_tables_held_in_clear_and_open_it_again(areas) -> None:
    household = make_household(areas.village_a1, "H-MIG", members=3, phone="13912345678")
    numbers = sorted(household.members.values_list("id_number", flat=True))
    User.objects.create(username="phoned", phone="13800000000")
    ticket_create(channel="web", category="benefit", text="低保金没有按时发放", area=areas.village_a1, actor=None,
                  citizen_phone="13700000000")
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        _migrate(BEFORE)
        assert sorted(str(r[0]) for r in _raw("SELECT id_number FROM registry_member")) == numbers  # opened
        assert _raw("SELECT phone FROM registry_household") == [("13912345678",)]
        assert ("13800000000",) in _raw("SELECT phone FROM accounts_user")
        assert _raw("SELECT citizen_phone FROM hotline_ticket") == [("13700000000",)]
    finally:
        _migrate(latest)
    stored = _raw("SELECT id_number, id_index, id_tail6 FROM registry_member")
    assert all(n not in str(stored) for n in numbers) and len(stored) == 3
    assert sorted(sealed.unseal(str(s)) for s, _, _ in stored) == numbers
    assert sorted(Member.objects.values_list("id_number", flat=True)) == numbers
    assert Member.objects.get(id_number=numbers[0]).household_id == household.pk  # the indexes were filled
    assert Household.objects.get().phone == "13912345678"
    assert "13912345678" not in str(_raw("SELECT phone FROM registry_household"))
    assert User.objects.get(phone="13800000000").username == "phoned"
    assert Ticket.objects.get().citizen_phone == "13700000000"
    assert "13700000000" not in str(_raw("SELECT citizen_phone FROM hotline_ticket"))
