"""The project sequence: every allowed step, every refused one, and that a refusal changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fupin.core.errors import BadInput, ConcurrentChange, TransitionRefused
from fupin.core.models import AuditEntry
from fupin.notices.models import Notice, Objection
from fupin.notices.services import objection_raise, objection_resolve
from fupin.projects.models import Beneficiary, Project, ProjectAttachment, ProjectStep
from fupin.projects.services import StepInput, beneficiary_add, project_propose, project_step, spending_total
from fupin.projects.tests.factories import advance, allocate, days_ago, pay, project_input, proposed, unit

pytestmark = pytest.mark.usefixtures("policy")


def state(project: Project) -> dict[str, Any]:
    """Everything a refused step might have touched."""
    return {"project": Project.objects.filter(pk=project.pk).values().get(),
            "steps": ProjectStep.objects.filter(project=project).count(),
            "notices": list(Notice.objects.order_by("pk").values("pk", "status")),
            "audit": AuditEntry.objects.count(), "files": ProjectAttachment.objects.count()}


def refused(project: Project, action: str, code: str, *, actor: Any = None, data: StepInput | None = None,
            ago: int = 1, error: type[Exception] = TransitionRefused) -> str:
    before = state(project)
    with pytest.raises(error) as info:
        project_step(project, action, actor=actor, data=data, when=days_ago(ago))
    assert state(project) == before, f"refused {action} changed something"
    if code:
        assert getattr(info.value, "code", "") == code, info.value
    message = str(info.value)
    assert " / " in message, "refusals are bilingual"
    return message


# --- the allowed path ---------------------------------------------------------------------------


def test_the_whole_sequence_with_its_notices(areas, personas):
    p = personas
    dept = unit(areas.county)
    project = proposed(areas.village_a1, dept)
    village_notice = Notice.objects.get(subject_type="projects.project", subject_id=project.pk)
    assert (village_notice.kind, village_notice.area, village_notice.days) == ("project_village", areas.village_a1, 10)

    project_step(project, "township_review", actor=p.township_a, when=days_ago(69))
    township = Notice.objects.get(kind="project_township")
    assert township.area == areas.town_a and project.status == "township_reviewed"
    village_notice.refresh_from_db()
    assert village_notice.status == "closed" and not village_notice.closed_early()

    project_step(project, "county_approve", actor=p.officer, when=days_ago(58))
    assert Notice.objects.get(kind="project_library").area == areas.county
    project_step(project, "approve", actor=p.officer, when=days_ago(57))
    assert project.approved_total == Decimal("400000.00") and project.status == "approved"
    prestart = Notice.objects.get(kind="project_prestart")
    assert prestart.starts_on == timezone.localdate(days_ago(57)) and prestart.days == 10

    allocate(project, "300000", ago=50, actor=p.officer)
    project_step(project, "start", actor=p.officer, when=days_ago(46))
    pay(project, "160000", ago=40, actor=p.officer)
    pay(project, "50000", ago=35, actor=p.officer, payee="transfer")
    project_step(project, "accept", actor=p.officer, when=days_ago(30))
    assert Notice.objects.get(kind="project_completion").area == areas.village_a1
    pay(project, "200000", ago=25, actor=p.officer)
    project_step(project, "settle", actor=p.officer, when=days_ago(20))
    assert project.status == "settled"
    assert spending_total(project.pk) == Decimal("360000.00"), "a transfer is not spending"
    actions = list(ProjectStep.objects.filter(project=project).values_list("action", flat=True))
    assert actions == ["propose", "township_review", "county_approve", "approve", "allocate", "start", "pay", "pay",
                       "accept", "pay", "settle"]
    assert Notice.objects.get(kind="project_library").status == "open", "announcements stay up"
    trail = AuditEntry.objects.filter(object_type="projects.project", object_id=str(project.pk))
    assert trail.filter(action="transition").count() == 10


def test_a_step_carries_its_documents(areas):
    project = advance(proposed(areas.village_a1, unit(areas.county)), "started")
    scan = SimpleUploadedFile("合同.pdf", b"%PDF-1.4 contract", content_type="application/pdf")
    step = project_step(project, "pay", actor=None, files=[scan], when=days_ago(1),
                        data=StepInput(amount="1000", source="central", payee="contractor", payee_name="漯河建工"))
    assert [a.original_name for a in step.attachments.all()] == ["合同.pdf"]


def test_a_document_that_is_not_what_it_says_is_refused_and_leaves_nothing(areas):
    project = advance(proposed(areas.village_a1, unit(areas.county)), "started")
    fake = SimpleUploadedFile("合同.pdf", b"<html>", content_type="application/pdf")
    before = state(project)
    with pytest.raises(BadInput):
        project_step(project, "pay", actor=None, files=[fake], when=days_ago(1),
                     data=StepInput(amount="1000", source="central", payee="contractor", payee_name="x"))
    assert state(project) == before


# --- the refusals the issue names ---------------------------------------------------------------
# A step out of the sequence is the workflow core's one wrong-state refusal (code WRONG_STATE, 409),
# in the sequence's own words (先启动、再拨付; 先验收、再报账; 先规划、再实施).


@pytest.mark.parametrize("status", ["proposed", "township_reviewed", "planned", "approved"])
def test_no_payment_before_the_start(areas, status):
    project = advance(proposed(areas.village_a1, unit(areas.county)), status)
    message = refused(project, "pay", "WRONG_STATE",
                      data=StepInput(amount="1000", source="central", payee="contractor", payee_name="x"))
    assert "先启动、再拨付" in message and "no payment before the start" in message


@pytest.mark.parametrize("status", ["proposed", "planned", "approved", "started"])
def test_no_settlement_before_acceptance(areas, status):
    project = advance(proposed(areas.village_a1, unit(areas.county)), status)
    if status == "started":
        pay(project, "1000", ago=5)
    message = refused(project, "settle", "WRONG_STATE")
    assert "先验收、再报账" in message


def test_spending_up_to_ten_percent_over_the_plan_passes_and_beyond_needs_a_new_approval(areas, personas):
    project = advance(proposed(areas.village_a1, unit(areas.county)), "started")  # approved 400,000
    pay(project, "400000", ago=5)
    pay(project, "40000", ago=4)  # exactly 110 %: allowed
    message = refused(project, "pay", "OVERSPEND",
                      data=StepInput(amount="0.01", source="central", payee="contractor", payee_name="x"))
    assert "440,000.01" in message and "追加批复" in message
    # a transfer is not spending: it does not count against the plan
    pay(project, "10000", ago=3, payee="transfer")
    refused(project, "reapprove", "REAPPROVE_LOWER", actor=personas.officer,
            data=StepInput(amount="400000", note="追加"))
    refused(project, "reapprove", "NOTE_REQUIRED", actor=personas.officer, data=StepInput(amount="500000"))
    project_step(project, "reapprove", actor=personas.officer, when=days_ago(2),
                 data=StepInput(amount="500000", note="增加建设内容，经县领导小组批准"))
    assert project.approved_total == Decimal("500000.00")
    pay(project, "100000", ago=1)
    assert spending_total(project.pk) == Decimal("540000.00")


def test_the_overspend_ratio_is_a_policy_parameter(areas, personas):
    from fupin.assessment.services import policy_version_create, work_year

    policy_version_create(year=work_year(), values={"project_overspend_ratio": "0.05"}, reason="从严", actor=None,
                          publish=True)
    project = advance(proposed(areas.village_a1, unit(areas.county)), "started")
    pay(project, "420000", ago=2)
    refused(project, "pay", "OVERSPEND",
            data=StepInput(amount="0.01", source="central", payee="contractor", payee_name="x"))


def test_allocations_stay_within_the_approved_total(areas):
    project = advance(proposed(areas.village_a1, unit(areas.county)), "approved")
    allocate(project, "400000", ago=5)
    refused(project, "allocate", "OVER_ALLOCATED", data=StepInput(amount="0.01", source="central"))


def test_allocation_needs_an_approved_project(areas):
    project = advance(proposed(areas.village_a1, unit(areas.county)), "planned")
    refused(project, "allocate", "WRONG_STATE", data=StepInput(amount="10", source="central"))


def test_no_start_before_approval_and_none_while_the_prestart_notice_runs(areas):
    project = advance(proposed(areas.village_a1, unit(areas.county)), "planned")
    assert "先规划、再实施" in refused(project, "start", "WRONG_STATE")
    project_step(project, "approve", actor=None, when=days_ago(5))
    message = refused(project, "start", "NOTICE_RUNNING", ago=0)
    assert "尚在公示期内" in message


def test_an_objection_to_the_prestart_notice_halts_the_start_until_resolved(areas, personas):
    project = advance(proposed(areas.village_a1, unit(areas.county)), "planned")
    project_step(project, "approve", actor=None, when=days_ago(20))
    notice = Notice.objects.get(kind="project_prestart", subject_id=project.pk)
    objection = objection_raise(notice, text="选址占用耕地", actor=None, when=days_ago(15))
    refused(project, "start", "OBJECTION_PENDING")
    objection_resolve(objection, outcome=Objection.Outcome.DISMISSED, resolution="经核实选址合规", actor=None)
    project_step(project, "start", actor=personas.officer, when=days_ago(1))
    assert project.status == "started"


def test_an_upheld_objection_refuses_the_township_review(areas, personas):
    project = proposed(areas.village_a1, unit(areas.county), ago=30)
    notice = Notice.objects.get(kind="project_village", subject_id=project.pk)
    objection = objection_raise(notice, text="未经民主评议", actor=None, when=days_ago(25))
    objection_resolve(objection, outcome=Objection.Outcome.UPHELD, resolution="属实", actor=None)
    refused(project, "township_review", "OBJECTION_UPHELD", actor=personas.township_a)


def test_the_township_waits_for_the_village_notice(areas, personas):
    project = proposed(areas.village_a1, unit(areas.county), ago=9)  # day 10 of 10 is today
    refused(project, "township_review", "NOTICE_RUNNING", actor=personas.township_a, ago=0)
    project = proposed(areas.village_a1, unit(areas.county), ago=10, name="乙项目")
    project_step(project, "township_review", actor=personas.township_a)
    assert project.status == "township_reviewed"


def test_every_step_from_a_wrong_status_is_refused(areas):
    project = advance(proposed(areas.village_a1, unit(areas.county)), "settled")
    for action in ("township_review", "county_approve", "approve", "start", "allocate", "reapprove", "accept",
                   "settle", "adjust", "withdraw"):
        data = StepInput(amount="10", source="central", note="x") if action in ("allocate", "reapprove") else (
            StepInput(note="x"))
        refused(project, action, "WRONG_STATE", data=data)
    refused(project, "pay", "WRONG_STATE", data=StepInput(amount="1", source="central", payee="contractor",
                                                          payee_name="x"))


def test_settlement_needs_some_spending(areas):
    project = advance(proposed(areas.village_a1, unit(areas.county)), "started")
    project_step(project, "accept", actor=None, when=days_ago(3))
    refused(project, "settle", "NOTHING_SPENT")


def test_payment_input_is_checked(areas, households):
    project = advance(proposed(areas.village_a1, unit(areas.county)), "started")
    refused(project, "pay", "", data=StepInput(amount="-5", source="central", payee="contractor", payee_name="x"),
            error=BadInput)
    refused(project, "pay", "", data=StepInput(amount="1.001", source="central", payee="contractor",
                                               payee_name="x"), error=BadInput)
    refused(project, "pay", "", data=StepInput(amount="100", source="lottery", payee="contractor", payee_name="x"),
            error=BadInput)
    refused(project, "pay", "", data=StepInput(amount="100", source="central", payee="", payee_name="x"),
            error=BadInput)
    message = refused(project, "pay", "", data=StepInput(amount="100", source="central", payee="beneficiary",
                                                         payee_name="张三", household=households["a1"]),
                      error=BadInput)
    assert "受益户" in message
    beneficiary_add(project, household=households["a1"], benefit="入股分红", actor=None)
    step = pay(project, "100", ago=0, payee="beneficiary", household=households["a1"])
    assert step.household == households["a1"] and step.is_spending


def test_withdrawal_and_yearly_adjustment(areas, personas):
    project = advance(proposed(areas.village_a1, unit(areas.county)), "planned")
    refused(project, "adjust", "", actor=personas.officer, data=StepInput(note="调整", year=2020), error=BadInput)
    project_step(project, "adjust", actor=personas.officer, when=days_ago(3),
                 data=StepInput(note="第四季度调整至下年度", year=2021, budget={"central": "250000"}))
    assert (project.year, project.budget_total, project.status) == (2021, Decimal("350000.00"), "planned")
    refused(project, "withdraw", "NOTE_REQUIRED", actor=personas.officer)
    project_step(project, "withdraw", actor=personas.officer, data=StepInput(note="群众意见不一致，出库"),
                 when=days_ago(2))
    assert project.status == "withdrawn"


# --- who may -------------------------------------------------------------------------------------


def test_capabilities_areas_and_the_responsible_unit(areas, personas):
    p = personas
    project = advance(proposed(areas.village_a1, unit(areas.county, "education")), "planned")
    before = state(project)
    for actor, action in ((p.cadre_a1, "approve"), (p.township_a, "approve"), (p.auditor, "approve"),
                          (p.cadre_b1, "withdraw"), (p.department, "allocate")):
        with pytest.raises(PermissionDenied):
            project_step(project, action, actor=actor, data=StepInput(note="x"))
    assert state(project) == before
    project_step(project, "approve", actor=p.officer, when=days_ago(12))
    other = advance(proposed(areas.village_a1, unit(areas.county, "agri"), name="别的单位的项目"), "planned")
    project_step(other, "approve", actor=p.officer, when=days_ago(12))
    with pytest.raises(PermissionDenied):
        project_step(other, "start", actor=p.department)  # 区教体局 is not responsible for it
    project_step(project, "start", actor=p.department)  # personas' department is 区教体局 (code education)
    assert project.status == "started"


def test_a_project_without_performance_targets_cannot_enter(areas):
    before = Project.objects.count(), Notice.objects.count()
    with pytest.raises(BadInput) as info:
        project_propose(project_input(areas.village_a1, unit(areas.county), performance_targets="  "), actor=None)
    assert info.value.code == "NO_TARGETS" and "绩效目标" in info.value.message
    bad: dict[str, Any]
    for bad in ({"budget": {}}, {"planned_end": date.today() - timedelta(days=400)}, {"name": ""}):
        with pytest.raises(BadInput):
            project_propose(project_input(areas.village_a1, unit(areas.county), **bad), actor=None)
    assert (Project.objects.count(), Notice.objects.count()) == before


def test_a_village_cadre_proposes_only_in_their_village(areas, personas):
    with pytest.raises(BadInput):
        project_propose(project_input(areas.village_b1, unit(areas.county)), actor=personas.cadre_a1)
    project = project_propose(project_input(areas.village_a1, unit(areas.county)), actor=personas.cadre_a1)
    assert project.created_by == personas.cadre_a1


def test_a_stale_status_is_a_concurrent_change(areas):
    project = advance(proposed(areas.village_a1, unit(areas.county)), "started")
    stale = Project.objects.get(pk=project.pk)
    project_step(project, "accept", actor=None, when=days_ago(1))
    with pytest.raises(ConcurrentChange):
        project_step(stale, "accept", actor=None)


def test_the_ledger_is_insert_only(areas):
    project = proposed(areas.village_a1, unit(areas.county))
    with pytest.raises(TypeError):
        ProjectStep.objects.filter(project=project).update(note="x")


def test_beneficiaries_come_from_the_registry_within_the_project_area(areas, households):
    project = proposed(areas.village_a1, unit(areas.county))
    with pytest.raises(BadInput):
        beneficiary_add(project, household=households["b1"], actor=None)
    beneficiary_add(project, household=households["a1"], benefit="务工", actor=None)
    with pytest.raises(BadInput):
        beneficiary_add(project, household=households["a1"], actor=None)
    assert Beneficiary.objects.filter(project=project).count() == 1
