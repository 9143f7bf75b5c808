"""A finding the village confirms offers the registry change it implies (ADR 0026 §4), on the household's file; applied,
the history names the finding. Exclusions and signals imply no registry fact; a finding not confirmed offers
nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from fupin.core.testing import make_household, make_id_number
from fupin.crosscheck.models import Finding
from fupin.crosscheck.services import crosscheck_run, finding_close, finding_verify
from fupin.crosscheck.tests.conftest import YEAR, load, member
from fupin.registry.models import Change, Household, Member, ProposedChange
from fupin.registry.proposals import proposal_apply

pytestmark = pytest.mark.django_db


@pytest.fixture
def found(personas, policy, tmp_path):
    """A complete household of village a1 (head 张三, a grown son who died, a pupil of 8 insured in the registry)
    and the lists that contradict it; the cross-check run of 2018 and its findings by code."""
    home = make_household(personas.areas.village_a1, "H-A1-0101", main_cause="illness", identified_year=2016)
    head, son = home.members.get(relation="head"), home.members.get(relation="son")
    pupil = member(home, "王小", date(2010, 5, 1), id_number=make_id_number(date(2010, 5, 1)), relation="grandson",
                   schooling="primary", medical_insurance=True)  # a boy's number: the sex the registry holds
    load(tmp_path, "DEATHS", [[son.id_number, son.name, "2018-03-01"]])
    load(tmp_path, "MEDICAL_INSURANCE", [[head.id_number, "张叁", "2018"], [son.id_number, son.name, "2018"]])
    load(tmp_path, "STUDENTS", [[son.id_number, son.name, "某大学", "大一"]])
    load(tmp_path, "DIBAO", [[head.id_number, "张三", "低保"]])
    load(tmp_path, "VEHICLES", [[head.id_number, "张三", "豫L12345", "300000"]])
    crosscheck_run(YEAR)
    findings = {f.code: f for f in Finding.objects.filter(household=home)}
    return home, {"head": head, "son": son, "pupil": pupil}, findings


def confirm(finding, actor):
    finding_verify(finding, actor=actor, note="入户核实")
    return finding_close(finding, actor=actor, disposition="confirmed", note="属实")


def proposal_of(finding):
    return ProposedChange.objects.get(source=f"finding:{finding.pk}")


def test_each_confirmed_finding_offers_what_it_implies(found, personas):
    home, people, findings = found
    assert set(findings) == {"DECEASED_ACTIVE", "NAME_MISMATCH", "NOT_INSURED", "NOT_ENROLLED", "DIBAO_MISMATCH",
                             "VEHICLE_OWNER"}
    for finding in findings.values():
        confirm(finding, personas.cadre_a1)
    offered = {code: proposal_of(f) for code, f in findings.items() if code != "VEHICLE_OWNER"}
    expected = {
        "DECEASED_ACTIVE": ("member_remove", people["son"], {"reason_code": "death"}, date(2018, 3, 1)),
        "NAME_MISMATCH": ("member_update", people["head"], {"name": "张叁"}, None),
        "NOT_INSURED": ("member_update", people["pupil"], {"medical_insurance": False}, None),
        "NOT_ENROLLED": ("member_update", people["pupil"], {"schooling": "dropped_out"}, None),
        "DIBAO_MISMATCH": ("household_update", None, {"attribute": "dibao_poor"}, None),
    }
    assert {code: (p.kind, p.member, p.payload, p.valid_from) for code, p in offered.items()} == expected
    assert all(p.household == home and p.state == "open" for p in offered.values())
    assert not ProposedChange.objects.filter(source=f"finding:{findings['VEHICLE_OWNER'].pk}").exists()
    home.refresh_from_db()
    assert (home.version, home.attribute) == (1, "general_poor")  # offered, never applied by the loop


def test_applied_the_registry_changes_and_the_history_names_each_finding(found, personas):
    home, people, findings = found
    for finding in findings.values():
        confirm(finding, personas.cadre_a1)
    for code in ("DECEASED_ACTIVE", "NAME_MISMATCH", "NOT_INSURED", "NOT_ENROLLED", "DIBAO_MISMATCH"):
        version = Household.objects.get(pk=home.pk).version
        applied = proposal_apply(proposal_of(findings[code]), actor=personas.cadre_a1, version=version)
        assert applied.state == "applied", code
    son = Member.everyone.get(pk=people["son"].pk)
    assert (son.removed_on, son.removal_reason) == (date(2018, 3, 1), "death")
    pupil = Member.objects.get(pk=people["pupil"].pk)
    assert (pupil.medical_insurance, pupil.schooling) == (False, "dropped_out")
    assert Member.objects.get(pk=people["head"].pk).name == "张叁"
    assert Household.objects.get(pk=home.pk).attribute == "dibao_poor"
    sources = dict(Change.objects.filter(household=home).values_list("field", "source"))
    assert sources == {"removed_on": f"finding:{findings['DECEASED_ACTIVE'].pk}",
                       "removal_reason": f"finding:{findings['DECEASED_ACTIVE'].pk}",
                       "name": f"finding:{findings['NAME_MISMATCH'].pk}",
                       "medical_insurance": f"finding:{findings['NOT_INSURED'].pk}",
                       "schooling": f"finding:{findings['NOT_ENROLLED'].pk}",
                       "attribute": f"finding:{findings['DIBAO_MISMATCH'].pk}"}


def test_a_finding_not_confirmed_offers_nothing(found, personas):
    _home, _people, findings = found
    for finding in findings.values():
        finding_verify(finding, actor=personas.cadre_a1, note="入户核实")
        finding_close(finding, actor=personas.cadre_a1, disposition="not_confirmed", note="名单有误")
    assert not ProposedChange.objects.exists()


def test_the_finding_page_links_to_its_proposal(found, personas):
    home, _people, findings = found
    finding = confirm(findings["NOT_INSURED"], personas.cadre_a1)
    proposal = proposal_of(finding)
    client = Client()
    client.force_login(personas.cadre_a1)
    html = client.get(reverse("crosscheck:finding-detail", args=[finding.pk])).content.decode()
    assert f"{reverse('registry:household-detail', args=[home.pk])}#proposal-{proposal.pk}" in html
    assert 'data-testid="finding-proposals"' in html and "待处理" in html
