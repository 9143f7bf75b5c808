"""The projects API: auditors read every step and change nothing; steps over JSON; public endpoints."""

from __future__ import annotations

import pytest
from django.test import Client

from fupin.projects.models import ProjectStep
from fupin.projects.tests.factories import advance, allocate, proposed, unit

pytestmark = pytest.mark.usefixtures("policy")


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def project(areas):
    project = advance(proposed(areas.village_a1, unit(areas.county)), "accepted")
    allocate(project, "100000", ago=10)
    return project


def test_an_auditor_sees_every_step_and_takes_none(personas, project):
    client = client_of(personas.auditor)
    body = client.get(f"/api/v1/projects/{project.pk}").json()
    actions = [s["action"] for s in body["steps"]]
    assert actions == list(ProjectStep.objects.filter(project=project).order_by("at", "pk")
                           .values_list("action", flat=True))
    assert "pay" in actions and body["actions"] == []
    payment = next(s for s in body["steps"] if s["action"] == "pay")
    assert payment["payee"] == "contractor" and payment["amount"] == "200000.00"
    before = ProjectStep.objects.count()
    response = client.post(f"/api/v1/projects/{project.pk}/steps", {"action": "settle"})
    assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN"
    assert ProjectStep.objects.count() == before


def test_steps_over_json_with_refusals_in_the_envelope(personas, project):
    client = client_of(personas.officer)
    refused = client.post(f"/api/v1/projects/{project.pk}/steps",
                          {"action": "pay", "amount": "999999", "source": "central", "payee": "contractor",
                           "payee_name": "x"})
    assert refused.status_code == 409 and refused.json()["code"] == "OVERSPEND"
    stale = client.post(f"/api/v1/projects/{project.pk}/steps", {"action": "settle", "seen_status": "started"})
    assert stale.status_code == 409 and stale.json()["code"] == "CONCURRENT_CHANGE"
    done = client.post(f"/api/v1/projects/{project.pk}/steps", {"action": "settle", "note": "报账"})
    assert done.status_code == 201 and done.json()["to_state"] == "settled"


def test_other_villages_projects_are_not_found(personas, project):
    assert client_of(personas.cadre_b1).get(f"/api/v1/projects/{project.pk}").status_code == 404
    assert client_of(personas.cadre_a1).get(f"/api/v1/projects/{project.pk}").status_code == 200


def test_alerts_progress_and_public_endpoints(personas, project):
    client = client_of(personas.officer)
    assert client.get("/api/v1/projects/alerts").json()["idle_funds"] == []
    progress = client.get(f"/api/v1/projects/progress?year={project.year}&month=12").json()
    assert {s["source"] for s in progress["sources"]} == {"central", "provincial", "city", "district", "integrated"}
    public = Client().get("/api/v1/projects/public/projects").json()
    assert [p["id"] for p in public] == [project.pk]
    notices = Client().get("/api/v1/projects/public/notices?current=false").json()
    assert {n["kind"] for n in notices} >= {"project_library", "project_completion"}
