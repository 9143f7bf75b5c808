"""A ticket raised as an objection to a notice halts the notice's workflow step (through
notices.objection_raise, the single entry point) until the ticket is answered, which resolves the
objection (notices.objection_resolve) and so releases the step, or, upheld, stops it."""

from __future__ import annotations

import pytest
from django.test import Client

from fupin.assessment.services import policy_seed_defaults
from fupin.core.errors import DomainError, TransitionRefused
from fupin.core.testing import make_household
from fupin.hotline.models import Ticket
from fupin.hotline.services import ticket_create, ticket_reply
from fupin.notices.models import Notice, Objection
from fupin.registry.models import Household
from fupin.workflow.services import household_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(people, clock):
    """A candidate in village a1 that applied and passed the village review on 2020-05-01 (notice 05-01..05-07)."""
    policy_seed_defaults()
    clock("2020-05-01")
    household = make_household(people.areas.village_a1, "H-A1-0100", status=None)
    household_transition(household, "apply", actor=people.cadre_a1, note="本人申请")
    household_transition(household, "village_review", actor=people.cadre_a1, note="村民代表大会评议通过")
    return household


def refused_code(household, people) -> str:
    with pytest.raises(TransitionRefused) as excinfo:
        household_transition(Household.objects.get(pk=household.pk), "township_review", actor=people.township_a)
    return excinfo.value.code


def test_a_hotline_objection_halts_the_step_until_the_ticket_is_answered(reviewed, people, clock):
    notice = Notice.objects.get(kind="identification_village")
    clock("2020-05-03")
    ticket = ticket_create(channel="hotline", category="dispute", text="该户有家庭成员在县城购买商品房",
                           area=people.areas.village_a1, actor=people.officer, citizen_name="王某", notice=notice)
    objection = Objection.objects.get()
    assert ticket.channel == "objection" and ticket.objection == objection and objection.is_pending
    assert objection.external_ref == ticket.reference
    clock("2020-05-09")  # the notice has run its full length: only the objection stops the township review
    assert refused_code(reviewed, people) == "OBJECTION_PENDING"
    with pytest.raises(DomainError, match="处理结果"):
        ticket_reply(ticket, actor=people.officer, text="经核实不属实")
    assert refused_code(reviewed, people) == "OBJECTION_PENDING"
    ticket_reply(ticket, actor=people.officer, text="经核实，商品房属其已分户的儿子", outcome="dismissed")
    objection.refresh_from_db()
    assert (objection.status, objection.outcome, objection.resolution) == (
        "resolved", "dismissed", "经核实，商品房属其已分户的儿子")
    household_transition(reviewed, "township_review", actor=people.township_a)
    assert reviewed.status == Household.Status.TOWNSHIP_REVIEWED


def test_an_upheld_objection_keeps_the_step_stopped(reviewed, people, clock):
    clock("2020-05-03")
    ticket = ticket_create(channel="objection", category="dispute", text="户主有稳定工资收入", area=people.areas.village_a1,
                           actor=people.cadre_a1, notice=Notice.objects.get())
    clock("2020-05-09")
    ticket_reply(ticket, actor=people.officer, text="属实，撤回识别", outcome="upheld")
    assert refused_code(reviewed, people) == "OBJECTION_UPHELD"


def test_an_objection_outside_the_display_period_is_refused_and_no_ticket_is_left(reviewed, people, clock):
    clock("2020-05-20")
    with pytest.raises(DomainError, match="不在公示期内"):
        ticket_create(channel="objection", category="dispute", text="迟到的异议", area=people.areas.village_a1,
                      actor=people.officer, notice=Notice.objects.get())
    assert Ticket.objects.count() == 0 and Objection.objects.count() == 0


def test_a_member_of_the_public_objects_through_the_web_form(reviewed, people, clock):
    notice = Notice.objects.get()
    clock("2020-05-04")
    response = Client().post("/public/hotline/", {
        "category": "dispute", "area": people.areas.village_a1.code, "notice": notice.pk,
        "text": "该户儿子在外地有稳定工作"})
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.channel == "objection" and ticket.entered_by is None
    assert ticket.objection is not None
    assert ticket.objection.channel == "web" and ticket.objection.notice == notice
    clock("2020-05-09")
    assert refused_code(reviewed, people) == "OBJECTION_PENDING"
