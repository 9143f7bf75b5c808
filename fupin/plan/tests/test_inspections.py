"""Inspections (督查巡查): findings rectified by their unit, verified (or sent back) by the district office,
overdue when not rectified in time, and accountability records."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from fupin.core.errors import BadInput, TransitionRefused
from fupin.plan.models import Accountability, Finding, FindingStep, Inspection
from fupin.plan.selectors import findings_overdue
from fupin.plan.services import (
    FindingInput,
    accountability_record,
    finding_rectify,
    finding_verify,
    inspection_record,
)


@pytest.fixture
def inspection(small_plan):
    p = small_plan.personas
    return inspection_record(plan=small_plan.plan, area=p.areas.county, title="二季度暗访", held_on=date(2018, 6, 5),
                             actor=p.officer, findings=[
                                 FindingInput(small_plan.town_a, "危房改造台账不全", date(2018, 6, 30)),
                                 FindingInput(small_plan.education, "助学金公示不及时", date(2018, 6, 20))])


def test_a_finding_rectified_and_verified(small_plan, inspection):
    p = small_plan.personas
    finding = inspection.findings.get(unit=small_plan.town_a)
    finding_rectify(finding, rectification="已补齐 12 户台账", actor=p.township_a, today=date(2018, 6, 28))
    finding.refresh_from_db()
    assert (finding.status, finding.rectified_on_time) == ("rectified", True)
    finding_verify(finding, accept=True, note="现场核验属实", actor=p.officer, today=date(2018, 7, 2))
    finding.refresh_from_db()
    assert (finding.status, finding.verified_on) == ("verified", date(2018, 7, 2))
    assert list(FindingStep.objects.filter(finding=finding).values_list("action", "from_state", "to_state")) == [
        ("rectify", "open", "rectified"), ("accept", "rectified", "verified")]
    assert FindingStep.objects.visible_to(p.township_a).filter(finding=finding).count() == 2
    with pytest.raises(TypeError):
        FindingStep.objects.filter(finding=finding).update(note="x")


def test_a_rectification_sent_back_reopens_the_finding_which_then_becomes_overdue(small_plan, inspection):
    p = small_plan.personas
    finding = inspection.findings.get(unit=small_plan.town_a)
    finding_rectify(finding, rectification="已整改", actor=p.township_a, today=date(2018, 6, 28))
    with pytest.raises(BadInput):  # sending back needs a reason
        finding_verify(finding, accept=False, note=" ", actor=p.officer)
    finding_verify(finding, accept=False, note="台账仍缺 3 户", actor=p.officer, today=date(2018, 7, 2))
    finding.refresh_from_db()
    assert (finding.status, finding.rectified_on, finding.verification_note) == ("open", None, "台账仍缺 3 户")
    assert [f.unit.name for f in findings_overdue(small_plan.plan, today=date(2018, 6, 30))] == ["区教体局"]
    assert [f.unit.name for f in findings_overdue(small_plan.plan, today=date(2018, 7, 3))] == ["区教体局", "孟庙镇"]


def test_refused_steps_change_nothing(small_plan, inspection):
    p = small_plan.personas
    finding = inspection.findings.get(unit=small_plan.town_a)
    with pytest.raises(TransitionRefused) as excinfo:  # nothing to verify yet
        finding_verify(finding, accept=True, note="", actor=p.officer)
    assert (excinfo.value.code, excinfo.value.status) == ("WRONG_STATE", 409)
    with pytest.raises(PermissionDenied):  # another unit's finding
        finding_rectify(inspection.findings.get(unit=small_plan.education), rectification="x", actor=p.township_a)
    with pytest.raises(PermissionDenied):  # the district office verifies; it does not rectify
        finding_rectify(finding, rectification="代为整改", actor=p.officer)
    with pytest.raises(PermissionDenied):  # units do not verify their own rectification
        finding_rectify(finding, rectification="已整改", actor=p.township_a)
        finding_verify(finding, accept=True, note="", actor=p.township_a)
    finding.refresh_from_db()
    assert finding.status == "rectified" and finding.verified_on is None
    with pytest.raises(TransitionRefused) as excinfo:
        finding_rectify(finding, rectification="再次", actor=p.township_a)
    assert excinfo.value.code == "WRONG_STATE"
    assert list(FindingStep.objects.filter(finding=finding).values_list("action", "from_state", "to_state")) == [
        ("rectify", "open", "rectified")]


def test_an_inspection_needs_findings_with_deadlines_after_it(small_plan):
    p = small_plan.personas
    with pytest.raises(BadInput):
        inspection_record(plan=small_plan.plan, area=p.areas.county, title="空", held_on=date(2018, 6, 5),
                          actor=p.officer, findings=[])
    with pytest.raises(BadInput) as excinfo:
        inspection_record(plan=small_plan.plan, area=p.areas.county, title="倒签", held_on=date(2018, 6, 5),
                          actor=p.officer, findings=[FindingInput(small_plan.town_a, "问题", date(2018, 6, 4))])
    assert excinfo.value.code == "DEADLINE_BEFORE_INSPECTION"
    with pytest.raises(PermissionDenied):
        inspection_record(plan=small_plan.plan, area=p.areas.county, title="越权", held_on=date(2018, 6, 5),
                          actor=p.township_a, findings=[FindingInput(small_plan.town_a, "问题", date(2018, 6, 30))])
    assert not Inspection.objects.exists() and not Finding.objects.exists()


def test_accountability_for_an_unrectified_finding(small_plan, inspection):
    p = small_plan.personas
    finding = inspection.findings.get(unit=small_plan.education)
    record = accountability_record(unit=finding.unit, kind="talk", year=2018, finding=finding, actor=p.officer,
                                   reason="逾期未整改")
    assert (record.kind, record.finding, record.automatic) == ("talk", finding, False)
    with pytest.raises(PermissionDenied):
        accountability_record(unit=finding.unit, kind="talk", year=2018, actor=p.department, reason="x")
    assert Accountability.objects.count() == 1


def test_a_wrong_state_step_answers_409_wrong_state_on_the_page_changing_nothing(small_plan, inspection, client):
    from fupin.core.models import AuditEntry
    from fupin.core.tests.refusals import assert_page_refuses

    p = small_plan.personas
    finding = inspection.findings.get(unit=small_plan.town_a)
    finding_rectify(finding, rectification="已补齐台账", actor=p.township_a, today=date(2018, 6, 28))
    trail = AuditEntry.objects.filter(object_type="plan.finding", object_id=str(finding.pk))
    audits, steps = trail.count(), FindingStep.objects.count()
    client.force_login(p.township_a)
    assert_page_refuses(client, f"/plan/findings/{finding.pk}/rectify/", {"rectification": "再次报送"},
                        code="WRONG_STATE", zh="「报送整改」只适用于「待整改」的督查发现问题，当前为「已整改待核验」",
                        en="rectify applies to a finding in OPEN; this one is RECTIFIED")
    client.force_login(p.officer)
    finding_verify(finding, accept=True, note="现场核验属实", actor=p.officer, today=date(2018, 7, 2))
    assert_page_refuses(client, f"/plan/findings/{finding.pk}/verify/", {"accept": "0", "note": "再核"},
                        code="WRONG_STATE", zh="「核验退回」只适用于「已整改待核验」的督查发现问题，当前为「核验通过」",
                        en="reject applies to a finding in RECTIFIED; this one is VERIFIED")
    finding.refresh_from_db()
    assert (finding.status, finding.rectification, finding.verification_note) == ("verified", "已补齐台账", "现场核验属实")
    assert (trail.count(), FindingStep.objects.count()) == (audits + 1, steps + 1)  # the verification only
