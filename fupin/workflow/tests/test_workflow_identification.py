"""The household workflow, identification side (RULES §3): two notices, an announcement, objections."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from fupin.assessment.services import policy_version_create, work_year
from fupin.core.errors import BadInput, ConcurrentChange, TransitionRefused
from fupin.core.models import AuditEntry
from fupin.notices.models import Notice, Objection
from fupin.notices.services import notice_close, objection_raise, objection_resolve
from fupin.registry.models import Household
from fupin.workflow.models import HouseholdTransition, TransitionAttachment
from fupin.workflow.services import household_transition
from fupin.workflow.tests.conftest import at

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


def state(household: Household, media) -> dict[str, object]:
    """Everything a refused step must leave as it was."""
    h = Household.objects.get(pk=household.pk)
    return {
        "household": (h.status, h.attribute, h.identified_year, h.exit_year),
        "transitions": HouseholdTransition.objects.count(),
        "notices": list(Notice.objects.order_by("pk").values_list("pk", "status")),
        "objections": Objection.objects.count(),
        "audit": AuditEntry.objects.count(),
        "attachments": TransitionAttachment.objects.count(),
        "files": sorted(p.name for p in media.rglob("*") if p.is_file()),
    }


def refused(household, media, action, actor, code, **kwargs) -> TransitionRefused:
    before = state(household, media)
    with pytest.raises(TransitionRefused) as excinfo:
        household_transition(household, action, actor=actor, **kwargs)
    assert excinfo.value.code == code, excinfo.value.message
    assert " / " in excinfo.value.message  # 中文 / English
    assert state(household, media) == before
    return excinfo.value


def pdf(name: str = "评议记录.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def village_reviewed(candidate, personas, clock):
    """A candidate that applied and passed the village review on 2020-05-01 (village notice 05-01..05-07)."""
    clock("2020-05-01")
    household_transition(candidate, "apply", actor=personas.cadre_a1, note="本人申请")
    household_transition(candidate, "village_review", actor=personas.cadre_a1, note="村民代表大会评议通过")
    return candidate


def test_it_identifies_a_household_through_two_notices_and_an_announcement(village_reviewed, personas, clock, media):
    h = village_reviewed
    assert h.status == Household.Status.VILLAGE_REVIEWED
    village_notice = Notice.objects.get(kind=Notice.Kind.IDENTIFICATION_VILLAGE)
    assert (village_notice.starts_on, village_notice.ends_on) == (date(2020, 5, 1), date(2020, 5, 7))
    assert (village_notice.area, village_notice.subject_type, village_notice.subject_id) == (
        h.village, "registry.household", h.pk)

    clock("2020-05-08")
    household_transition(h, "township_review", actor=personas.township_a, files=[pdf()])
    assert h.status == Household.Status.TOWNSHIP_REVIEWED
    village_notice.refresh_from_db()
    assert village_notice.status == Notice.Status.CLOSED and not village_notice.closed_early()
    township_notice = Notice.objects.get(kind=Notice.Kind.IDENTIFICATION_TOWNSHIP)
    assert (township_notice.starts_on, township_notice.ends_on) == (date(2020, 5, 8), date(2020, 5, 14))

    clock("2020-05-15")
    household_transition(h, "county_approve", actor=personas.officer, attribute="general_poor")
    assert (h.status, h.attribute, h.identified_year) == (Household.Status.REGISTERED, "general_poor", work_year())
    announcement = Notice.objects.get(kind=Notice.Kind.COUNTY_ANNOUNCEMENT)
    assert announcement.starts_on == date(2020, 5, 15)

    steps = list(HouseholdTransition.objects.filter(household=h).order_by("at", "pk"))
    assert [(s.action, s.from_state, s.to_state) for s in steps] == [
        ("apply", None, "applied"), ("village_review", "applied", "village_reviewed"),
        ("township_review", "village_reviewed", "township_reviewed"), ("county_approve", "township_reviewed", "registered"),
    ]
    assert [s.actor for s in steps] == [personas.cadre_a1, personas.cadre_a1, personas.township_a, personas.officer]
    assert steps[1].notice == village_notice and steps[2].notice == township_notice and steps[3].notice == announcement
    attachment = TransitionAttachment.objects.get()
    assert attachment.transition == steps[2] and attachment.original_name == "评议记录.pdf"
    assert str(attachment.file.name).startswith("evidence/") and (media / attachment.file.name).read_bytes() == PDF
    audits = AuditEntry.objects.filter(object_type="registry.household", object_id=str(h.pk), action="transition")
    assert sorted(a.changes["action"] for a in audits) == sorted(s.action for s in steps)


def test_it_waits_for_the_last_day_of_the_village_notice(village_reviewed, personas, clock, media):
    clock("2020-05-07", hour=23)  # the last day of display, late in the evening
    error = refused(village_reviewed, media, "township_review", personas.township_a, "NOTICE_RUNNING")
    assert "2020-05-08" in error.message
    clock("2020-05-08", hour=0)  # the day after: allowed from midnight
    household_transition(village_reviewed, "township_review", actor=personas.township_a)
    assert village_reviewed.status == Household.Status.TOWNSHIP_REVIEWED


def test_it_waits_for_the_township_notice_before_county_approval(village_reviewed, personas, clock, media):
    clock("2020-05-08")
    household_transition(village_reviewed, "township_review", actor=personas.township_a)
    clock("2020-05-14")
    refused(village_reviewed, media, "county_approve", personas.officer, "NOTICE_RUNNING", attribute="general_poor")
    clock("2020-05-15")
    household_transition(village_reviewed, "county_approve", actor=personas.officer, attribute="dibao_poor")
    assert village_reviewed.attribute == "dibao_poor"


def test_an_open_objection_halts_the_next_step_until_dismissed(village_reviewed, personas, clock, media):
    notice = Notice.objects.get()
    clock("2020-05-03")
    objection = objection_raise(notice, text="该户有家庭成员在县城购买商品房", raised_by_name="王某", contact="13800000000",
                                actor=personas.cadre_a1)
    clock("2020-05-09")
    error = refused(village_reviewed, media, "township_review", personas.township_a, "OBJECTION_PENDING")
    assert "1" in error.message
    objection_resolve(objection, outcome="dismissed", resolution="经核实，商品房属其已分户的儿子", actor=personas.township_a)
    household_transition(village_reviewed, "township_review", actor=personas.township_a)
    assert village_reviewed.status == Household.Status.TOWNSHIP_REVIEWED


def test_an_upheld_objection_stops_the_step_and_a_withdrawal_starts_over(village_reviewed, personas, clock, media):
    notice = Notice.objects.get()
    clock("2020-05-03")
    objection = objection_raise(notice, text="该户经营运输车辆", actor=personas.cadre_a1)
    objection_resolve(objection, outcome="upheld", resolution="属实，不符合识别条件", actor=personas.township_a)
    clock("2020-05-09")
    refused(village_reviewed, media, "township_review", personas.township_a, "OBJECTION_UPHELD")
    refused(village_reviewed, media, "withdraw_application", personas.township_a, "NOTE_REQUIRED")
    household_transition(village_reviewed, "withdraw_application", actor=personas.township_a, note="异议成立，不予识别")
    assert village_reviewed.status is None
    notice.refresh_from_db()
    assert notice.status == Notice.Status.CLOSED


def test_an_objection_on_the_township_notice_halts_county_approval(village_reviewed, personas, clock, media):
    clock("2020-05-08")
    household_transition(village_reviewed, "township_review", actor=personas.township_a)
    township_notice = Notice.objects.get(kind=Notice.Kind.IDENTIFICATION_TOWNSHIP)
    clock("2020-05-14")  # the last day of display still takes objections
    objection = objection_raise(township_notice, text="家中有财政供养人员", actor=personas.team_a1)
    clock("2020-05-15")
    refused(village_reviewed, media, "county_approve", personas.officer, "OBJECTION_PENDING", attribute="general_poor")
    objection_resolve(objection, outcome="dismissed", resolution="查无此人", actor=personas.officer)
    household_transition(village_reviewed, "county_approve", actor=personas.officer, attribute="general_poor")
    assert village_reviewed.status == Household.Status.REGISTERED


def test_a_notice_taken_down_early_has_not_run_its_length(village_reviewed, personas, clock, media):
    clock("2020-05-05")
    notice_close(Notice.objects.get(), actor=personas.township_a, note="公示栏损坏")
    clock("2020-05-10")
    refused(village_reviewed, media, "township_review", personas.township_a, "NOTICE_CLOSED_EARLY")


def test_county_approval_needs_a_registered_attribute(village_reviewed, personas, clock, media):
    clock("2020-05-08")
    household_transition(village_reviewed, "township_review", actor=personas.township_a)
    clock("2020-05-15")
    refused(village_reviewed, media, "county_approve", personas.officer, "ATTRIBUTE_REQUIRED")
    refused(village_reviewed, media, "county_approve", personas.officer, "ATTRIBUTE_REQUIRED", attribute="ordinary")


def test_it_refuses_a_step_with_no_notice_on_record(areas, personas, media):
    imported = Household.objects.create(household_no="H-A1-0200", village=areas.village_a1, attribute="general_poor",
                                        status=Household.Status.VILLAGE_REVIEWED)
    refused(imported, media, "township_review", personas.township_a, "NO_NOTICE")


def test_each_level_acts_only_on_its_own_steps(candidate, personas, clock, media):
    clock("2020-05-01")
    for user in (personas.township_a, personas.officer, personas.auditor, personas.department):
        before = state(candidate, media)
        with pytest.raises(PermissionDenied):
            household_transition(candidate, "apply", actor=user)
        assert state(candidate, media) == before
    household_transition(candidate, "apply", actor=personas.team_a1)  # the work team acts for the village
    with pytest.raises(PermissionDenied):
        household_transition(candidate, "village_review", actor=personas.township_a)


def test_it_refuses_a_household_outside_the_actor_s_areas(areas, personas, clock, media):
    other = Household.objects.create(household_no="H-A2-0100", village=areas.village_a2, attribute="ordinary")
    clock("2020-05-01")
    with pytest.raises(PermissionDenied):
        household_transition(other, "apply", actor=personas.cadre_a1)
    assert not HouseholdTransition.objects.exists()


def test_it_refuses_a_stale_household(candidate, personas, clock, media):
    clock("2020-05-01")
    stale = Household.objects.get(pk=candidate.pk)
    household_transition(candidate, "apply", actor=personas.cadre_a1)
    before = state(candidate, media)
    with pytest.raises(ConcurrentChange):
        household_transition(stale, "apply", actor=personas.cadre_a1)
    assert state(candidate, media) == before


def test_it_refuses_times_in_the_future_or_before_the_previous_step(candidate, personas, clock, media):
    clock("2020-05-01")
    household_transition(candidate, "apply", actor=personas.cadre_a1)
    for when in (at("2020-05-02"), at("2020-04-30")):
        before = state(candidate, media)
        with pytest.raises(BadInput):
            household_transition(candidate, "village_review", actor=personas.cadre_a1, when=when)
        assert state(candidate, media) == before


def test_a_step_done_on_paper_counts_its_notice_from_that_day(candidate, personas, clock, media):
    clock("2020-05-10")
    household_transition(candidate, "apply", actor=personas.cadre_a1, when=at("2020-05-01", 9))
    household_transition(candidate, "village_review", actor=personas.cadre_a1, when=at("2020-05-02", 9))
    notice = Notice.objects.get()
    assert (notice.starts_on, notice.ends_on) == (date(2020, 5, 2), date(2020, 5, 8))
    household_transition(candidate, "township_review", actor=personas.township_a)  # 05-10 > 05-08
    assert candidate.status == Household.Status.TOWNSHIP_REVIEWED


def test_it_uses_the_notice_length_of_the_policy(candidate, personas, clock):
    policy_version_create(year=2020, region=personas.areas.town_a, values={"notice_days": 5}, reason="乡镇规定",
                          actor=None, publish=True)
    clock("2020-05-01")
    household_transition(candidate, "apply", actor=personas.cadre_a1)
    household_transition(candidate, "village_review", actor=personas.cadre_a1)
    assert Notice.objects.get().ends_on == date(2020, 5, 5)


def test_it_withdraws_an_application_at_every_identification_stage(village_reviewed, personas, clock, media):
    clock("2020-05-02")
    household_transition(village_reviewed, "withdraw_application", actor=personas.cadre_a1, note="户主撤回申请")
    assert village_reviewed.status is None
    notice = Notice.objects.get()
    assert notice.status == Notice.Status.CLOSED and notice.closed_early()
    household_transition(village_reviewed, "apply", actor=personas.cadre_a1, note="重新申请")
    assert village_reviewed.status == Household.Status.APPLIED


# --- evidence files -----------------------------------------------------------------------------


def test_it_refuses_files_of_a_wrong_type_or_size_and_keeps_none(candidate, personas, clock, media, settings):
    clock("2020-05-01")
    bad = [
        SimpleUploadedFile("page.html", b"<html></html>"),
        SimpleUploadedFile("scan.pdf", b"<html>not a pdf</html>"),
        SimpleUploadedFile("empty.pdf", b""),
    ]
    for upload in bad:
        before = state(candidate, media)
        with pytest.raises(BadInput) as excinfo:
            household_transition(candidate, "apply", actor=personas.cadre_a1, files=[upload])
        assert str(upload.name) in excinfo.value.message and "files" in excinfo.value.fields
        assert state(candidate, media) == before
    settings.FUPIN_EVIDENCE_MAX_BYTES = 10
    with pytest.raises(BadInput):
        household_transition(candidate, "apply", actor=personas.cadre_a1, files=[pdf()])
    settings.FUPIN_EVIDENCE_MAX_BYTES = 1024
    settings.FUPIN_EVIDENCE_MAX_FILES = 2
    with pytest.raises(BadInput):
        household_transition(candidate, "apply", actor=personas.cadre_a1, files=[pdf(), pdf(), pdf()])
    assert state(candidate, media)["files"] == []


def test_a_refused_step_keeps_none_of_its_files(village_reviewed, personas, clock, media):
    clock("2020-05-03")
    refused(village_reviewed, media, "township_review", personas.township_a, "NOTICE_RUNNING", files=[pdf()])


def test_it_removes_written_files_when_the_step_fails_after_writing_them(candidate, personas, clock, media, monkeypatch):
    clock("2020-05-01")

    def broken_audit(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("fupin.core.workflow.audit_record", broken_audit)  # the core writes the audit entry
    before = state(candidate, media)
    with pytest.raises(RuntimeError):
        household_transition(candidate, "apply", actor=personas.cadre_a1, files=[pdf(), pdf("照片.pdf")])
    assert state(candidate, media) == before
