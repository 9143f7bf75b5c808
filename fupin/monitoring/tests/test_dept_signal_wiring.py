"""DEPT_SIGNAL end to end: a department list loaded through the real loader, the cross-check run, and the
`fupin monitor` command raising the signal for the household named by the finding until it is closed."""

from __future__ import annotations

from datetime import date

from django.core.management import call_command

from fupin.crosscheck.models import Finding
from fupin.crosscheck.services import crosscheck_run, finding_close, finding_verify
from fupin.crosscheck.tests.conftest import household, load, member
from fupin.monitoring.models import MonitoringResult, MonitoringRun

YEAR = 2018


def _risks(hh) -> list[str]:
    """The household's risks in the latest run (none: the run found no risk for it)."""
    latest = MonitoringRun.objects.latest("pk")
    result = MonitoringResult.objects.filter(run=latest, household=hh).first()
    return result.risk_list if result else []


def test_a_disaster_list_signals_the_household_until_the_finding_is_closed(areas, personas, policy, tmp_path):
    hit = household(areas.village_a1, status="exited")
    spared = household(areas.village_a1, status="exited")
    person = member(hit, "甲", date(1970, 1, 1), relation="head")
    member(spared, "乙", date(1971, 1, 1), relation="head")
    load(tmp_path, "DISASTER", [[person.id_number, "甲", "2018-07-20", "3500"]])
    crosscheck_run(YEAR)
    finding = Finding.objects.get(code="DISASTER_HIT")

    call_command("monitor", "--year", str(YEAR))
    assert "DEPT_SIGNAL" in _risks(hit) and "DEPT_SIGNAL" not in _risks(spared)

    finding_verify(finding, actor=personas.cadre_a1, note="入户核实：房屋受损")  # still open: still a signal
    call_command("monitor", "--year", str(YEAR))
    assert "DEPT_SIGNAL" in _risks(hit)

    finding_close(Finding.objects.get(pk=finding.pk), actor=personas.cadre_a1, disposition="confirmed",
                  note="已纳入监测帮扶")
    call_command("monitor", "--year", str(YEAR))
    assert "DEPT_SIGNAL" not in _risks(hit)
