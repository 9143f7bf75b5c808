"""Tickets: routing by category and area, deadlines, reminders and escalation in time, transfers,
replies, call-backs and reopening, and their step history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fupin.core.errors import BadInput, DomainError
from fupin.core.models import AuditEntry
from fupin.hotline.models import CategoryDeadline, RoutingRule, Ticket, TicketNotification, TicketStep
from fupin.hotline.services import (
    hotline_sweep,
    ticket_callback,
    ticket_create,
    ticket_reopen,
    ticket_reply,
    ticket_transfer,
    tracking_code_normalise,
)
from fupin.inbox.models import Message

pytestmark = pytest.mark.django_db


def new(people, category="benefit", area=None, **kw):
    return ticket_create(channel=kw.pop("channel", "hotline"), category=category, text=kw.pop("text", "低保金没有发放"),
                         area=area or people.areas.village_a1, actor=kw.pop("actor", people.officer), **kw)


def steps(ticket):
    return list(TicketStep.objects.filter(ticket=ticket).order_by("at", "pk").values_list("action", flat=True))


class TestRouting:
    def test_without_rules_a_ticket_goes_to_the_district_office(self, people):
        ticket = new(people)
        assert ticket.department == people.office and ticket.unit_area is None
        assert steps(ticket) == ["received", "routed"]
        assert TicketStep.objects.get(ticket=ticket, action="routed").to_unit == "区扶贫办"

    def test_the_most_specific_rule_wins(self, people):
        a = people.areas
        RoutingRule.objects.create(category="", area=None, department=people.education)
        RoutingRule.objects.create(category="benefit", area=a.county, local="township")
        RoutingRule.objects.create(category="benefit", area=a.town_b, local="village")
        assert new(people, "policy").department == people.education  # generic rule
        assert new(people, "benefit").unit_area == a.town_a  # county rule for the category: the township
        assert new(people, "benefit", area=a.village_b1).unit_area == a.village_b1  # township b's rule: the village

    def test_cadre_conduct_always_goes_to_discipline_inspection(self, people):
        RoutingRule.objects.create(category="", area=None, department=people.education)
        RoutingRule.objects.create(category="conduct", area=None, department=people.education)
        assert new(people, "conduct").department == people.discipline

    def test_the_deadline_comes_from_the_category_table_or_its_default(self, people, clock):
        clock("2020-03-02")
        assert new(people, "policy").due_at == timezone.now() + timedelta(days=5)
        CategoryDeadline.objects.create(category="policy", days=3, remind_hours=12)
        assert new(people, "policy").due_at == timezone.now() + timedelta(days=3)

    def test_a_village_cadre_enters_a_ticket_on_behalf_of_a_resident(self, people):
        ticket = new(people, actor=people.cadre_a1, channel="cadre", citizen_name="王秀兰", citizen_phone="13812345678")
        assert ticket.entered_by == people.cadre_a1 and ticket.channel == "cadre"
        assert ticket.masked_name == "王**" and ticket.masked_phone == "138****5678"

    def test_bad_input_changes_nothing(self, people):
        with pytest.raises(BadInput, match="类别无效"):
            new(people, "nonsense")
        with pytest.raises(BadInput, match="须填写诉求内容"):
            new(people, text="  ")
        with pytest.raises(PermissionDenied):
            new(people, actor=people.auditor)
        with pytest.raises(BadInput, match="不能晚于现在"):
            new(people, when=timezone.now() + timedelta(days=1))
        assert Ticket.objects.count() == 0

    def test_the_tracking_code_is_long_random_and_forgiving_when_typed(self, people):
        codes = {new(people).tracking_code for _ in range(20)}
        assert len(codes) == 20 and all(len(c) == 19 for c in codes)
        code = next(iter(codes))
        assert tracking_code_normalise(code.lower().replace("-", " ")) == code


class TestAttachments:
    def test_files_are_checked_and_stored_under_media(self, people, media):
        pdf = SimpleUploadedFile("证明.pdf", b"%PDF-1.4 proof", content_type="application/pdf")
        ticket = new(people, files=[pdf])
        stored = ticket.attachments.get()
        assert stored.original_name == "证明.pdf" and (media / stored.file.name).read_bytes() == b"%PDF-1.4 proof"
        assert stored.file.name.startswith("hotline/")

    @pytest.mark.parametrize(("name", "content", "message"), [
        ("a.exe", b"MZ", "类型不允许"), ("a.pdf", b"<html>", "内容与扩展名不符"), ("a.png", b"", "空文件")])
    def test_a_bad_file_refuses_the_whole_ticket(self, people, media, name, content, message):
        with pytest.raises(BadInput, match=message):
            new(people, files=[SimpleUploadedFile(name, content)])
        assert Ticket.objects.count() == 0 and not list(media.rglob("*.*"))

    def test_too_large_and_too_many_files_are_refused(self, people, settings):
        settings.FUPIN_HOTLINE_MAX_BYTES = 10
        with pytest.raises(BadInput, match="超过"):
            new(people, files=[SimpleUploadedFile("a.pdf", b"%PDF" + b"x" * 20)])
        with pytest.raises(BadInput, match="最多 3 个"):
            new(people, files=[SimpleUploadedFile(f"{i}.pdf", b"%PDF") for i in range(4)])


class TestSweep:
    def test_reminder_before_and_escalation_after_the_deadline_once_each(self, people, clock):
        clock("2020-03-02")  # benefit: 10 days, reminder 48 hours before
        ticket = new(people)
        assert hotline_sweep().reminded == 0
        clock("2020-03-10", hour=9)  # 49 hours before the deadline: not yet
        assert hotline_sweep().reminded == 0
        clock("2020-03-10", hour=11)  # 47 hours before
        result = hotline_sweep()
        assert (result.reminded, result.escalated) == (1, 0)
        assert hotline_sweep().reminded == 0  # once per deadline
        clock("2020-03-12", hour=11)  # past 2020-03-12 10:00
        result = hotline_sweep()
        assert (result.reminded, result.escalated) == (0, 1)
        assert hotline_sweep().escalated == 0
        assert steps(ticket) == ["received", "routed", "reminded", "escalated"]
        ticket.refresh_from_db()
        assert ticket.is_overdue() and ticket.escalated_at == timezone.now()
        escalation = TicketStep.objects.get(ticket=ticket, action="escalated")
        assert escalation.at == timezone.now() and escalation.to_unit == "区扶贫办"
        assert escalation.note == "已超过办理时限 2020-03-12 10:00，报区扶贫办督办"
        notice = TicketNotification.objects.get(ticket=ticket, kind="escalated", user=people.office_clerk)
        assert notice.created_at == timezone.now() and notice.message == f"诉求 {ticket.reference}「低保金没有发放」已超期，督办"
        inbox = Message.objects.get(user=people.office_clerk, title=notice.message)  # also in the inbox
        assert inbox.link == f"/hotline/{ticket.pk}/" and inbox.read_at is None

    def test_reminders_go_to_the_unit_and_escalations_also_to_the_district_office(self, people, clock):
        clock("2020-03-02")
        RoutingRule.objects.create(category="", area=None, local="township")
        ticket = new(people)
        assert ticket.unit_area == people.areas.town_a
        clock("2020-03-11")
        hotline_sweep()
        told = set(TicketNotification.objects.filter(kind="reminded").values_list("user__username", flat=True))
        assert told == {"township_a"}
        clock("2020-03-13")
        hotline_sweep()
        told = set(TicketNotification.objects.filter(kind="escalated").values_list("user__username", flat=True))
        assert told == {"township_a", "admin", "officer"}
        assert AuditEntry.objects.filter(object_label="hotline-sweep").count() == 2

    def test_an_answered_ticket_is_neither_reminded_nor_escalated(self, people, clock):
        clock("2020-03-02")
        ticket = new(people)
        ticket_reply(ticket, actor=people.officer, text="已核实并补发")
        clock("2020-04-01")
        assert hotline_sweep().escalated == 0

    def test_the_command_runs_the_sweep(self, people, clock):
        from django.core.management import call_command

        clock("2020-03-02")
        new(people, "policy")
        clock("2020-03-20")
        from io import StringIO

        out = StringIO()
        call_command("hotline_sweep", stdout=out)
        assert "超期督办 1 件" in out.getvalue()
        assert TicketStep.objects.filter(action="escalated").count() == 1


class TestTransferReplyReopen:
    def test_a_transfer_needs_a_reason_and_moves_the_ticket_keeping_its_deadline(self, people):
        ticket = new(people)
        due = ticket.due_at
        with pytest.raises(BadInput, match="理由"):
            ticket_transfer(ticket, actor=people.officer, reason=" ", department=people.education)
        ticket_transfer(ticket, actor=people.officer, reason="属教育资助", department=people.education)
        ticket.refresh_from_db()
        assert ticket.department == people.education and ticket.due_at == due
        step = TicketStep.objects.get(ticket=ticket, action="transferred")
        assert (step.from_unit, step.to_unit, step.note, step.actor) == ("区扶贫办", "区教体局", "属教育资助", people.officer)
        assert TicketNotification.objects.filter(ticket=ticket, user=people.department, kind="transferred").exists()

    def test_only_the_handling_unit_acts(self, people):
        ticket = new(people)
        ticket_transfer(ticket, actor=people.officer, reason="属教育资助", department=people.education)
        with pytest.raises(PermissionDenied):
            ticket_reply(ticket, actor=people.cadre_a1, text="答复")
        with pytest.raises(PermissionDenied):
            ticket_reply(ticket, actor=people.auditor, text="答复")
        ticket_reply(ticket, actor=people.department, text="已发放")
        assert ticket.status == "answered"

    def test_a_ticket_moved_by_someone_else_is_refused(self, people):
        ticket = new(people)
        stale = Ticket.objects.get(pk=ticket.pk)
        ticket_transfer(ticket, actor=people.officer, reason="属教育资助", department=people.education)
        with pytest.raises(DomainError):
            ticket_reply(stale, actor=people.officer, text="答复")

    def test_unsatisfied_call_back_reopens_with_a_new_deadline_and_satisfied_closes(self, people, clock):
        clock("2020-03-02")
        ticket = new(people)
        clock("2020-03-05")
        ticket_reply(ticket, actor=people.officer, text="已补发")
        clock("2020-03-06")
        ticket_callback(ticket, actor=people.officer, satisfaction="unsatisfied", note="只补发了一个月")
        assert ticket.status == "open" and ticket.reopen_count == 1 and ticket.answered_at is None
        assert ticket.due_at == timezone.now() + timedelta(days=10)
        ticket_reply(ticket, actor=people.officer, text="已全部补发")
        ticket_callback(ticket, actor=people.officer, satisfaction="satisfied")
        assert ticket.status == "closed" and ticket.closed_at is not None
        assert steps(ticket) == ["received", "routed", "replied", "called_back", "reopened", "replied",
                                 "called_back", "closed"]

    def test_a_closed_ticket_is_reopened_with_a_reason(self, people):
        ticket = new(people)
        with pytest.raises(DomainError):
            ticket_reopen(ticket, actor=people.officer, reason="再次反映")
        ticket_reply(ticket, actor=people.officer, text="已补发")
        ticket_callback(ticket, actor=people.officer, satisfaction="basic")
        with pytest.raises(BadInput):
            ticket_reopen(ticket, actor=people.officer, reason="")
        ticket_reopen(ticket, actor=people.officer, reason="群众再次来电")
        assert ticket.status == "open" and ticket.reopen_count == 1
        with pytest.raises(DomainError, match="尚未答复"):
            ticket_callback(ticket, actor=people.officer, satisfaction="satisfied")
