"""The staff pages and the API: intake, actions with their step history, routing table and deadlines, figures."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from fupin.core.models import AuditEntry
from fupin.hotline.models import CategoryDeadline, RoutingRule, Ticket, TicketNotification, TicketStep
from fupin.hotline.selectors import hotline_unit_figures, ticket_figures
from fupin.hotline.services import hotline_sweep, ticket_callback, ticket_create, ticket_reply

pytestmark = pytest.mark.django_db


def client(user):
    c = Client()
    c.force_login(user)
    return c


def post_json(c, url, data):
    return c.post(url, json.dumps(data), content_type="application/json")


def test_a_cadre_enters_a_ticket_for_a_resident_of_the_village(people):
    c = client(people.cadre_a1)
    page = c.get("/hotline/new/").content.decode()
    assert "甲村民委员会" in page and "乙村民委员会" not in page
    response = c.post("/hotline/new/", {"channel": "cadre", "category": "benefit", "area": "411103101201",
                                        "text": "五保户张某的供养金未到账", "citizen_name": "张某"})
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/hotline/{ticket.pk}/"
    assert (ticket.channel, ticket.entered_by, ticket.area.code) == ("cadre", people.cadre_a1, "411103101201")
    refused = c.post("/hotline/new/", {"channel": "cadre", "category": "benefit", "area": "411103101202", "text": "x"})
    assert refused.status_code == 200 and Ticket.objects.count() == 1  # another village: refused, nothing written


def test_the_unit_transfers_answers_and_calls_back_on_the_ticket_page(people):
    ticket = ticket_create(channel="hotline", category="benefit", text="低保金没有发放", area=people.areas.village_a1,
                           actor=people.officer)
    office = client(people.officer)
    assert office.post(f"/hotline/{ticket.pk}/transfer/", {"to": "dept:education", "reason": ""}).status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).department != people.education  # no reason: refused
    office.post(f"/hotline/{ticket.pk}/transfer/", {"to": "dept:education", "reason": "属教育资助"})
    assert Ticket.objects.get(pk=ticket.pk).department == people.education
    # the village sees the ticket but may not act on it
    assert client(people.cadre_a1).get(f"/hotline/{ticket.pk}/").status_code == 200
    assert client(people.cadre_a1).post(f"/hotline/{ticket.pk}/reply/", {"text": "答复"}).status_code == 403
    dept = client(people.department)
    page = dept.get(f"/hotline/{ticket.pk}/").content.decode()
    assert 'data-testid="ticket-actions"' in page
    dept.post(f"/hotline/{ticket.pk}/reply/", {"text": "已发放到卡"})
    dept.post(f"/hotline/{ticket.pk}/callback/", {"satisfaction": "unsatisfied", "note": "只发了一个月"})
    ticket.refresh_from_db()
    assert ticket.status == "open" and ticket.reopen_count == 1
    page = dept.get(f"/hotline/{ticket.pk}/").content.decode()
    for label in ("受理", "分派", "转办", "属教育资助", "答复", "回访", "重新办理"):
        assert label in page
    assert AuditEntry.objects.filter(object_type="hotline.ticket", object_id=str(ticket.pk)).exclude(action="read").count() == 5
    assert dept.post(f"/hotline/{ticket.pk}/nonsense/", {}).status_code == 404


def test_my_tickets_shows_the_unit_s_tickets_and_its_notifications(people, clock):
    clock("2020-03-02")
    RoutingRule.objects.create(category="", local="township")
    ticket = ticket_create(channel="hotline", category="policy", text="咨询政策", area=people.areas.village_a1,
                           actor=people.officer)
    clock("2020-03-08")
    hotline_sweep()
    page = client(people.township_a).get("/hotline/mine/").content.decode()
    assert ticket.reference in page and "已超期" in page and "超期督办" in page
    assert TicketNotification.objects.filter(user=people.township_a).count() == 2  # routed, escalated


def test_the_routing_page_edits_rules_and_deadlines(people):
    c = client(people.officer)
    assert c.get("/hotline/routing/").status_code == 200
    c.post("/hotline/routing/rules/", {"category": "benefit", "area": "411103101000", "to": "local:village"})
    c.post("/hotline/routing/rules/", {"category": "", "area": "", "to": "dept:education"})
    assert RoutingRule.objects.count() == 2
    c.post("/hotline/routing/rules/", {"category": "benefit", "area": "411103101000", "to": "dept:education"})
    assert RoutingRule.objects.count() == 2  # a second rule for the same category and area is refused
    ticket = ticket_create(channel="hotline", category="benefit", text="x", area=people.areas.village_a1,
                           actor=people.officer)
    assert ticket.unit_area == people.areas.village_a1
    c.post("/hotline/routing/deadlines/", {"category": "benefit", "days": 7, "remind_hours": 12})
    assert CategoryDeadline.objects.get(category="benefit").days == 7
    c.post("/hotline/routing/deadlines/", {"category": "benefit", "days": 1, "remind_hours": 30})
    assert CategoryDeadline.objects.get(category="benefit").remind_hours == 12  # reminder after the deadline: refused
    rule = RoutingRule.objects.get(area__isnull=True)
    c.post(f"/hotline/routing/rules/{rule.pk}/delete/")
    assert RoutingRule.objects.count() == 1
    assert client(people.township_a).get("/hotline/routing/").status_code == 403


def test_figures_count_received_on_time_overdue_and_satisfaction_by_unit_category_and_month(people, clock):
    a = people.areas
    RoutingRule.objects.create(category="benefit", local="township")
    clock("2020-01-10")
    on_time = ticket_create(channel="hotline", category="benefit", text="1", area=a.village_a1, actor=people.officer)
    late = ticket_create(channel="hotline", category="policy", text="2", area=a.village_a1, actor=people.officer)
    clock("2020-01-12")
    ticket_reply(on_time, actor=people.officer, text="已办")
    ticket_callback(on_time, actor=people.officer, satisfaction="satisfied")
    clock("2020-02-03")
    never = ticket_create(channel="web", category="benefit", text="3", area=a.village_b1, actor=None)
    ticket_reply(late, actor=people.officer, text="迟复")
    ticket_callback(late, actor=people.officer, satisfaction="unsatisfied")
    clock("2020-03-01")
    f = ticket_figures(people.officer, year=2020)
    total = f["total"][0]
    assert (total.received, total.answered, total.on_time, total.overdue, total.rated, total.satisfied) == (
        3, 1, 1, 2, 2, 1)  # late: reopened, open past its new deadline (02-08); never: open past 02-13
    assert total.satisfaction_rate == 50.0 and total.on_time_rate == 33.3
    units = {u.label: (u.received, u.on_time, u.overdue) for u in f["unit"]}
    assert units == {"孟庙镇": (1, 1, 0), "商桥镇": (1, 0, 1), "区扶贫办": (1, 0, 1)}
    assert {c.key: c.received for c in f["category"]} == {"benefit": 2, "policy": 1}
    assert [(m.label, m.received) for m in f["month"]] == [("2020-01", 2), ("2020-02", 1)]
    assert {u.label for u in hotline_unit_figures(2020)} == {"孟庙镇", "商桥镇", "区扶贫办"}
    assert hotline_unit_figures(2019) == []
    cadre = ticket_figures(people.cadre_a1)["total"][0]
    assert cadre.received == 2  # the village's own tickets only
    assert never.pk and late.pk


def test_figures_use_a_fixed_number_of_queries(people, django_assert_max_num_queries):
    for i in range(30):
        ticket_create(channel="hotline", category=["benefit", "policy", "other"][i % 3], text=str(i),
                      area=[people.areas.village_a1, people.areas.village_b1][i % 2], actor=people.officer)
    with django_assert_max_num_queries(6):
        ticket_figures(people.officer)


def test_the_api_enters_acts_and_counts(people):
    c = client(people.cadre_a1)
    created = post_json(c, f"/api/v1/hotline/areas/{people.areas.village_a1.pk}/tickets",
                        {"channel": "cadre", "category": "benefit", "text": "医疗救助没有报销", "citizen_phone": "13800001111"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["unit"] == "区扶贫办" and body["can_act"] is False and body["citizen_phone"] == "138****1111"
    assert [(s["action"], s["from_state"], s["to_state"]) for s in body["steps"]] == [
        ("received", None, "open"), ("routed", "open", "open")]
    assert post_json(c, f"/api/v1/hotline/areas/{people.areas.village_b1.pk}/tickets",
                     {"category": "benefit", "text": "x"}).status_code == 404
    assert post_json(c, f"/api/v1/hotline/areas/{people.areas.village_a1.pk}/tickets",
                     {"category": "nonsense", "text": "x"}).status_code == 422
    office = client(people.office_clerk)
    pk = body["id"]
    transfer = post_json(office, f"/api/v1/hotline/tickets/{pk}/steps",
                         {"action": "transfer", "to": "area:411103101000", "reason": "属乡镇民政办"})
    assert transfer.status_code == 200 and transfer.json()["unit"] == "孟庙镇"
    refused = post_json(client(people.cadre_a1), f"/api/v1/hotline/tickets/{pk}/steps", {"action": "reply", "text": "x"})
    assert refused.status_code == 403 and refused.json()["code"] == "FORBIDDEN"
    reply = post_json(client(people.township_a), f"/api/v1/hotline/tickets/{pk}/steps", {"action": "reply", "text": "已报销"})
    assert reply.json()["status"] == "answered"
    again = post_json(client(people.township_a), f"/api/v1/hotline/tickets/{pk}/steps", {"action": "reply", "text": "x"})
    assert again.status_code == 409 and again.json()["code"] == "WRONG_STATE"
    listing = c.get("/api/v1/hotline/tickets?status=answered").json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == pk
    figures = c.get("/api/v1/hotline/figures").json()
    assert figures["total"][0]["received"] == 1 and figures["total"][0]["answered"] == 1
    assert TicketStep.objects.filter(ticket_id=pk).count() == 4


def test_the_step_history_is_insert_only(people):
    ticket_create(channel="hotline", category="policy", text="x", area=people.areas.village_a1, actor=people.officer)
    with pytest.raises(TypeError):
        TicketStep.objects.update(note="changed")


def test_an_overdue_filter_lists_open_tickets_past_their_deadline(people):
    t = ticket_create(channel="hotline", category="policy", text="逾期-X", area=people.areas.village_a1,
                      actor=people.officer, when=timezone.now() - timedelta(days=6))
    ticket_create(channel="hotline", category="policy", text="未逾期-Y", area=people.areas.village_a1, actor=people.officer)
    body = client(people.officer).get("/hotline/?overdue=1").content.decode()
    assert t.reference in body and "未逾期-Y" not in body


def test_a_wrong_state_step_answers_409_wrong_state_on_the_page_and_in_the_api_changing_nothing(people):
    from fupin.core.tests.refusals import assert_api_refuses, assert_page_refuses

    ticket = ticket_create(channel="hotline", category="benefit", text="低保金没有发放", area=people.areas.village_a1,
                           actor=people.officer)
    ticket_reply(ticket, actor=people.officer, text="已补发")
    ticket_callback(ticket, actor=people.officer, satisfaction="satisfied")
    office = client(people.officer)
    trail = AuditEntry.objects.filter(object_type="hotline.ticket", object_id=str(ticket.pk))
    audits, steps = trail.count(), TicketStep.objects.filter(ticket=ticket).count()

    def state():
        t = Ticket.objects.get(pk=ticket.pk)
        return t.status, t.reply, t.department_id, t.unit_area_id, t.reopen_count, t.closed_at

    before = state()
    assert before[:2] == ("closed", "已补发")
    assert_page_refuses(office, f"/hotline/{ticket.pk}/reply/", {"text": "再次答复"}, code="WRONG_STATE",
                        zh="该诉求不在办理中（当前：已办结）", en="the ticket is not being handled (now: CLOSED)")
    assert_page_refuses(office, f"/hotline/{ticket.pk}/callback/", {"satisfaction": "satisfied"}, code="WRONG_STATE",
                        zh="该诉求尚未答复，不能回访", en="the ticket has not been answered: no call-back yet")
    assert_api_refuses(office, f"/api/v1/hotline/tickets/{ticket.pk}/steps", {"action": "reply", "text": "再次答复"},
                       code="WRONG_STATE", zh="该诉求不在办理中")
    assert_api_refuses(office, f"/api/v1/hotline/tickets/{ticket.pk}/steps",
                       {"action": "transfer", "to": "dept:education", "reason": "属教育资助"},
                       code="WRONG_STATE", zh="该诉求不在办理中")
    assert state() == before
    assert (trail.count(), TicketStep.objects.filter(ticket=ticket).count()) == (audits, steps)
    assert list(TicketStep.objects.filter(ticket=ticket).values_list("action", "from_state", "to_state")) == [
        ("received", None, "open"), ("routed", "open", "open"), ("replied", "open", "answered"),
        ("called_back", "answered", "answered"), ("closed", "answered", "closed")]
