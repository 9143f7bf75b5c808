"""Objections the public raises on a project's notice reach the responsible unit, whose officers resolve them
with a reply; anyone else is refused and nothing changes (pages and API)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from fupin.accounts.models import Department
from fupin.accounts.roles import Role
from fupin.core.errors import BadInput, DomainError
from fupin.core.models import AuditEntry
from fupin.core.testing import make_user
from fupin.notices.models import Notice, Objection
from fupin.notices.selectors import notice_block
from fupin.notices.services import notice_publish, objection_raise, objection_resolve
from fupin.projects.services import project_objection_resolve, public_objection
from fupin.projects.tests.factories import proposed, unit

pytestmark = pytest.mark.usefixtures("policy")
REPLY = {"outcome": "dismissed", "resolution": "经现场核实，食堂与旱厕相距 80 米，符合卫生要求，已电话答复。"}
REPLY_ARGS: dict[str, Any] = REPLY  # as keyword arguments of the services


@pytest.fixture
def school(areas):
    """A 区教体局 project (the department persona's unit) proposed yesterday, its village notice on display with
    an objection from the public web form."""
    project = proposed(areas.village_a1, unit(areas.county, "education"), name="甲村小学食堂", ago=1)
    notice = Notice.objects.get(kind="project_village", subject_id=project.pk)
    objection = public_objection(notice, text="食堂紧邻旱厕，请另选址。", address="203.0.113.9")
    return {"project": project, "notice": notice, "objection": objection}


@pytest.fixture
def water_officer(areas):
    water = Department.objects.create(code="water", name="区水利局", area=areas.county)
    return make_user("dept_water", Role.DEPARTMENT_OFFICER, areas.county, department=water)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rows() -> dict[str, Any]:
    return {"objections": list(Objection.objects.order_by("pk").values()), "audit": AuditEntry.objects.count(),
            "notices": list(Notice.objects.order_by("pk").values())}


def test_the_unit_s_officer_resolves_on_the_page_with_a_reply(personas, school):
    client = signed_in(personas.department)  # 区教体局
    page = client.get("/projects/objections/").content.decode()
    assert 'data-testid="resolve-form"' in page and "食堂紧邻旱厕" in page
    response = client.post(f"/projects/objections/{school['objection'].pk}/resolve/", REPLY, follow=True)
    assert "异议已处理" in response.content.decode()
    objection = Objection.objects.get()
    assert (objection.status, objection.outcome, objection.resolution, objection.resolved_by) == (
        "resolved", "dismissed", REPLY["resolution"], personas.department)
    entry = AuditEntry.objects.filter(object_type="notices.objection").order_by("pk").last()
    assert entry is not None and entry.actor == personas.department
    page = client.get("/projects/objections/").content.decode()
    assert "异议不成立" in page and "80 米" in page and 'data-testid="resolve-form"' not in page
    # dismissed: the township review is no longer held by it once the notice has run
    after = school["notice"].ends_on + timedelta(days=1)
    assert notice_block(school["notice"], after, waits_for_notice=True, halted_by_objection=True) is None


def test_an_upheld_objection_stops_the_next_step(personas, school):
    project_objection_resolve(school["objection"], outcome="upheld", resolution="选址确有不妥，调整后重新公示。",
                              actor=personas.department)
    after = school["notice"].ends_on + timedelta(days=1)
    block = notice_block(school["notice"], after, waits_for_notice=True, halted_by_objection=True)
    assert block is not None and block.code == "OBJECTION_UPHELD"


def test_others_are_refused_and_nothing_changes(personas, school, water_officer):
    path = f"/projects/objections/{school['objection'].pk}/resolve/"
    for user in (water_officer, personas.cadre_a1, personas.auditor, personas.team_a1):
        client = signed_in(user)
        before = rows()
        assert client.post(path, REPLY).status_code == 403, user
        assert rows() == before, f"{user} changed something"
        page = client.get("/projects/objections/").content.decode()
        assert 'data-testid="resolve-form"' not in page, f"{user} is offered the form"
    client = signed_in(personas.cadre_b1)  # another township: the objection is not there for them
    before = rows()
    assert client.post(path, REPLY).status_code == 404 and rows() == before
    with pytest.raises(PermissionDenied):
        project_objection_resolve(school["objection"], actor=water_officer, **REPLY_ARGS)
    with pytest.raises(PermissionDenied):  # the notices app's own door stays closed to the unit
        objection_resolve(school["objection"], actor=personas.department, **REPLY_ARGS)
    assert Objection.objects.get().status == "open"


def test_a_reply_is_required_and_an_objection_is_resolved_once(personas, school):
    client = signed_in(personas.department)
    path = f"/projects/objections/{school['objection'].pk}/resolve/"
    before = rows()
    response = client.post(path, {"outcome": "dismissed", "resolution": "   "}, follow=True)
    assert "处理意见" in response.content.decode() and rows() == before
    with pytest.raises(BadInput):
        project_objection_resolve(school["objection"], outcome="dismissed", resolution=" ", actor=personas.department)
    project_objection_resolve(school["objection"], actor=personas.department, **REPLY_ARGS)
    before = rows()
    with pytest.raises(DomainError) as info:
        project_objection_resolve(school["objection"], actor=personas.department, **REPLY_ARGS)
    assert info.value.code == "OBJECTION_RESOLVED" and rows() == before


def test_those_who_manage_notices_there_may_resolve_too(personas, school):
    project_objection_resolve(school["objection"], actor=personas.township_a, **REPLY_ARGS)
    assert Objection.objects.get().resolved_by == personas.township_a


def test_objections_to_other_notices_are_not_found_here(areas, personas, households):
    notice = notice_publish(kind=Notice.Kind.EXIT, area=areas.village_a1, title="退出公示", actor=None,
                            starts_on=timezone.localdate(), days=7, subject_type="registry.household",
                            subject_id=households["a1"].pk)
    objection = objection_raise(notice, text="不同意退出", actor=None)
    assert signed_in(personas.officer).post(f"/projects/objections/{objection.pk}/resolve/", REPLY).status_code == 404
    with pytest.raises(DomainError) as info:
        project_objection_resolve(objection, actor=personas.officer, **REPLY_ARGS)
    assert info.value.code == "NOT_A_PROJECT_OBJECTION"


def test_the_api_lists_and_resolves_for_the_unit_and_refuses_others(personas, school, water_officer):
    listed = signed_in(personas.department).get("/api/v1/projects/objections").json()
    assert [(o["id"], o["project_name"], o["may_resolve"]) for o in listed] == [
        (school["objection"].pk, "甲村小学食堂", True)]
    assert signed_in(water_officer).get("/api/v1/projects/objections").json() == [], "another unit's list"
    assert [o["may_resolve"] for o in signed_in(personas.cadre_a1).get("/api/v1/projects/objections").json()] == [
        False]
    path = f"/api/v1/projects/objections/{school['objection'].pk}/resolve"
    for user, status, code in ((water_officer, 403, "FORBIDDEN"), (personas.auditor, 403, "FORBIDDEN"),
                               (personas.cadre_b1, 404, "NOT_FOUND")):
        client = signed_in(user)
        before = rows()
        response = client.post(path, REPLY, content_type="application/json")
        assert (response.status_code, response.json()["code"]) == (status, code)
        assert rows() == before
    bad = signed_in(personas.department).post(path, {**REPLY, "resolution": ""}, content_type="application/json")
    assert (bad.status_code, bad.json()["code"]) == (422, "BAD_INPUT")
    done = signed_in(personas.department).post(path, REPLY, content_type="application/json")
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["resolved_by"], done.json()["may_resolve"]) == (
        "resolved", str(personas.department), False)
