"""The hash-chained audit log: gap-free appends, tamper detection, reads of personal data, the log page."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from itertools import pairwise

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection

from fupin.accounts.models import User
from fupin.accounts.roles import Role
from fupin.core.audit import GENESIS_HASH, Action, audit_record, audit_verify
from fupin.core.models import AuditChainHead, AuditEntry
from fupin.core.testing import make_user

FULL_ID = re.compile(r"\b\d{17}[\dX]\b")


def _record_five() -> list[AuditEntry]:
    return [audit_record(actor=None, action=Action.UPDATE, object_type="test.thing", object_id=str(i),
                         object_label=f"对象{i}", changes={"n": [i, i + 1]}) for i in range(1, 6)]


def _sql(statement: str, params: list[str | int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


class TestChain:
    def test_it_appends_a_gap_free_linked_chain(self, db):
        entries = _record_five()
        assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
        assert entries[0].prev_hash == GENESIS_HASH
        assert all(later.prev_hash == earlier.entry_hash for earlier, later in pairwise(entries))

    def test_it_verifies_an_intact_chain(self, db):
        _record_five()
        result = audit_verify()
        assert result.ok and result.checked == 5 and result.broken_seq is None

    def test_it_names_an_entry_edited_in_sql(self, db):
        _record_five()
        _sql("UPDATE core_auditentry SET object_label = %s WHERE seq = %s", ["改过了", 3])
        result = audit_verify()
        assert not result.ok
        assert result.broken_seq == 3
        assert result.checked == 2

    def test_it_detects_the_last_entry_deleted_in_sql(self, db, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            _record_five()
        assert len(callbacks) == 1  # one head checkpoint per transaction, not one per entry
        assert AuditChainHead.objects.get(id=1).seq == 5
        _sql("DELETE FROM core_auditentry WHERE seq = %s", [5])
        result = audit_verify()
        assert not result.ok and result.broken_seq == 5

    def test_a_head_checkpoint_behind_the_tail_is_fine_but_a_forged_one_is_not(self, db,
                                                                                 django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            _record_five()
        _record_five()  # committed by the test transaction's end only: the checkpoint stays at 5
        assert AuditChainHead.objects.get(id=1).seq == 5
        assert audit_verify().ok
        _sql("UPDATE core_auditchainhead SET entry_hash = %s WHERE id = 1", ["f" * 64])
        result = audit_verify()
        assert not result.ok and result.broken_seq == 5

    def test_it_detects_a_middle_entry_deleted_in_sql(self, db):
        _record_five()
        _sql("DELETE FROM core_auditentry WHERE seq = %s", [3])
        result = audit_verify()
        assert not result.ok and result.broken_seq == 3

    def test_it_detects_a_relinked_entry(self, db):
        _record_five()
        _sql("UPDATE core_auditentry SET prev_hash = %s WHERE seq = %s", [GENESIS_HASH, 4])
        assert audit_verify().broken_seq == 4

    def test_it_verifies_in_batches(self, db):
        _record_five()
        seen: list[int] = []
        assert audit_verify(batch_size=2, progress=seen.append).ok
        assert seen == [2, 4, 5]


class TestAppendOnly:
    def test_it_refuses_to_save_an_existing_entry(self, db):
        entry = _record_five()[0]
        entry.object_label = "改过了"
        with pytest.raises(TypeError):
            entry.save()
        assert AuditEntry.objects.get(seq=1).object_label == "对象1"

    def test_it_refuses_queryset_update_and_delete(self, db):
        _record_five()
        with pytest.raises(TypeError):
            AuditEntry.objects.filter(seq=2).update(object_label="x")
        with pytest.raises(TypeError):
            AuditEntry.objects.filter(seq=2).delete()
        with pytest.raises(TypeError):
            AuditEntry.objects.get(seq=2).delete()
        assert AuditEntry.objects.count() == 5
        assert audit_verify().ok


class TestVerifyCommand:
    def test_it_reports_an_intact_chain(self, db, capsys):
        _record_five()
        call_command("verify_audit")
        assert "5" in capsys.readouterr().out

    def test_it_fails_naming_the_tampered_entry(self, db):
        _record_five()
        _sql("UPDATE core_auditentry SET object_label = %s WHERE seq = %s", ["改过了", 3])
        with pytest.raises(CommandError, match=r"第 3 条.*entry 3"):
            call_command("verify_audit")


class TestPersonalDataReads:
    def _last_read(self) -> AuditEntry:
        entry = AuditEntry.objects.filter(action=Action.READ).order_by("-seq").first()
        assert entry is not None, "no read was logged"
        return entry

    def test_it_logs_a_household_detail_view(self, client, personas, households):
        client.force_login(personas.cadre_a1)
        household = households["a1"]
        response = client.get(f"/registry/households/{household.pk}/")
        assert response.status_code == 200
        entry = self._last_read()
        assert (entry.actor, entry.object_type, entry.object_id) == (personas.cadre_a1, "registry.household",
                                                                    str(household.pk))
        assert entry.changes["full_id_numbers"] is False
        assert audit_verify().ok

    def test_it_reveals_full_ids_to_a_cadre_and_logs_it(self, client, personas, households):
        client.force_login(personas.cadre_a1)
        household = households["a1"]
        response = client.get(f"/registry/households/{household.pk}/?reveal=1")
        html = response.content.decode()
        for member in household.members.all():
            assert member.id_number in html
        assert self._last_read().changes["full_id_numbers"] is True

    def test_it_keeps_ids_masked_for_an_auditor_who_asks_to_reveal(self, client, personas, households):
        client.force_login(personas.auditor)
        household = households["b1"]
        response = client.get(f"/registry/households/{household.pk}/?reveal=1")
        html = response.content.decode()
        assert response.status_code == 200
        assert not FULL_ID.search(html)
        for member in household.members.all():
            assert member.masked_id in html
        entry = self._last_read()
        assert entry.actor == personas.auditor and entry.changes["full_id_numbers"] is False


def _at(day: datetime, label: str, actor: User | None = None) -> AuditEntry:
    with time_machine.travel(day, tick=False):
        return audit_record(actor=actor, action=Action.UPDATE, object_type="test.thing", object_label=label)


class TestAuditLogPage:
    def _seqs(self, client, **params: str) -> set[int]:
        response = client.get("/system/audit/", params)
        assert response.status_code == 200
        return {e.seq for e in response.context["page"].object_list}

    def test_it_refuses_a_village_cadre(self, client, personas):
        client.force_login(personas.cadre_a1)
        assert client.get("/system/audit/").status_code == 403

    def test_it_filters_by_user(self, client, personas):
        mine = audit_record(actor=personas.cadre_a1, action=Action.UPDATE, object_type="test.thing")
        client.force_login(personas.auditor)
        seqs = self._seqs(client, user="cadre_a1")
        assert mine.seq in seqs
        assert set(AuditEntry.objects.filter(seq__in=seqs).values_list("actor_label", flat=True)) == {"cadre_a1"}

    def test_it_filters_by_object_type(self, client, personas, households):
        client.force_login(personas.auditor)
        client.get(f"/registry/households/{households['a1'].pk}/")
        seqs = self._seqs(client, object_type="registry.household")
        assert seqs
        assert set(AuditEntry.objects.filter(seq__in=seqs).values_list("object_type", flat=True)) == {
            "registry.household"}

    def test_it_filters_by_date_range(self, client, personas):
        march = _at(datetime(2020, 3, 5, 10, tzinfo=UTC), "三月的记录")
        june = _at(datetime(2020, 6, 1, 10, tzinfo=UTC), "六月的记录")
        client.force_login(personas.auditor)
        assert self._seqs(client, since="2020-03-01", until="2020-03-31") == {march.seq}
        assert self._seqs(client, since="2020-04-01", until="2020-06-30") == {june.seq}
        response = client.get("/system/audit/", {"since": "2020-03-01", "until": "2020-03-31"})
        assert "三月的记录" in response.content.decode() and "六月的记录" not in response.content.decode()

    def test_a_day_that_does_not_exist_is_ignored(self, client, personas):
        march = _at(datetime(2020, 3, 5, 10, tzinfo=UTC), "三月的记录")
        client.force_login(personas.auditor)
        assert self._seqs(client, since="2020-13-45", until="2020-03-31") == {march.seq}

    def test_a_township_auditor_reads_the_entries_of_their_township_only(self, client, personas, households):
        areas = personas.areas
        township_auditor = make_user("auditor_a", Role.AUDITOR, areas.town_a)
        client.force_login(personas.cadre_a1)
        in_a1 = client.get(f"/registry/households/{households['a1'].pk}/")  # a read, logged with its village
        assert in_a1.status_code == 200
        read = AuditEntry.objects.filter(action=Action.READ).latest("seq")
        assert read.area_path == areas.village_a1.path
        member = households["a2"].members.first()
        in_a2 = audit_record(actor=None, action=Action.UPDATE, obj=member)  # through household__village
        in_b1 = audit_record(actor=None, action=Action.UPDATE, obj=households["b1"])
        county_wide = audit_record(actor=None, action=Action.UPDATE, object_type="assessment.policyversion")
        assert in_a2.area_path == areas.village_a2.path and in_b1.area_path == areas.village_b1.path
        assert county_wide.area_path == ""

        client.force_login(township_auditor)
        seen = self._seqs(client)
        assert {read.seq, in_a2.seq} <= seen and not {in_b1.seq, county_wide.seq} & seen
        assert seen == set(AuditEntry.objects.filter(area_path__startswith=areas.town_a.path).values_list("seq", flat=True))
        client.force_login(personas.auditor)  # at the county: everything
        assert {read.seq, in_a2.seq, in_b1.seq, county_wide.seq} <= self._seqs(client)
        assert audit_verify().ok
