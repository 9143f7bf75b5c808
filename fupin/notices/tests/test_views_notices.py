"""The notice board pages and the notices API: what is up where, objections recorded and resolved."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from fupin.core.models import AuditEntry
from fupin.notices.models import Notice, Objection
from fupin.notices.services import notice_publish, objection_raise


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def board(areas, personas, clock):
    """A notice in each village from 2020-05-01 (7 days) and an old one in a1 (April)."""
    clock("2020-05-03")
    made = {}
    for key, village in (("a1", areas.village_a1), ("a2", areas.village_a2), ("b1", areas.village_b1)):
        made[key] = notice_publish(kind=Notice.Kind.IDENTIFICATION_VILLAGE, area=village, title=f"公示-{key.upper()}",
                                   starts_on=date(2020, 5, 1), days=7, actor=None, subject_label=f"H-{key.upper()}")
    made["old"] = notice_publish(kind=Notice.Kind.EXIT, area=areas.village_a1, title="公示-旧", starts_on=date(2020, 4, 1),
                                 days=7, actor=None)
    objection_raise(made["a1"], text="异议一", raised_by_name="王五", contact="13912345678", actor=personas.cadre_a1)
    return made


def test_the_board_lists_what_is_up_in_the_user_s_villages_with_objection_counts(board, personas):
    page = _client(personas.cadre_a1).get("/notices/")
    html = page.content.decode()
    assert page.status_code == 200 and "公示-A1" in html and "2020-05-07" in html
    assert "公示-A2" not in html and "公示-B1" not in html and "公示-旧" not in html
    assert [(n.title, n.open_objection_count, n.objection_count) for n in page.context["page"]] == [("公示-A1", 1, 1)]
    township = _client(personas.township_a).get("/notices/").content.decode()
    assert "公示-A1" in township and "公示-A2" in township and "公示-B1" not in township


def test_the_board_filters_by_date_village_and_shows_all_on_request(board, personas, areas):
    client = _client(personas.township_a)
    assert [n.title for n in client.get("/notices/", {"on": "2020-04-03"}).context["page"]] == ["公示-旧"]
    assert [n.title for n in client.get("/notices/", {"on": "2020-05-08"}).context["page"]] == []
    assert [n.title for n in client.get("/notices/", {"village": areas.village_a2.pk}).context["page"]] == ["公示-A2"]
    everything = [n.title for n in client.get("/notices/", {"show": "all", "village": areas.village_a1.pk}).context["page"]]
    assert everything == ["公示-A1", "公示-旧"]


def test_the_board_takes_a_missing_or_bad_day_as_today_and_a_township_whole(board, personas, areas):
    client = _client(personas.township_a)
    for params in ({}, {"on": ""}, {"on": "2020-02-30"}, {"on": "soon"}):
        assert [n.title for n in client.get("/notices/", params).context["page"]] == ["公示-A1", "公示-A2"]
    assert client.get("/notices/", {"on": "2020-02-30"}).context["on"] == date(2020, 5, 3)
    assert [n.title for n in client.get("/notices/", {"township": areas.town_a.pk, "on": "2020-04-03"})
            .context["page"]] == ["公示-旧"]
    api = client.get("/api/v1/notices/", {"all": "true", "village": areas.village_a1.pk}).json()
    assert [n["title"] for n in api["items"]] == ["公示-A1", "公示-旧"]
    assert [n["title"] for n in client.get("/api/v1/notices/").json()["items"]] == ["公示-A1", "公示-A2"]


def test_a_cadre_records_an_objection_and_sees_the_objector_masked(board, personas):
    client = _client(personas.cadre_a1)
    response = client.post(f"/notices/{board['a1'].pk}/objections/",
                           {"text": "该户有人在外经商", "raised_by_name": "赵六", "contact": "13700001111"})
    assert response.status_code == 302
    assert Objection.objects.filter(notice=board["a1"], text="该户有人在外经商", recorded_by=personas.cadre_a1).exists()
    detail = client.get(f"/notices/{board['a1'].pk}/").content.decode()
    assert "该户有人在外经商" in detail and "赵*" in detail and "137****1111" in detail and "13700001111" not in detail
    assert "记录处理结果" not in detail  # a village cadre does not resolve


def test_an_officer_resolves_an_objection_and_a_cadre_may_not(board, personas):
    objection = Objection.objects.get()
    cadre = _client(personas.cadre_a1)
    before = (Objection.objects.filter(status="open").count(), AuditEntry.objects.count())
    assert cadre.post(f"/notices/objections/{objection.pk}/resolve/",
                      {"outcome": "dismissed", "resolution": "x"}).status_code == 403
    assert (Objection.objects.filter(status="open").count(), AuditEntry.objects.count()) == before
    officer = _client(personas.township_a)
    detail = officer.get(f"/notices/{board['a1'].pk}/").content.decode()
    assert "王五" in detail and "13912345678" in detail and "记录处理结果" in detail
    officer.post(f"/notices/objections/{objection.pk}/resolve/", {"outcome": "dismissed", "resolution": "经核实不属实"})
    objection.refresh_from_db()
    assert (objection.status, objection.outcome, objection.resolved_by) == ("resolved", "dismissed", personas.township_a)


def test_objections_are_refused_outside_the_display_period_with_the_reason_shown(board, personas, clock):
    clock("2020-05-08")
    client = _client(personas.cadre_a1)
    count = Objection.objects.count()
    response = client.post(f"/notices/{board['a1'].pk}/objections/", {"text": "迟到"})
    assert Objection.objects.count() == count
    shown = client.get(response["Location"]).content.decode()
    assert "不在公示期内" in shown and "公示期外不受理异议" in shown


def test_an_officer_takes_a_notice_down(board, personas):
    assert _client(personas.cadre_a1).post(f"/notices/{board['a1'].pk}/close/").status_code == 403
    _client(personas.township_a).post(f"/notices/{board['a1'].pk}/close/", {"note": "重新张贴"})
    board["a1"].refresh_from_db()
    assert (board["a1"].status, board["a1"].close_note) == ("closed", "重新张贴")


def test_the_api_lists_details_and_takes_objections(board, personas):
    client = _client(personas.cadre_a1)
    listed = client.get("/api/v1/notices/").json()
    assert [(n["title"], n["on_display"], n["open_objection_count"]) for n in listed["items"]] == [("公示-A1", True, 1)]
    assert [n["title"] for n in client.get("/api/v1/notices/", {"all": True}).json()["items"]] == ["公示-A1", "公示-旧"]
    detail = client.get(f"/api/v1/notices/{board['a1'].pk}").json()
    assert detail["ends_on"] == "2020-05-07" and detail["objections"][0]["contact"] == "139****5678"
    created = client.post(f"/api/v1/notices/{board['a1'].pk}/objections", {"text": "另一条异议"},
                          content_type="application/json")
    assert created.status_code == 201 and created.json()["status"] == "open"
    denied = client.post(f"/api/v1/notices/objections/{created.json()['id']}/resolve",
                         {"outcome": "upheld", "resolution": "属实"}, content_type="application/json")
    assert (denied.status_code, denied.json()["code"]) == (403, "FORBIDDEN")
    resolved = _client(personas.township_a).post(f"/api/v1/notices/objections/{created.json()['id']}/resolve",
                                                 {"outcome": "upheld", "resolution": "属实"},
                                                 content_type="application/json")
    assert resolved.status_code == 200 and resolved.json()["outcome"] == "upheld"
    late = client.post(f"/api/v1/notices/{board['old'].pk}/objections", {"text": "迟到"}, content_type="application/json")
    assert (late.status_code, late.json()["code"]) == (400, "NOTICE_NOT_ON_DISPLAY")
    hidden = client.get(f"/api/v1/notices/{board['a2'].pk}")
    assert (hidden.status_code, hidden.json()["code"]) == (404, "NOT_FOUND")
