"""Sealed fields (ADR 0024): what the database holds, what the ORM lets a query do with it, and rotation."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from fupin.accounts.models import User
from fupin.core import keys, sealed
from fupin.core.testing import make_household
from fupin.registry.models import Household, Member

pytestmark = pytest.mark.django_db


def _stored(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [pk])  # noqa: S608
        return str(cursor.fetchone()[0])


def test_a_value_is_sealed_with_a_fresh_nonce_and_a_changed_byte_does_not_open() -> None:
    one, two = sealed.seal("41110219800101001X"), sealed.seal("41110219800101001X")
    assert one != two and sealed.unseal(one) == sealed.unseal(two) == "41110219800101001X"
    assert "41110219800101001X" not in one and one.startswith(f"{keys.keyring().active}:")
    key_id, body = one.split(":")
    flipped = body[:10] + ("A" if body[10] != "A" else "B") + body[11:]
    with pytest.raises(ValueError, match="无法解密"):
        sealed.unseal(f"{key_id}:{flipped}")
    with pytest.raises(ValueError, match="无法解密"):
        sealed.unseal("41110219800101001X")  # a number in clear is not taken for a sealed one
    assert sealed.seal("") == "" and sealed.unseal("") == ""


def test_the_table_holds_the_number_sealed_and_its_keyed_indexes(areas) -> None:
    household = make_household(areas.village_a1, "H-1", members=1, phone="13912345678")
    member = household.members.get()
    stored = _stored("registry_member", "id_number", member.pk)
    assert member.id_number not in stored and sealed.unseal(stored) == member.id_number
    assert _stored("registry_household", "phone", household.pk) != "13912345678"
    fresh = Member.objects.get(pk=member.pk)
    assert (fresh.id_index, fresh.id_head6, fresh.id_head10, fresh.id_tail6) == (
        sealed.blind(sealed.ID, member.id_number), sealed.blind(sealed.ID_HEAD6, member.id_number[:6]),
        sealed.blind(sealed.ID_HEAD10, member.id_number[:10]), sealed.blind(sealed.ID_TAIL6, member.id_number[-6:]))
    assert len(fresh.id_index) == sealed.INDEX_HEX and len(fresh.id_tail6) == sealed.PART_HEX


def test_exact_and_in_lookups_go_through_the_index_and_others_are_refused(areas) -> None:
    household = make_household(areas.village_a1, "H-1", members=2)
    first, second = household.members.order_by("pk")
    assert Member.objects.get(id_number=first.id_number) == first
    assert list(Member.objects.filter(id_number__in=[first.id_number, "110101199003070000"])) == [first]
    assert list(Household.objects.filter(members__id_number=second.id_number)) == [household]
    other = first.id_number[:17] + ("1" if first.id_number[-1] != "1" else "2")
    assert not Member.objects.filter(id_number=other).exists()
    with pytest.raises(FieldError, match="Unsupported lookup 'startswith' for SealedField"):
        list(Member.objects.filter(id_number__startswith=first.id_number[:6]))
    with pytest.raises(FieldError, match="Unsupported lookup 'contains' for SealedField"):
        list(Household.objects.filter(phone__contains="139"))
    assert Household.objects.filter(phone="").exists()  # empty stays empty, and can be asked for
    with pytest.raises(FieldError, match="cannot be compared"):
        list(Household.objects.filter(phone="13912345678"))  # a sealed column without an index


def test_the_index_keeps_id_numbers_unique(areas) -> None:
    from django.db import IntegrityError, transaction

    household = make_household(areas.village_a1, "H-1", members=1)
    member = household.members.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.create(household=household, name="重复", id_number=member.id_number, sex="M",
                              birth_date=member.birth_date, relation="other")


def test_rotation_writes_new_values_under_the_new_key_and_reseal_moves_the_old_ones(areas, tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    keys.key_file_create(path)
    keys.keyring.cache_clear()
    try:
        with override_settings(FUPIN_KEY_FILE=path):
            old = make_household(areas.village_a1, "H-OLD", members=2, phone="13900000001")
            User.objects.create(username="phoned", phone="13900000002")
            keys.key_rotate(path)
            new = make_household(areas.village_a1, "H-NEW", members=1)
            new_member = new.members.get()
            assert _stored("registry_member", "id_number", new_member.pk).startswith("2:")
            assert all(_stored("registry_member", "id_number", m.pk).startswith("1:") for m in old.members.all())
            numbers = {m.pk: m.id_number for m in Member.objects.all()}  # both keys open
            assert sealed.reseal_pending() == 4  # two members, a household phone, a user phone
            call_command("key_reseal", verbosity=0)
            assert sealed.reseal_pending() == 0
            assert all(_stored("registry_member", "id_number", pk).startswith("2:") for pk in numbers)
            assert {m.pk: m.id_number for m in Member.objects.all()} == numbers
            first_old = old.members.order_by("pk")[0]
            assert Member.objects.get(id_number=numbers[first_old.pk]).household == old  # the indexes stay
            assert User.objects.get(phone="13900000002").username == "phoned"
    finally:
        keys.keyring.cache_clear()
