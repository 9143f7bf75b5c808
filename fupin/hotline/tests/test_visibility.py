"""Cadre-conduct complaints are seen only by the discipline inspection role: not the district admin, not a
superuser, not auditors, not the village, in no list, detail, count, figure, notification or API answer.
Other tickets follow the area scope (cadre_a1 never sees another village's) and the department's own."""

from __future__ import annotations

import json

import pytest
from django.db.models import F
from django.test import Client

from fupin.hotline.models import Ticket, TicketAttachment, TicketNotification, TicketStep
from fupin.hotline.selectors import hotline_unit_figures, ticket_figures, ticket_list
from fupin.hotline.services import hotline_sweep, ticket_create, ticket_transfer
from fupin.inbox.models import Message

pytestmark = pytest.mark.django_db
SECRET = "村支书优亲厚友-CONDUCT"


@pytest.fixture
def tickets(people):
    a = people.areas
    make = lambda cat, area, text: ticket_create(channel="hotline", category=cat, text=text, area=area,  # noqa: E731
                                                 actor=people.officer)
    return {"conduct": make("conduct", a.village_a1, SECRET), "a1": make("benefit", a.village_a1, "诉求-A1"),
            "a2": make("benefit", a.village_a2, "诉求-A2"), "b1": make("policy", a.village_b1, "诉求-B1")}


def client(user):
    c = Client()
    c.force_login(user)
    return c


EVERYONE_ELSE = ["admin", "officer", "office_clerk", "township_a", "cadre_a1", "team_a1", "auditor", "department",
                 "superuser", "nobody"]


@pytest.mark.parametrize("who", EVERYONE_ELSE)
def test_no_other_role_sees_a_conduct_complaint_anywhere(people, tickets, who):
    user = getattr(people, who)
    conduct = tickets["conduct"]
    assert not Ticket.objects.visible_to(user).filter(pk=conduct.pk).exists()
    assert all(t.category != "conduct" for t in ticket_list(user))
    figures = ticket_figures(user)
    assert all(f.key != "conduct" for f in figures["category"])
    assert figures["total"][0].received == Ticket.objects.visible_to(user).count()
    assert not TicketNotification.objects.filter(ticket=conduct, user=user).exists()
    assert not Message.objects.filter(user=user, link=f"/hotline/{conduct.pk}/").exists()
    c = client(user)
    for url in ("/hotline/", "/hotline/?category=conduct", "/hotline/mine/", "/hotline/figures/",
                "/api/v1/hotline/tickets?category=conduct", "/api/v1/hotline/tickets?limit=500",
                "/api/v1/hotline/figures", "/inbox/"):
        body = c.get(url).content.decode()
        assert SECRET not in body and conduct.reference not in body and "干部作风问题" not in body.replace(
            '<option value="conduct"', ""), url
    for url in (f"/hotline/{conduct.pk}/", f"/api/v1/hotline/tickets/{conduct.pk}"):
        assert c.get(url).status_code in (403, 404)
    assert c.post(f"/api/v1/hotline/tickets/{conduct.pk}/steps", json.dumps({"action": "note", "text": "看看"}),
                  content_type="application/json").status_code in (403, 404)
    missing = c.get("/api/v1/hotline/tickets/987654321")
    if who != "nobody":
        response = c.get(f"/api/v1/hotline/tickets/{conduct.pk}")
        assert (response.status_code, response.json()) == (missing.status_code, missing.json())


