"""A dump of the database holds no ID number and no phone number in clear (issue 15, ADR 0024).

The demo county (members, helpers, work teams, users, the department lists and the findings of a
cross-check, hotline tickets and the objections they raise) is written and committed, then dumped the way
an administrator would: ``pg_dump`` on PostgreSQL, SQLite's own ``.dump`` text and the database file's
bytes on SQLite. Every ID number and phone number the platform holds, read back through the models, must
be absent from the dump, while the same numbers are found through their keyed indexes."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from fupin.accounts.models import User
from fupin.core import keys, sealed
from fupin.core.backup_db import _pg_args, _pg_env
from fupin.crosscheck.models import Finding, ListRow
from fupin.hotline.models import Ticket
from fupin.notices.models import Objection
from fupin.registry.models import HelperAssignment, Household, Member, WorkTeamMember
from fupin.site.demo import seed_demo

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump reads committed rows


def _dump(tmp_path: Path) -> bytes:
    if connection.vendor == "postgresql":
        done = subprocess.run([*_pg_args(settings.FUPIN_PG_DUMP), "--format=plain"], env=_pg_env(),
                              capture_output=True, check=True)
        return done.stdout
    connection.ensure_connection()
    raw = connection.connection
    text = "\n".join(raw.iterdump()).encode("utf-8")
    copy = tmp_path / "copy.sqlite3"  # the file's bytes too: free pages and indexes included
    with sqlite3.connect(copy) as target:
        raw.backup(target)
    return text + copy.read_bytes()


@pytest.fixture
def demo_county() -> None:
    call_command("seed_reference", verbosity=0)
    seed_demo(households=40, seed=7)
    for user in User.objects.filter(is_demo=True).order_by("pk")[:3]:
        user.phone = f"1390000{user.pk:04d}"
        user.save(update_fields=["phone", "phone_index"])


def _numbers() -> dict[str, list[str]]:
    return {
        "member ID": list(Member.objects.values_list("id_number", flat=True)),
        "list ID": list(ListRow.objects.values_list("id_number", flat=True)),
        "finding ID": list(Finding.objects.values_list("id_number", flat=True)),
        "household phone": [p for p in Household.objects.values_list("phone", flat=True) if p],
        "helper phone": [p for p in HelperAssignment.objects.values_list("phone", flat=True) if p],
        "work team phone": [p for p in WorkTeamMember.objects.values_list("phone", flat=True) if p],
        "user phone": [p for p in User.objects.values_list("phone", flat=True) if p],
        "caller phone": [p for p in Ticket.objects.values_list("citizen_phone", flat=True) if p],
        "objection contact": [p for p in Objection.objects.values_list("contact", flat=True) if p],
    }


def test_a_dump_of_the_database_shows_no_id_number_or_phone_in_clear(demo_county, tmp_path):
    numbers = _numbers()
    for kind in ("member ID", "list ID", "finding ID", "household phone", "user phone", "caller phone",
                 "objection contact"):
        assert numbers[kind], f"the demo holds no {kind}: the check would prove nothing"
    dump = _dump(tmp_path)
    assert b"registry_member" in dump and len(dump) > 100_000  # a real dump of the real tables
    shown = {kind: [v for v in values if v.encode("utf-8") in dump] for kind, values in numbers.items()}
    assert shown == {kind: [] for kind in numbers}
    # The numbers are there, sealed: each member is found by its number, and each value opens.
    some = numbers["member ID"][:20]
    assert sorted(Member.objects.filter(id_number__in=some).values_list("id_number", flat=True)) == sorted(some)
    assert User.objects.get(phone=numbers["user phone"][0]).phone == numbers["user phone"][0]


def test_a_sealed_value_does_not_open_under_another_key_file(demo_county, settings, tmp_path):
    member = Member.objects.order_by("pk").first()
    assert member is not None
    assert sealed.unseal(sealed.seal("13800138000")) == "13800138000"
    own = settings.FUPIN_KEY_FILE
    settings.FUPIN_KEY_FILE = str(tmp_path / "other-keys.json")
    keys.keyring.cache_clear()
    try:
        with pytest.raises(ValueError, match="无法解密"):
            Member.objects.get(pk=member.pk)
        assert not Member.objects.filter(id_number=member.id_number).exists()  # another index key, too
    finally:
        settings.FUPIN_KEY_FILE = own
        keys.keyring.cache_clear()
    assert Member.objects.get(id_number=member.id_number).pk == member.pk
