"""User administration over JSON: the same services and rules as the pages, in the API's envelope."""

from __future__ import annotations

import pytest
from django.test import Client

from fupin.accounts.models import Assignment, User
from fupin.accounts.roles import Role
from fupin.accounts.services import api_token_create
from fupin.core.models import AuditEntry

BASE = "/api/v1/accounts/users"


def bearer(user) -> Client:
    _token, raw = api_token_create(user=user, name="api")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def post(client: Client, path: str, data: dict[str, object] | None = None):
    return client.post(path, data or {}, content_type="application/json")


def new_user(areas, **extra):
    return {"username": "town_new", "name": "孙七", "role": "township_officer", "area_code": areas.town_a.code, **extra}


def test_a_manager_lists_the_accounts_it_administers(personas):
    body = bearer(personas.township_a).get(BASE).json()
    assert body["count"] == 4
    assert {u["username"] for u in body["items"]} == {"township_a", "cadre_a1", "cadre_a2", "team_a1"}
    cadre = next(u for u in body["items"] if u["username"] == "cadre_a1")
    assert cadre["assignments"][0]["role"] == "village_cadre" and cadre["assignments"][0]["current"] is True


def test_the_list_filters_and_pages(personas, areas):
    client = bearer(personas.admin)
    body = client.get(BASE, {"role": "village_cadre", "area": areas.town_a.pk}).json()
    assert {u["username"] for u in body["items"]} == {"cadre_a1", "cadre_a2"}
    page = client.get(BASE, {"limit": 2, "offset": 1}).json()
    assert page["count"] == 10 and len(page["items"]) == 2


@pytest.mark.parametrize("query", [{"offset": -1}, {"limit": 0}, {"limit": 501}, {"area": 2**63},
                                   {"role": "no_such_role"}, {"active": "2"}, {"q": "a\x00b"}])
def test_bad_list_parameters_answer_422(personas, query):
    response = bearer(personas.admin).get(BASE, query)
    assert response.status_code == 422 and response.json()["code"] == "INVALID"


def test_a_village_cadre_gets_403(personas, areas):
    client = bearer(personas.cadre_a1)
    assert client.get(BASE).status_code == 403
    assert client.get(f"{BASE}/{personas.cadre_a1.pk}").status_code == 403
    response = post(client, BASE + "/create", new_user(areas))
    assert (response.status_code, response.json()["code"]) == (403, "FORBIDDEN")
    assert not User.objects.filter(username="town_new").exists()


def test_an_account_outside_the_scope_is_404(personas):
    client = bearer(personas.township_a)
    for path in (f"{BASE}/{personas.cadre_b1.pk}", f"{BASE}/987654"):
        response = client.get(path)
        assert response.status_code == 404 and response.json()["code"] == "NOT_FOUND"
    assert post(client, f"{BASE}/{personas.cadre_b1.pk}/deactivate").status_code == 404
    assert client.get(f"{BASE}/{2**63}").status_code == 422
    assert User.objects.get(pk=personas.cadre_b1.pk).is_active


def test_an_admin_creates_an_account_and_gets_its_password_once(personas, areas):
    response = post(bearer(personas.admin), BASE + "/create", new_user(areas, phone="13800000000"))
    assert response.status_code == 201
    body = response.json()
    user = User.objects.get(username="town_new")
    assert body["user"]["id"] == user.pk and body["user"]["must_change_password"] is True
    assert user.check_password(body["temporary_password"])
    assert body["user"]["assignments"][0]["area_code"] == areas.town_a.code


def test_a_chosen_password_is_not_echoed(personas, areas):
    body = post(bearer(personas.admin), BASE + "/create", new_user(areas, password="Chosen#Passw0rd")).json()
    assert body["temporary_password"] is None
    assert User.objects.get(username="town_new").check_password("Chosen#Passw0rd")