@pytest.mark.parametrize("who", ["admin", "superuser", "auditor", "cadre_a1"])
def test_the_models_own_visible_to_hides_a_conduct_complaint(people, tickets, who):
    """``visible_to`` is the whole rule: no caller has to add the conduct condition, on the ticket or on what
    hangs on it (steps, notifications, attachments are seen through their ticket)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    user = getattr(people, who)
    conduct = ticket_create(channel="web", category="conduct", text=SECRET, area=people.areas.village_a1, actor=None,
                            files=[SimpleUploadedFile("证据.jpg", b"\xff\xd8\xff conduct")])
    TicketNotification.objects.create(ticket=conduct, user=user, kind="note", message="看看")
    assert Ticket.objects.filter(pk=conduct.pk).exists()
    assert not Ticket.objects.visible_to(user).filter(pk=conduct.pk).exists()
    assert Ticket.objects.visible_to(user).filter(pk=tickets["a1"].pk).exists()
    for model in (TicketStep, TicketNotification, TicketAttachment):
        assert model.objects.filter(ticket=conduct).exists(), model
        assert not model.objects.visible_to(user).filter(ticket=conduct).exists(), model
    assert TicketStep.objects.visible_to(user).filter(ticket=tickets["a1"]).exists()
    assert TicketStep.objects.visible_to(people.inspector).filter(ticket=conduct).exists()
    assert TicketAttachment.objects.visible_to(people.inspector).filter(ticket=conduct).exists()


def test_the_inspector_sees_and_handles_conduct_complaints(people, tickets):
    conduct = tickets["conduct"]
    assert Ticket.objects.visible_to(people.inspector).filter(pk=conduct.pk).exists()
    assert TicketNotification.objects.filter(ticket=conduct, user=people.inspector).exists()
    assert Message.objects.filter(user=people.inspector, link=f"/hotline/{conduct.pk}/").exists()
    c = client(people.inspector)
    assert SECRET in c.get(f"/hotline/{conduct.pk}/").content.decode()
    api = c.get("/api/v1/hotline/tickets?category=conduct").json()
    assert api["count"] == 1 and api["items"][0]["id"] == conduct.pk
    response = c.post(f"/api/v1/hotline/tickets/{conduct.pk}/steps", json.dumps({"action": "reply", "text": "已立案核查"}),
                      content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "answered"
    assert ticket_figures(people.inspector)["total"][0].received == 4


def test_conduct_complaints_are_left_out_of_the_assessment_figures(people, tickets):
    year = tickets["a1"].received_at.year
    rows = hotline_unit_figures(year)
    assert sum(r.received for r in rows) == 3 and "区纪委监委" not in [r.label for r in rows]


def test_conduct_reminders_and_escalations_reach_only_inspectors(people, tickets):
    Ticket.objects.update(due_at=F("received_at"))
    hotline_sweep()
    told = set(TicketNotification.objects.filter(ticket=tickets["conduct"], kind="escalated")
               .values_list("user__username", flat=True))
    assert told == {"inspector"}


def test_a_village_cadre_sees_only_the_village_s_tickets(people, tickets):
    assert set(Ticket.objects.visible_to(people.cadre_a1)) == {tickets["a1"]}
    assert set(Ticket.objects.visible_to(people.township_a)) == {tickets["a1"], tickets["a2"]}
    assert set(Ticket.objects.visible_to(people.auditor)) == {tickets["a1"], tickets["a2"], tickets["b1"]}


def test_a_department_officer_sees_the_department_s_tickets_only(people, tickets):
    assert set(Ticket.objects.visible_to(people.department)) == set()
    ticket_transfer(tickets["a2"], actor=people.officer, reason="属教育资助", department=people.education)
    assert set(Ticket.objects.visible_to(people.department)) == {tickets["a2"]}


def test_the_audit_log_keeps_a_conduct_complaint_s_content_to_itself(people, tickets):
    from fupin.core.models import AuditEntry

    conduct = tickets["conduct"]
    ticket_transfer(conduct, actor=people.inspector, reason="转乡镇纪委", area=people.areas.town_a)
    entries = AuditEntry.objects.filter(object_type="hotline.ticket", object_id=str(conduct.pk))
    assert entries.count() == 2
    for entry in entries:
        text = json.dumps(entry.changes, ensure_ascii=False) + entry.object_label
        assert entry.object_label == conduct.reference and entry.changes["confidential"] is True
        for secret in (SECRET, "conduct", "区纪委监委", "转乡镇纪委", "孟庙镇"):
            assert secret not in text


def test_a_conduct_complaint_s_attachment_is_not_found_by_others(people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ticket = ticket_create(channel="web", category="conduct", text=SECRET, area=people.areas.village_a1, actor=None,
                           files=[SimpleUploadedFile("证据.jpg", b"\xff\xd8\xff conduct")])
    attachment = ticket.attachments.get()
    for who in ("admin", "auditor", "cadre_a1", "superuser"):
        assert client(getattr(people, who)).get(f"/hotline/attachments/{attachment.pk}/").status_code == 404
    assert client(people.inspector).get(f"/hotline/attachments/{attachment.pk}/").status_code == 200


def test_a_conduct_complaint_cannot_be_an_objection_shown_on_a_notice(people):
    from datetime import date

    from fupin.core.errors import BadInput
    from fupin.notices.models import Objection
    from fupin.notices.services import notice_publish

    notice = notice_publish(kind="exit", area=people.areas.village_a1, title="退出公示", starts_on=date.today(), days=7,
                            actor=None)
    with pytest.raises(BadInput, match="干部作风问题"):
        ticket_create(channel="web", category="conduct", text=SECRET, area=people.areas.village_a1, actor=None,
                      notice=notice)
    assert not Objection.objects.exists()
