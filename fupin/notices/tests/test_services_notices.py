"""Notices: display periods by calendar day, objections only while on display, resolutions."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from fupin.core.errors import BadInput, DomainError
from fupin.core.models import AuditEntry
from fupin.notices.models import Notice, Objection
from fupin.notices.selectors import notices_on_display, objections_blocking, objections_open_of_subject
from fupin.notices.services import notice_close, notice_publish, objection_raise, objection_resolve


@pytest.fixture
def notice(areas, personas, clock):
    clock("2020-05-01")
    return notice_publish(kind=Notice.Kind.IDENTIFICATION_VILLAGE, area=areas.village_a1, title="甲村 张三 户 识别村级公示",
                          starts_on=date(2020, 5, 1), days=7, actor=personas.cadre_a1,
                          subject_type="registry.household", subject_id=42, subject_label="H-A1-0042")


def test_a_notice_of_seven_days_covers_seven_calendar_days(notice):
    assert (notice.starts_on, notice.ends_on, notice.days) == (date(2020, 5, 1), date(2020, 5, 7), 7)
    assert not notice.is_on_display(date(2020, 4, 30))
    assert notice.is_on_display(date(2020, 5, 1)) and notice.is_on_display(date(2020, 5, 7))
    assert not notice.is_on_display(date(2020, 5, 8))
    assert not notice.has_run_full_length(date(2020, 5, 7)) and notice.has_run_full_length(date(2020, 5, 8))
    assert (notice.days_left(date(2020, 5, 1)), notice.days_left(date(2020, 5, 7)), notice.days_left(date(2020, 5, 8))) == (7, 1, 0)
    assert AuditEntry.objects.filter(object_type="notices.notice", object_id=str(notice.pk)).count() == 1


def test_it_refuses_a_notice_of_no_days(areas, personas):
    with pytest.raises(BadInput):
        notice_publish(kind="project", area=areas.village_a1, title="x", starts_on=date(2020, 5, 1), days=0, actor=None)
    assert not Notice.objects.exists()


def test_the_database_refuses_a_notice_ending_before_it_starts(areas):
    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.create(kind="project", area=areas.village_a1, title="x", starts_on=date(2020, 5, 2),
                              ends_on=date(2020, 5, 1))


def test_it_takes_objections_on_the_last_day_but_not_the_day_after(notice, personas, clock):
    clock("2020-05-07", hour=23)
    objection_raise(notice, text="该户有小轿车", actor=personas.cadre_a1)
    clock("2020-05-08", hour=0)
    audit = AuditEntry.objects.count()
    with pytest.raises(DomainError) as excinfo:
        objection_raise(notice, text="迟到的异议", actor=personas.cadre_a1)
    assert excinfo.value.code == "NOTICE_NOT_ON_DISPLAY" and "2020-05-07" in excinfo.value.message
    assert Objection.objects.count() == 1 and AuditEntry.objects.count() == audit


def test_it_takes_no_objection_once_the_notice_is_taken_down(notice, personas, clock):
    clock("2020-05-03")
    notice_close(notice, actor=personas.township_a, note="撤回重发")
    with pytest.raises(DomainError) as excinfo:
        objection_raise(notice, text="异议", actor=personas.cadre_a1)
    assert "已撤下" in excinfo.value.message
    with pytest.raises(DomainError):
        notice_close(notice, actor=personas.township_a)
    assert not Objection.objects.exists()


def test_an_objection_needs_a_text_and_a_capability(notice, personas, clock):
    clock("2020-05-02")
    with pytest.raises(BadInput):
        objection_raise(notice, text="   ", actor=personas.cadre_a1)
    with pytest.raises(PermissionDenied):
        objection_raise(notice, text="异议", actor=personas.auditor)
    assert not Objection.objects.exists()
    objection = objection_raise(notice, text="异议", actor=None, channel=Objection.Channel.HOTLINE,
                                external_ref="12317-2020-0001")  # the hotline seam: the system records it
    assert (objection.channel, objection.external_ref, objection.recorded_by) == ("hotline", "12317-2020-0001", None)


def test_an_objection_is_resolved_once_with_an_outcome_and_a_note(notice, personas, clock):
    clock("2020-05-02")
    objection = objection_raise(notice, text="异议", raised_by_name="李四", contact="13912345678", actor=personas.cadre_a1)
    assert objections_blocking(notice) == [objection]
    assert list(objections_open_of_subject("registry.household", 42)) == [objection]
    for outcome, resolution in (("maybe", "x"), ("dismissed", " ")):
        with pytest.raises(BadInput):
            objection_resolve(objection, actor=personas.township_a, outcome=outcome, resolution=resolution)
    with pytest.raises(PermissionDenied):
        objection_resolve(objection, outcome="dismissed", resolution="不属实", actor=personas.cadre_a1)
    objection_resolve(objection, outcome="dismissed", resolution="经核实不属实", actor=personas.township_a)
    assert (objection.status, objection.outcome, objection.resolved_by) == ("resolved", "dismissed", personas.township_a)
    assert objections_blocking(notice) == [] and not objections_open_of_subject("registry.household", 42).exists()
    with pytest.raises(DomainError) as excinfo:
        objection_resolve(objection, outcome="upheld", resolution="改判", actor=personas.township_a)
    assert excinfo.value.code == "OBJECTION_RESOLVED"
    objection.refresh_from_db()
    assert objection.outcome == "dismissed"


def test_an_upheld_objection_keeps_blocking(notice, personas, clock):
    clock("2020-05-02")
    objection = objection_raise(notice, text="异议", actor=personas.cadre_a1)
    objection_resolve(objection, outcome="upheld", resolution="属实", actor=personas.township_a)
    assert objections_blocking(notice) == [objection]


def test_the_database_refuses_a_half_resolved_objection(notice):
    with pytest.raises(IntegrityError), transaction.atomic():
        Objection.objects.create(notice=notice, raised_at=notice.published_at, text="x", status="resolved",
                                 outcome="upheld", resolution="")


def test_the_village_board_shows_its_own_and_its_township_s_notices(notice, areas, personas):
    township = notice_publish(kind="project", area=areas.town_a, title="孟庙镇 项目公示", starts_on=date(2020, 5, 3),
                              days=10, actor=None)
    notice_publish(kind="project", area=areas.village_a2, title="乙村 项目公示", starts_on=date(2020, 5, 3), days=10,
                   actor=None)
    assert list(notices_on_display(areas.village_a1, date(2020, 5, 2))) == [notice]
    assert set(notices_on_display(areas.village_a1, date(2020, 5, 5))) == {notice, township}
    assert list(notices_on_display(areas.village_a1, date(2020, 5, 9))) == [township]


def test_names_and_contacts_are_masked_for_display(notice, personas, clock):
    clock("2020-05-02")
    o = objection_raise(notice, text="x", raised_by_name="欧阳娜娜", contact="13912345678", actor=personas.cadre_a1)
    assert (o.masked_name, o.masked_contact) == ("欧***", "139****5678")