@pytest.mark.parametrize(("actor", "payload", "status", "code"), [
    ("township_a", {"role": "district_officer", "area_code": "411103000000"}, 403, "ROLE_ABOVE_OWN"),
    ("township_a", {"role": "village_cadre", "area_code": "411103102201"}, 403, "AREA_OUTSIDE_SCOPE"),
    ("admin", {"role": "discipline_inspector", "area_code": "411103000000"}, 403, "CAPABILITY_NOT_HELD"),
    ("admin", {"role": "village_cadre", "area_code": "411103101000"}, 400, "ROLE_LEVEL_MISMATCH"),
    ("admin", {"area_code": "999999999999"}, 422, "AREA_UNKNOWN"),
    ("admin", {"role": "department_officer", "area_code": "411103000000", "department_code": "nope"}, 422,
     "DEPARTMENT_UNKNOWN"),
    ("admin", {"username": "cadre_a1"}, 400, "USERNAME_TAKEN"),
    ("admin", {"password": "weak"}, 400, "WEAK_PASSWORD"),
    ("admin", {"role": "no_such_role"}, 422, "INVALID"),
    ("admin", {"name": "孙\x00七"}, 422, "INVALID"),
    ("admin", {"area_code": "4111\x00"}, 422, "INVALID"),
    ("admin", {"department_code": "edu\x00"}, 422, "INVALID"),
])
def test_a_refused_creation_answers_its_code_and_writes_nothing(personas, areas, actor, payload, status, code):
    client = bearer(getattr(personas, actor))
    users, entries = User.objects.count(), AuditEntry.objects.count()
    response = post(client, BASE + "/create", new_user(areas, **payload))
    assert (response.status_code, response.json()["code"]) == (status, code), response.json()
    assert " / " in response.json()["message"]
    assert (User.objects.count(), AuditEntry.objects.count()) == (users, entries)


def test_update_deactivate_reactivate_and_reset(personas):
    client = bearer(personas.township_a)
    url = f"{BASE}/{personas.cadre_a1.pk}"
    assert post(client, url + "/edit", {"name": "赵六"}).json()["name"] == "赵六"
    assert post(client, url + "/deactivate").json()["is_active"] is False
    refused = post(client, url + "/deactivate")
    assert (refused.status_code, refused.json()["code"]) == (400, "ALREADY_INACTIVE")
    assert post(client, url + "/reactivate").json()["is_active"] is True
    reset = post(client, url + "/password-reset").json()
    assert User.objects.get(pk=personas.cadre_a1.pk).check_password(reset["temporary_password"])


def test_nobody_deactivates_themself_and_the_last_admin_stays(personas):
    client = bearer(personas.admin)
    response = post(client, f"{BASE}/{personas.admin.pk}/deactivate")
    assert (response.status_code, response.json()["code"]) == (400, "SELF_DEACTIVATE")
    admin_role = personas.admin.assignments.get()
    response = post(client, f"{BASE}/{personas.admin.pk}/assignments/{admin_role.pk}/end")
    assert (response.status_code, response.json()["code"]) == (400, "LAST_DISTRICT_ADMIN")
    assert Assignment.objects.get(pk=admin_role.pk).valid_to is None


def test_roles_are_given_and_ended(personas, areas):
    client = bearer(personas.township_a)
    url = f"{BASE}/{personas.cadre_a1.pk}/assignments"
    created = post(client, url, {"role": "work_team", "area_code": areas.village_a2.code})
    assert created.status_code == 201 and created.json()["role"] == Role.WORK_TEAM
    again = post(client, url, {"role": "work_team", "area_code": areas.village_a2.code})
    assert (again.status_code, again.json()["code"]) == (400, "ASSIGNMENT_EXISTS")
    ended = post(client, f"{url}/{created.json()['id']}/end", {})
    assert ended.status_code == 200 and ended.json()["current"] is False
    other = personas.cadre_a2.assignments.get()
    assert post(client, f"{url}/{other.pk}/end", {}).status_code == 404


def test_a_session_must_change_its_password_first(personas):
    from fupin.accounts.user_services import password_reset

    password = password_reset(personas.admin, actor=None)
    client = Client()
    client.post("/accounts/login/", {"username": "admin", "password": password})
    response = client.get(BASE)
    assert response.status_code == 403 and response.json()["code"] == "PASSWORD_CHANGE_REQUIRED"
