"""User administration pages, in Chinese and in English; the forced password change; the user's sessions."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from fupin.accounts.models import Assignment, User, UserSession
from fupin.accounts.roles import Role
from fupin.accounts.user_services import password_reset
from fupin.core.models import AuditEntry
from fupin.core.testing import PASSWORD

NEW_PASSWORD = "Fresh#Passw0rd!"
LIST = "/accounts/users/"


def signed_in(user, language: str = "zh-hans") -> Client:
    client = Client()
    client.force_login(user)
    if language != "zh-hans":
        client.post(reverse("set_language"), {"language": language, "next": "/"})
    return client


def flashed(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def follow(client: Client, response) -> str:
    assert response.status_code == 302, response.status_code
    return client.get(response["Location"]).content.decode()


def found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match is not None, pattern
    return match.group(1)


def listed(username: str, html: str) -> bool:
    return f'data-testid="user-link">{username}</a>' in html


def create_data(areas, **extra):
    return {"username": "town_new", "name": "孙七", "phone": "", "role": Role.TOWNSHIP_OFFICER,
            "area": areas.town_a.pk, "department": "", "valid_from": "", "password_mode": "temporary",
            "password": "", **extra}


# --- who sees the pages --------------------------------------------------------------------------------------------

def test_the_menu_shows_user_administration_to_managers_only(personas):
    assert "用户管理" in signed_in(personas.admin).get("/").content.decode()
    assert "用户管理" in signed_in(personas.township_a).get("/").content.decode()
    assert "用户管理" not in signed_in(personas.cadre_a1).get("/").content.decode()


@pytest.mark.parametrize("path", [LIST, "/accounts/users/new/", "/accounts/users/import/"])
def test_a_village_cadre_may_not_open_the_pages(personas, path):
    assert signed_in(personas.cadre_a1).get(path).status_code == 403


def test_the_list_holds_only_the_township_s_accounts(personas):
    html = signed_in(personas.township_a).get(LIST).content.decode()
    for username in ("township_a", "cadre_a1", "cadre_a2", "team_a1"):
        assert listed(username, html)
    for username in ("cadre_b1", "admin", "auditor", "root"):
        assert not listed(username, html)


def test_an_account_outside_the_scope_answers_like_a_missing_one(personas):
    client = signed_in(personas.township_a)
    assert client.get(f"/accounts/users/{personas.cadre_b1.pk}/").status_code == 404
    assert client.get("/accounts/users/987654/").status_code == 404
    response = client.post(f"/accounts/users/{personas.cadre_b1.pk}/deactivate/")
    assert response.status_code == 404
    assert User.objects.get(pk=personas.cadre_b1.pk).is_active


@pytest.mark.parametrize(("query", "shown", "hidden"), [
    ("role=village_cadre", {"cadre_a1", "cadre_b1"}, {"admin", "team_a1"}),
    ("area={town_b}", {"cadre_b1"}, {"cadre_a1", "admin"}),
    ("q=cadre_a", {"cadre_a1", "cadre_a2"}, {"cadre_b1"}),
    ("active=0", {"cadre_a2"}, {"cadre_a1"}),
])
def test_the_list_filters(personas, areas, query, shown, hidden):
    User.objects.filter(pk=personas.cadre_a2.pk).update(is_active=False)
    html = signed_in(personas.admin).get(f"{LIST}?{query.format(town_b=areas.town_b.pk)}").content.decode()
    for username in shown:
        assert listed(username, html), username
    for username in hidden:
        assert not listed(username, html), username


# --- creating an account, then handing over its password ---------------------------------------------------------

def test_an_admin_creates_a_township_officer_and_sees_the_password_once(personas, areas):
    client = signed_in(personas.admin)
    form = client.get("/accounts/users/new/").content.decode()
    assert "新建用户" in form and "区级管理员" in form and "纪检监察" not in form
    response = client.post("/accounts/users/new/", create_data(areas))
    user = User.objects.get(username="town_new")
    assert response["Location"] == f"/accounts/users/{user.pk}/"
    html = client.get(response["Location"]).content.decode()
    password = found(r'data-testid="temporary-password">([^<]+)<', html)
    assert user.check_password(password) and user.must_change_password
    assert "孟庙镇" in html and "乡镇干部" in html
    assert password not in client.get(response["Location"]).content.decode()


def test_a_township_officer_is_offered_only_what_it_may_grant(personas):
    html = signed_in(personas.township_a).get("/accounts/users/new/").content.decode()
    assert "村干部" in html and "区级管理员" not in html and "审计监督人员" not in html
    assert "孟庙镇" in html and "商桥镇" not in html and "丙村民委员会" not in html


def test_a_refused_creation_says_why_and_writes_nothing(personas, areas):
    client = signed_in(personas.admin)
    users, entries = User.objects.count(), AuditEntry.objects.count()
    response = client.post("/accounts/users/new/", create_data(
        areas, role=Role.VILLAGE_CADRE, area=areas.town_a.pk))
    assert response.status_code == 400
    html = response.content.decode()
    assert "须分配在村级区划" in html and "village level" not in html
    assert (User.objects.count(), AuditEntry.objects.count()) == (users, entries)


def test_a_refusal_speaks_the_viewer_s_language(personas, areas):
    response = signed_in(personas.admin, "en").post("/accounts/users/new/", create_data(areas, username="cadre_a1"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "the username cadre_a1 is taken" in html and "已被使用" not in html


# --- one account ----------------------------------------------------------------------------------------------------

def test_a_manager_edits_assigns_ends_and_resets(personas, areas):
    client = signed_in(personas.township_a)
    url = f"/accounts/users/{personas.cadre_a1.pk}/"
    assert "已保存" in follow(client, client.post(url + "edit/", {"name": "赵六", "phone": "13900000000"}))
    assert User.objects.get(pk=personas.cadre_a1.pk).name == "赵六"
    response = client.post(url + "assignments/", {"role": Role.WORK_TEAM, "area": areas.village_a2.pk})
    assert "已分配角色" in follow(client, response)
    added = Assignment.objects.get(user=personas.cadre_a1, role=Role.WORK_TEAM)
    assert "角色已结束" in follow(client, client.post(f"{url}assignments/{added.pk}/end/", {"last_day": ""}))
    added.refresh_from_db()
    assert added.valid_to is not None
    html = follow(client, client.post(url + "password/", {"password_mode": "temporary", "password": ""}))
    password = found(r'data-testid="temporary-password">([^<]+)<', html)
    assert User.objects.get(pk=personas.cadre_a1.pk).check_password(password)


def test_a_manager_may_not_give_a_role_outside_its_township(personas, areas):
    client = signed_in(personas.township_a)
    response = client.post(f"/accounts/users/{personas.cadre_a1.pk}/assignments/",
                           {"role": Role.VILLAGE_CADRE, "area": areas.village_b1.pk})
    assert "区划" in follow(client, response)  # the choice is not offered: the form refuses it
    assert personas.cadre_a1.assignments.count() == 1


def test_deactivating_oneself_is_refused_and_another_works(personas):
    client = signed_in(personas.admin)
    html = follow(client, client.post(f"/accounts/users/{personas.admin.pk}/deactivate/"))
    assert "不能停用自己的账号" in html and User.objects.get(pk=personas.admin.pk).is_active
    html = follow(client, client.post(f"/accounts/users/{personas.cadre_a1.pk}/deactivate/"))
    assert "账号已停用" in html and not User.objects.get(pk=personas.cadre_a1.pk).is_active
    follow(client, client.post(f"/accounts/users/{personas.cadre_a1.pk}/reactivate/"))
    assert User.objects.get(pk=personas.cadre_a1.pk).is_active


def test_the_pages_speak_english(personas):
    client = signed_in(personas.admin, "en")
    html = client.get(LIST).content.decode()
    assert "User administration" in html and "New user" in html and "Import a roster" in html
    assert "用户管理" not in html and "新建用户" not in html
    detail = client.get(f"/accounts/users/{personas.cadre_a1.pk}/").content.decode()
    for text in ("Roles and divisions", "Give a role", "Reset the password", "Deactivate the account",
                 "Generate a temporary password"):
        assert text in detail, text
    assert "角色与区划" not in detail and "重置密码" not in detail
    roster = client.get("/accounts/users/import/").content.decode()
    assert "Import a user roster" in roster and "Download the blank roster" in roster


# --- the forced change and one's own sessions --------------------------------------------------------------------------

def test_a_reset_password_must_be_changed_before_anything_else(personas):
    password = password_reset(personas.cadre_a1, actor=personas.township_a)
    client = Client()
    response = client.post("/accounts/login/", {"username": "cadre_a1", "password": password})
    assert response.status_code == 302
    for path in ("/", "/registry/households/", "/accounts/me/"):
        redirected = client.get(path)
        assert redirected.status_code == 302 and redirected["Location"].startswith("/accounts/me/password/"), path
    api = client.get("/api/v1/accounts/me")
    assert api.status_code == 403 and api.json()["code"] == "PASSWORD_CHANGE_REQUIRED"
    page = client.get("/accounts/me/password/?next=/registry/households/").content.decode()
    assert 'data-testid="password-forced"' in page
    wrong = client.post("/accounts/me/password/", {"old_password": "x", "new_password1": NEW_PASSWORD,
                                                   "new_password2": NEW_PASSWORD})
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.content.decode()
    done = client.post("/accounts/me/password/", {"old_password": password, "new_password1": NEW_PASSWORD,
                                                  "new_password2": NEW_PASSWORD, "next": "/registry/households/"})
    assert done.status_code == 302 and done["Location"] == "/registry/households/"
    assert client.get("/registry/households/").status_code == 200
    assert not User.objects.get(pk=personas.cadre_a1.pk).must_change_password
    assert UserSession.objects.filter(user=personas.cadre_a1, session_key=client.session.session_key).exists()


def test_a_bearer_token_is_not_held_up_by_a_reset(personas):
    from fupin.accounts.services import api_token_create

    _token, raw = api_token_create(user=personas.cadre_a1, name="t")
    password_reset(personas.cadre_a1, actor=personas.township_a)
    assert Client().get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 200


def test_mismatched_new_passwords_are_refused(personas):
    client = signed_in(personas.cadre_a1)
    response = client.post("/accounts/me/password/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                                      "new_password2": NEW_PASSWORD + "x"})
    assert response.status_code == 400 and "两次输入的新密码不一致" in response.content.decode()
    assert User.objects.get(pk=personas.cadre_a1.pk).check_password(PASSWORD)


def test_a_user_sees_and_ends_their_sessions(personas):
    laptop, phone = Client(HTTP_USER_AGENT="Laptop"), Client(HTTP_USER_AGENT="Phone")
    for client in (laptop, phone):
        assert client.post("/accounts/login/", {"username": "cadre_a1", "password": PASSWORD}).status_code == 302
    html = laptop.get("/accounts/me/").content.decode()
    assert "Laptop" in html and "Phone" in html and "当前会话" in html
    other = UserSession.objects.get(user=personas.cadre_a1, user_agent="Phone")
    response = laptop.post(f"/accounts/me/sessions/{other.pk}/revoke/")
    assert response.status_code == 302
    assert phone.get("/").status_code == 302  # signed out
    assert laptop.get("/").status_code == 200
    assert "Phone" not in laptop.get("/accounts/me/").content.decode()
    assert AuditEntry.objects.filter(action="logout", actor=personas.cadre_a1).exists()


def test_nobody_ends_another_user_s_session(personas):
    victim = Client()
    victim.post("/accounts/login/", {"username": "cadre_a2", "password": PASSWORD})
    row = UserSession.objects.get(user=personas.cadre_a2)
    assert signed_in(personas.cadre_a1).post(f"/accounts/me/sessions/{row.pk}/revoke/").status_code == 404
    assert victim.get("/").status_code == 200


def test_signing_out_forgets_the_session(personas):
    client = Client()
    client.post("/accounts/login/", {"username": "cadre_a1", "password": PASSWORD})
    assert UserSession.objects.filter(user=personas.cadre_a1).count() == 1
    client.post("/accounts/logout/")
    assert not UserSession.objects.filter(user=personas.cadre_a1).exists()


def test_a_session_ended_by_a_password_change_elsewhere_is_not_listed(personas):
    old = Client()
    old.post("/accounts/login/", {"username": "cadre_a1", "password": PASSWORD})
    user = User.objects.get(pk=personas.cadre_a1.pk)
    user.set_password(NEW_PASSWORD)
    user.save()
    fresh = Client()
    fresh.post("/accounts/login/", {"username": "cadre_a1", "password": NEW_PASSWORD})
    html = fresh.get("/accounts/me/").content.decode()
    assert html.count('data-testid="session-revoke"') == 0 and "当前会话" in html
    assert UserSession.objects.filter(user=personas.cadre_a1).count() == 1
