"""The findings work queue: re-runs never duplicate open findings, the steps and their refusals,
audit, area scoping, the monitoring hand-over (signal_households) and the trends."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl
import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from fupin.core.errors import BadInput, TransitionRefused
from fupin.core.models import AuditEntry
from fupin.crosscheck import selectors
from fupin.crosscheck.models import Finding, FindingStep
from fupin.crosscheck.services import crosscheck_run, finding_assign, finding_close, finding_verify
from fupin.crosscheck.tests.conftest import YEAR, household, id_for, load, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def deaths(personas, policy, tmp_path):
    areas = personas.areas
    a1, b1 = household(areas.village_a1, no="H-A1-0900"), household(areas.village_b1, no="H-B1-0900")
    dead_a1, dead_b1 = member(a1, "甲", date(1940, 1, 1)), member(b1, "乙", date(1941, 1, 1))
    load(tmp_path, "DEATHS", [[dead_a1.id_number, "甲", "2018-03-01"], [dead_b1.id_number, "乙", "2018-04-01"]])
    crosscheck_run(YEAR)
    return Finding.objects.get(id_number=dead_a1.id_number), Finding.objects.get(id_number=dead_b1.id_number)


def test_re_running_does_not_duplicate_open_findings(deaths):
    second = crosscheck_run(YEAR)
    assert Finding.objects.count() == 2
    assert (second.found, second.raised, second.already_open) == (2, 0, 2)
    assert set(Finding.objects.values_list("last_run_id", flat=True)) == {second.pk}


def test_the_database_refuses_a_second_open_finding_with_the_same_key(deaths):
    a1, _ = deaths
    clone = Finding(year=a1.year, dataset=a1.dataset, code=a1.code, kind=a1.kind, id_number=a1.id_number,
                    household=a1.household, area=a1.area, run=a1.run, last_run=a1.run, open_key=a1.open_key)
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


def test_verify_then_close_with_a_disposition_each_step_audited(deaths, personas):
    a1, _ = deaths
    cadre = personas.cadre_a1
    finding_assign(a1, actor=cadre, assignee=personas.team_a1)
    finding_verify(a1, actor=personas.team_a1, note="入户核实：本人已于3月去世")
    closed = finding_close(a1, actor=cadre, disposition="confirmed", note="已办理自然减少")
    assert (closed.status, closed.disposition, closed.closed_by) == ("closed", "confirmed", cadre)
    assert closed.verified_by == personas.team_a1 and closed.verification_note == "入户核实：本人已于3月去世"
    trail = AuditEntry.objects.filter(object_type="crosscheck.finding", object_id=str(a1.pk)).order_by("seq")
    assert [e.changes.get("status") for e in trail] == [None, ["open", "verified"], ["verified", "closed"]]
    assert trail[0].changes["assigned_to"] == ["", "team_a1"]
    steps = list(FindingStep.objects.filter(finding=a1).values_list("action", "from_state", "to_state", "actor__username"))
    assert steps == [("assign", "open", "open", "cadre_a1"), ("verify", "open", "verified", "team_a1"),
                     ("close", "verified", "closed", "cadre_a1")]
    assert list(FindingStep.objects.visible_to(personas.cadre_b1)) == []
    with pytest.raises(TypeError):
        FindingStep.objects.filter(finding=a1).update(note="x")


def test_refused_steps_change_nothing(deaths, personas):
    a1, _b1 = deaths
    cadre = personas.cadre_a1
    before = AuditEntry.objects.count()
    with pytest.raises(TransitionRefused):
        finding_close(a1, actor=cadre, disposition="confirmed", note="未核实就办结")
    with pytest.raises(BadInput):
        finding_verify(a1, actor=cadre, note="  ")
    with pytest.raises(BadInput):
        finding_assign(a1, actor=cadre, assignee=personas.cadre_b1)  # works in another village
    finding_verify(a1, actor=cadre, note="核实")
    with pytest.raises(TransitionRefused):
        finding_verify(a1, actor=cadre, note="再次核实")
    with pytest.raises(BadInput):
        finding_close(a1, actor=cadre, disposition="maybe", note="说明")
    a1.refresh_from_db()
    assert (a1.status, a1.assigned_to, a1.disposition, a1.verification_note) == ("verified", None, "", "核实")
    assert AuditEntry.objects.count() == before + 1
    assert FindingStep.objects.filter(finding=a1).count() == 1


def test_closing_not_confirmed_is_not_raised_again_confirmed_is(deaths, personas):
    a1, b1 = deaths
    for finding, disposition in ((a1, "not_confirmed"), (b1, "confirmed")):
        finding_verify(finding, actor=personas.officer, note="核实")
        finding_close(finding, actor=personas.officer, disposition=disposition, note="说明")
    run = crosscheck_run(YEAR)
    assert (run.raised, run.kept_closed) == (1, 1)
    reopened = Finding.objects.exclude(status="closed").get()
    assert reopened.id_number == b1.id_number and reopened.pk != b1.pk


def test_village_cadres_see_their_village_findings_only(deaths, personas):
    a1, b1 = deaths
    assert list(selectors.finding_list(personas.cadre_a1, year=YEAR)) == [a1]
    assert set(selectors.finding_list(personas.township_a, year=YEAR)) == {a1}
    assert set(selectors.finding_list(personas.officer, year=YEAR)) == {a1, b1}


def test_the_queue_filters_by_status_place_assignee_and_search_and_ignores_bad_values(deaths, personas, client):
    a1, b1 = deaths
    areas = personas.areas
    finding_assign(a1, actor=personas.cadre_a1, assignee=personas.team_a1)
    finding_verify(b1, actor=personas.officer, note="核实")
    finding_close(b1, actor=personas.officer, disposition="confirmed", note="说明")
    client.force_login(personas.officer)

    def listed(**params):
        return set(client.get("/crosscheck/findings/", {"year": YEAR, **params}).context["page"])

    def api(**params):
        return {f["id"] for f in client.get("/api/v1/crosscheck/findings", {"year": YEAR, **params}).json()["items"]}

    assert listed() == listed(run="abc", township="x") == {a1} and api() == {a1.pk}
    assert listed(status="") == {a1, b1} and listed(status="closed") == {b1} and api(status="closed") == {b1.pk}
    assert listed(status="", village=areas.village_b1.pk, township=areas.town_a.pk) == set()  # both apply
    assert listed(status="", township=areas.town_b.pk) == {b1}
    assert listed(q=" H-A1 ") == {a1} and api(q=a1.id_number) == {a1.pk}
    assert listed(assigned="me") == set()
    client.force_login(personas.team_a1)
    assert listed(assigned="me") == {a1}


def test_signal_households_are_the_households_of_open_signal_findings(personas, policy, tmp_path):
    areas = personas.areas
    sick, hit, both = (household(areas.village_a1) for _ in range(3))
    m_sick, m_hit = member(sick, "甲", date(1950, 1, 1)), member(hit, "乙", date(1951, 1, 1))
    m_both1, m_both2 = member(both, "丙", date(1952, 1, 1)), member(both, "丁", date(1953, 1, 1))
    dead = member(hit, "戊", date(1930, 1, 1))
    load(tmp_path, "MEDICAL_EXPENSES", [[m_sick.id_number, "甲", "2018", "8000"], [m_both1.id_number, "丙", "2018", "9000"],
                                        [m_both2.id_number, "丁", "2018", "9000"]])
    load(tmp_path, "DISASTER", [[m_hit.id_number, "乙", "2018-08-01", "100"], [id_for(date(1960, 1, 1)), "外", "2018-08-01", ""]])
    load(tmp_path, "DEATHS", [[dead.id_number, "戊", "2018-01-01"]])  # a correction, not a signal
    crosscheck_run(YEAR)
    frame = selectors.signal_households(YEAR)
    assert frame.schema == pl.Schema({"household_id": pl.Int64})
    assert frame.get_column("household_id").to_list() == sorted([sick.pk, hit.pk, both.pk])
    finding = Finding.objects.get(code="DISASTER_HIT")
    finding_verify(finding, actor=personas.officer, note="核实")
    assert hit.pk in selectors.signal_households(YEAR).get_column("household_id").to_list()  # verified: still open
    finding_close(finding, actor=personas.officer, disposition="confirmed", note="已纳入监测")
    assert selectors.signal_households(YEAR).get_column("household_id").to_list() == sorted([sick.pk, both.pk])
    assert selectors.signal_households(2019).is_empty()


def test_trends_per_township_and_month(deaths, personas):
    a1, _b1 = deaths
    raised = timezone.make_aware(datetime(2026, 3, 10, 9, 0))
    Finding.objects.update(raised_at=raised)
    finding_verify(a1, actor=personas.officer, note="核实")
    finding_close(a1, actor=personas.officer, disposition="confirmed", note="说明")
    Finding.objects.filter(pk=a1.pk).update(closed_at=raised + timedelta(days=12, hours=12))
    rows = selectors.trends(personas.officer, year=YEAR)
    by = {(r["township"], r["month"]): r for r in rows}
    assert by[("孟庙镇", "2026-03")] == {"township_id": personas.areas.town_a.pk, "township": "孟庙镇",
                                         "month": "2026-03", "raised": 1, "closed": 1, "median_days": 12.5}
    assert by[("商桥镇", "2026-03")]["closed"] == 0 and by[("商桥镇", "2026-03")]["median_days"] is None
    assert {r["township"] for r in selectors.trends(personas.cadre_a1)} == {"孟庙镇"}


def test_the_ledger_migration_backfills_the_steps_the_services_write(deaths, personas):
    """The migration that gave findings a ledger writes the verification and closing of the findings worked
    before it, from the times and people the finding records: the rows the services write now."""
    from importlib import import_module

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    columns = ("finding_id", "action", "from_state", "to_state", "actor_id", "at", "note")
    a1, b1 = deaths
    finding_verify(a1, actor=personas.team_a1, note="入户核实：本人已去世")
    finding_close(a1, actor=personas.cadre_a1, disposition="confirmed", note="已办理自然减少")
    finding_verify(b1, actor=personas.officer, note="核实")
    written = list(FindingStep.objects.order_by("finding_id", "at", "pk").values_list(*columns))
    assert len(written) == 3 and not Finding.objects.filter(status="open").exists()
    with connection.cursor() as cursor:  # the findings as they were before the migration: no ledger
        cursor.execute("DELETE FROM crosscheck_findingstep")
    historical = MigrationLoader(connection).project_state(("crosscheck", "0002_finding_steps")).apps
    import_module("fupin.crosscheck.migrations.0002_finding_steps").backfill(historical, None)
    assert list(FindingStep.objects.order_by("finding_id", "at", "pk").values_list(*columns)) == written
