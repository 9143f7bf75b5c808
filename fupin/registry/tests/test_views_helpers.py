"""The helper panel of the household page, the work-team list and their API."""

from __future__ import annotations

from datetime import date

from django.test import Client

from fupin.registry.helper_services import helper_assign, work_team_create, work_team_member_add
from fupin.registry.models import HelperAssignment, WorkTeam


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_cadre_assigns_and_replaces_a_helper_on_the_household_page(households, personas):
    h = households["a1"]
    client = _client(personas.cadre_a1)
    assert "尚未确定帮扶责任人" in client.get(f"/registry/households/{h.pk}/").content.decode()
    client.post(f"/registry/households/{h.pk}/helpers/", {"name": "王建国", "unit": "区财政局", "starts_on": "2018-03-01"})
    client.post(f"/registry/households/{h.pk}/helpers/", {"name": "李红", "unit": "区教体局", "starts_on": "2019-01-10"})
    page = client.get(f"/registry/households/{h.pk}/").content.decode()
    assert "李红" in page and "王建国" in page and "历任帮扶责任人" in page
    assert list(HelperAssignment.objects.values_list("name", "ends_on")) == [("李红", None), ("王建国", date(2019, 1, 10))]


def test_helpers_need_the_capability_and_the_household_in_scope(households, personas):
    auditor, cadre = _client(personas.auditor), _client(personas.cadre_a1)
    assert auditor.post(f"/registry/households/{households['a1'].pk}/helpers/", {"name": "王"}).status_code == 403
    assert cadre.post(f"/registry/households/{households['b1'].pk}/helpers/", {"name": "王"}).status_code == 404
    assert not HelperAssignment.objects.exists()


def test_the_work_team_page_lists_the_teams_of_the_user_s_villages(areas, personas):
    for village, unit in ((areas.village_a1, "区财政局"), (areas.village_b1, "区水利局")):
        team = work_team_create(village, dispatching_unit=unit, starts_on=date(2017, 3, 1), actor=None)
        work_team_member_add(team, name=f"{unit}书记", role="first_secretary", starts_on=date(2017, 3, 1), actor=None)
    html = _client(personas.cadre_a1).get("/registry/work-teams/").content.decode()
    assert "区财政局书记" in html and "区水利局" not in html
    api = _client(personas.cadre_a1).get("/api/v1/registry/work-teams").json()
    assert [(t["dispatching_unit"], t["members"][0]["role_label"]) for t in api] == [("区财政局", "第一书记")]


def test_the_api_shows_and_replaces_the_helper(households, personas):
    h = households["a1"]
    helper_assign(h, name="王建国", starts_on=date(2018, 3, 1), actor=None)
    client = _client(personas.cadre_a1)
    replaced = client.put(f"/api/v1/registry/households/{h.pk}/helper", {"name": "李红", "starts_on": "2019-01-10"},
                          content_type="application/json")
    assert replaced.status_code == 201 and replaced.json()["current"] is True
    shown = client.get(f"/api/v1/registry/households/{h.pk}/helpers").json()
    assert shown["current"]["name"] == "李红" and [x["name"] for x in shown["history"]] == ["李红", "王建国"]
    early = client.put(f"/api/v1/registry/households/{h.pk}/helper", {"name": "赵", "starts_on": "2018-01-01"},
                       content_type="application/json")
    assert (early.status_code, early.json()["code"]) == (422, "BAD_INPUT")
    assert HelperAssignment.objects.count() == 2


def test_a_township_officer_dispatches_a_team_registers_members_and_recalls_it(areas, personas):
    client = _client(personas.township_a)
    assert "派驻工作队" in client.get("/registry/work-teams/").content.decode()
    response = client.post("/registry/work-teams/new/", {"village": areas.village_a2.pk, "dispatching_unit": "区农业农村局",
                                                         "starts_on": "2018-03-01"})
    team = WorkTeam.objects.get(village=areas.village_a2)
    assert response.status_code == 302 and response["Location"] == f"/registry/work-teams/{team.pk}/"
    client.post(f"/registry/work-teams/{team.pk}/members/", {"name": "周书记", "role": "first_secretary",
                                                              "starts_on": "2018-03-01"})
    refused = client.post(f"/registry/work-teams/{team.pk}/members/", {"name": "吴书记", "role": "first_secretary"},
                          follow=True).content.decode()
    assert "已有在任第一书记" in refused
    assert list(team.members.values_list("name", flat=True)) == ["周书记"]
    again = client.post("/registry/work-teams/new/", {"village": areas.village_a2.pk, "dispatching_unit": "区水利局"})
    assert again.status_code == 400 and "已有在驻工作队" in again.content.decode()
    member = team.members.get()
    client.post(f"/registry/work-teams/members/{member.pk}/end/", {"ends_on": "2019-06-30"})
    client.post(f"/registry/work-teams/{team.pk}/end/", {"ends_on": "2019-12-31", "note": "轮换"})
    page = client.get(f"/registry/work-teams/{team.pk}/").content.decode()
    assert "已撤回" in page and "2019-06-30" in page and "登记队员" not in page
    team.refresh_from_db()
    assert team.ends_on == date(2019, 12, 31) and member.__class__.objects.get(pk=member.pk).ends_on == date(2019, 6, 30)


def test_work_teams_are_managed_only_with_the_capability_and_in_scope(areas, personas):
    team = work_team_create(areas.village_b1, dispatching_unit="区水利局", starts_on=date(2017, 3, 1), actor=None)
    cadre, township = _client(personas.cadre_a1), _client(personas.township_a)
    assert cadre.get("/registry/work-teams/new/").status_code == 403
    assert "派驻工作队" not in cadre.get("/registry/work-teams/").content.decode()
    assert cadre.post("/registry/work-teams/new/", {"village": areas.village_a1.pk,
                                                    "dispatching_unit": "区财政局"}).status_code == 403
    # Another township's village is no choice, and its team answers as absent.
    refused = township.post("/registry/work-teams/new/", {"village": areas.village_b1.pk, "dispatching_unit": "区财政局"})
    assert refused.status_code == 400
    assert township.get(f"/registry/work-teams/{team.pk}/").status_code == 404
    assert township.post(f"/registry/work-teams/{team.pk}/end/", {}).status_code == 404
    assert WorkTeam.objects.get(pk=team.pk).ends_on is None and WorkTeam.objects.count() == 1
