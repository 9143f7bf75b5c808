"""The cross-village access walk: every route of the project, classified, walked as cadre_a1.

``ROUTES`` classifies each URL pattern the resolver knows (pages, the JSON API under /api/v1/ and
the Django admin). A route missing from the table fails ``test_it_classifies_every_route``, so a
new route cannot ship without saying how it is scoped. The kinds:

- OBJECT: the URL names one scoped object. cadre_a1 (村干部, village a1) gets, for an object of
  village a2 (same township) or b1 (other township), exactly the 404 a non-existent pk gets, for
  every HTTP method, and nothing changes; for a1's own object the request works.
- LIST / SUMMARY: the answer holds a1's data and nothing of a2 or b1, whatever the filters say.
- CAPABILITY: cadre_a1 lacks the capability and gets 403 (or, in the admin, the admin login).
- PERSONAL / PUBLIC: no village data at all (login, logout, profile, language, API docs).

Static files are served by WhiteNoise before the URLconf (no route, no village data).
The Django admin is for superusers (is_staff) only: no registry, area or account model is
registered in it (``ADMIN_MODELS`` lists what is), and every admin URL sends a signed-in
non-staff user to the admin login.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from fupin.accounts.models import ApiToken
from fupin.accounts.services import api_token_create
from fupin.areas.models import Area
from fupin.config.api import api
from fupin.core.models import AuditEntry, JobRun
from fupin.registry.models import Household, IncomeRecord, Member

OBJECT, LIST, SUMMARY, CAPABILITY, PERSONAL, PUBLIC, ADMIN = (
    "object", "list", "summary", "capability", "personal", "public", "admin")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MISSING_PK = 987654321
OWN_MARKERS = {"household": "H-A1-0001", "area": "411103101201", "job": "任务-A1", "import_job": "导入-A1",
               "export_job": "导出-A1"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Route:
    kind: str
    method: str = "GET"
    status: int = 200  # the answer to a permitted request (own object, capable persona, the page itself)
    target: str = ""  # OBJECT: what the pk names
    shows: tuple[str, ...] = ()  # LIST: what cadre_a1 must see
    allowed: str = ""  # CAPABILITY: a persona that holds the capability
    path: str = ""  # a concrete path, for regex patterns
    note: str = ""


PAGES: dict[str, Route] = {
    "": Route(SUMMARY, note="首页：本辖区统计数"),
    "accounts/login/": Route(PERSONAL, status=302, note="已登录者被转回首页"),
    "accounts/logout/": Route(PERSONAL, "POST", 302),
    "accounts/me/": Route(PERSONAL, note="本人的角色与令牌"),
    "accounts/me/tokens/": Route(PERSONAL, "POST", 302, note="为本人创建令牌"),
    "accounts/me/tokens/<int:pk>/revoke/": Route(OBJECT, "POST", 302, target="token"),
    "areas/": Route(LIST, shows=("甲村民委员会",)),
    "registry/households/": Route(LIST, shows=("H-A1-0001",)),
    "registry/households/<int:pk>/": Route(OBJECT, target="household"),
    "registry/households/export/": Route(CAPABILITY, "POST", allowed="township_a", note="导出本辖区（按筛选）"),
    "registry/export/<int:pk>/": Route(OBJECT, target="export_job", note="本人发起的大批量导出"),
    "registry/export/<int:pk>/file/": Route(OBJECT, target="export_job", note="导出文件（xlsx，读出单元格比对）"),
    "registry/template/": Route(PUBLIC, note="空白导入模板，不含数据"),
    "registry/import/": Route(CAPABILITY, allowed="officer"),
    "registry/import/<int:pk>/": Route(OBJECT, target="import_job", note="发起人或同辖区有导入权限者"),
    "registry/import/<int:pk>/report/": Route(OBJECT, target="import_job", note="问题报告（xlsx）"),
    "system/audit/": Route(CAPABILITY, allowed="auditor"),
    "system/audit/verify/": Route(CAPABILITY, "POST", 302, allowed="auditor"),
    "system/jobs/": Route(LIST, shows=("任务-A1",), note="本人发起的任务"),
    "system/jobs/<int:pk>/": Route(OBJECT, target="job"),
    "system/jobs/<int:pk>/retry/": Route(OBJECT, "POST", 302, target="job"),
    "i18n/setlang/": Route(PUBLIC, "POST", 302),
}

API: dict[str, Route] = {
    "api/v1/": Route(PUBLIC, status=404, note="ninja's root: nothing there"),
    "api/v1/openapi.json": Route(PUBLIC),
    "api/v1/docs": Route(PUBLIC),
    "api/v1/accounts/me": Route(PERSONAL),
    "api/v1/areas/": Route(LIST, shows=("411103101201",)),
    "api/v1/areas/<area_id>": Route(OBJECT, target="area"),
    "api/v1/audit/entries": Route(CAPABILITY, allowed="auditor"),
    "api/v1/audit/jobs/<job_id>": Route(OBJECT, target="job"),
    "api/v1/registry/households": Route(LIST, shows=("H-A1-0001",)),
    "api/v1/registry/households/<household_id>": Route(OBJECT, target="household"),
    "api/v1/registry/export": Route(CAPABILITY, allowed="township_a"),
    "api/v1/registry/template": Route(PUBLIC, note="空白导入模板"),
}

# Every operation of the NinjaAPI (from its OpenAPI schema) and the URL route that serves it.
API_OPERATIONS: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/accounts/me"): "api/v1/accounts/me",
    ("GET", "/api/v1/areas/"): "api/v1/areas/",
    ("GET", "/api/v1/areas/{area_id}"): "api/v1/areas/<area_id>",
    ("GET", "/api/v1/audit/entries"): "api/v1/audit/entries",
    ("GET", "/api/v1/audit/jobs/{job_id}"): "api/v1/audit/jobs/<job_id>",
    ("GET", "/api/v1/registry/households"): "api/v1/registry/households",
    ("GET", "/api/v1/registry/households/{household_id}"): "api/v1/registry/households/<household_id>",
    ("GET", "/api/v1/registry/export"): "api/v1/registry/export",
    ("GET", "/api/v1/registry/template"): "api/v1/registry/template",
}

# The models registered in the Django admin. None holds village data (households, members,
# incomes, areas, users); registering one means classifying its routes here first.
ADMIN_MODELS: dict[str, str] = {
    "auth/group": "权限组（本系统不用）/ unused permission groups",
    "axes/accessattempt": "登录失败计数 / sign-in attempts",
    "axes/accesslog": "登录记录 / sign-in log",
    "axes/accessfailurelog": "登录失败记录 / sign-in failures",
    "django_tasks_database/dbtaskresult": "后台任务队列 / task queue rows",
}
ADMIN_MODEL_ROUTES = ("", "add/", "<path:object_id>/history/", "<path:object_id>/delete/",
                      "<path:object_id>/change/", "<path:object_id>/")
ADMIN_SITE_ROUTES = ("admin/", "admin/login/", "admin/logout/", "admin/password_change/",
                     "admin/password_change/done/", "admin/autocomplete/", "admin/jsi18n/",
                     "admin/r/<path:content_type_id>/<path:object_id>/", "admin/(?P<url>.*)$")


def _admin_routes() -> dict[str, Route]:
    routes = {r: Route(ADMIN, path="/admin/no-such-page/" if "(?P<url>" in r else "") for r in ADMIN_SITE_ROUTES}
    for model in ADMIN_MODELS:
        routes |= {f"admin/{model}/{suffix}": Route(ADMIN) for suffix in ADMIN_MODEL_ROUTES}
    labels = "|".join(sorted({m.split("/")[0] for m in ADMIN_MODELS}))
    routes[f"admin/^(?P<app_label>{labels})/$"] = Route(ADMIN, path="/admin/auth/")
    return routes


ROUTES: dict[str, Route] = PAGES | API | _admin_routes()


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern)


def _normalise(route: str) -> str:
    """The admin's app-list pattern names the registered apps in registration order: sort them."""
    match = re.fullmatch(r"admin/\^\(\?P<app_label>(.*)\)/\$", route)
    return f"admin/^(?P<app_label>{'|'.join(sorted(match.group(1).split('|')))})/$" if match else route


def discovered_routes() -> set[str]:
    return {_normalise(r) for r in _walk(get_resolver().url_patterns)}


def routes_of(*kinds: str, api_only: bool = False) -> list[str]:
    return [r for r, spec in ROUTES.items() if spec.kind in kinds and (not api_only or r.startswith("api/"))]


# --- the world cadre_a1 walks through ------------------------------------------------------------


@dataclass
class World:
    personas: Any
    households: dict[str, Household]
    jobs: dict[str, JobRun]
    import_jobs: dict[str, JobRun]
    export_jobs: dict[str, JobRun]
    tokens: dict[str, tuple[ApiToken, str]]
    foreign_markers: list[str]

    def targets(self, target: str) -> tuple[int, list[int]]:
        """(cadre_a1's own pk, pks that belong to village a2 or b1) for an OBJECT route's target."""
        a = self.personas.areas
        if target == "household":
            return self.households["a1"].pk, [self.households["a2"].pk, self.households["b1"].pk]
        if target == "area":
            return a.village_a1.pk, [a.village_a2.pk, a.village_b1.pk, a.town_b.pk]
        if target == "job":
            return self.jobs["a1"].pk, [self.jobs["a2"].pk, self.jobs["b1"].pk]
        if target == "import_job":
            return self.import_jobs["a1"].pk, [self.import_jobs["a2"].pk, self.import_jobs["b1"].pk]
        if target == "export_job":
            return self.export_jobs["a1"].pk, [self.export_jobs["a2"].pk, self.export_jobs["b1"].pk]
        if target == "token":
            return self.tokens["a1"][0].pk, [self.tokens["a2"][0].pk, self.tokens["b1"][0].pk]
        raise AssertionError(f"unknown target {target}")


def _job(user: Any, title: str) -> JobRun:
    return JobRun.objects.create(kind="audit.verify", title=title, created_by=user,
                                 status=JobRun.Status.FAILED, retryable=True, message="测试")


def _file_job(media: Path, user: Any, kind: str, marker: str) -> JobRun:
    """A finished import or export job of ``user`` whose file (an xlsx) holds ``marker``."""
    from openpyxl import Workbook

    folder = media / kind / marker
    folder.mkdir(parents=True)
    book = Workbook()
    book.active.append([marker])
    book.save(folder / "file.xlsx")
    relative = f"{kind}/{marker}/file.xlsx"
    if kind == "registry.import":
        params = {"paths": [], "names": [f"{marker}.xlsx"], "dry_run": False, "valid_only": False,
                  "scope": {"everything": False, "paths": [a.area.path for a in user.active_assignments]}}
        result = {"counts": {}, "problems": 1, "problem_list": [], "report": relative, "written": False}
    else:
        params, result = {"filters": {}}, {"file": relative, "households": 1, "members": 2, "incomes": 1}
    return JobRun.objects.create(kind=kind, title=marker, created_by=user, status=JobRun.Status.SUCCEEDED,
                                 params=params, result=result)


@pytest.fixture
def world(personas, households, settings, tmp_path) -> World:
    p = personas
    settings.MEDIA_ROOT = tmp_path
    jobs = {"a1": _job(p.cadre_a1, "任务-A1"), "a2": _job(p.cadre_a2, "任务-A2"), "b1": _job(p.cadre_b1, "任务-B1")}
    people = {"a1": p.cadre_a1, "a2": p.cadre_a2, "b1": p.cadre_b1}
    import_jobs = {k: _file_job(tmp_path, u, "registry.import", f"导入-{k.upper()}") for k, u in people.items()}
    export_jobs = {k: _file_job(tmp_path, u, "registry.export", f"导出-{k.upper()}") for k, u in people.items()}
    tokens = {k: api_token_create(user=u, name=f"令牌-{k.upper()}")
              for k, u in (("a1", p.cadre_a1), ("a2", p.cadre_a2), ("b1", p.cadre_b1))}
    foreign_ids = list(Member.objects.exclude(household=households["a1"]).values_list("id_number", flat=True))
    markers = ["H-A2-0001", "H-B1-0001", "乙村民委员会", "丙村民委员会", "商桥镇", "411103101202",
               "411103102201", "411103102000", "任务-A2", "任务-B1", "令牌-A2", "令牌-B1", "导入-A2", "导入-B1",
               "导出-A2", "导出-B1",
               tokens["a2"][0].prefix, tokens["b1"][0].prefix, *foreign_ids]
    return World(p, households, jobs, import_jobs, export_jobs, tokens, markers)


def snapshot() -> dict[str, Any]:
    """Every row a request could change, with the audit log's length (token use times excluded)."""
    return {
        "households": list(Household.objects.order_by("pk").values()),
        "members": list(Member.objects.order_by("pk").values()),
        "incomes": list(IncomeRecord.objects.order_by("pk").values()),
        "areas": list(Area.objects.order_by("pk").values()),
        "jobs": list(JobRun.objects.order_by("pk").values()),
        "tokens": list(ApiToken.objects.order_by("pk").values("pk", "user", "key_hash", "revoked_at", "expires_at")),
        "audit": AuditEntry.objects.count(),
    }


def village_snapshot(world: World) -> dict[str, Any]:
    """The rows of other people and other villages: personal routes may change only cadre_a1's own."""
    snap = snapshot()
    own_token = world.tokens["a1"][0].pk
    snap["jobs"] = [j for j in snap["jobs"] if j["created_by_id"] != world.personas.cadre_a1.pk]
    snap["tokens"] = [t for t in snap["tokens"] if t["user"] != world.personas.cadre_a1.pk or t["pk"] == own_token]
    del snap["audit"]
    return snap


def client_for(world: World, user: Any, auth: str) -> Client:
    if auth == "token":
        return Client(HTTP_AUTHORIZATION=f"Bearer {world.tokens['a1'][1]}")
    client = Client()
    client.force_login(user)
    return client


def url_of(route: str, pk: int | str = "") -> str:
    spec = ROUTES[route]
    return spec.path or "/" + re.sub(r"<[^>]+>", str(pk), route)


def call(client: Client, method: str, path: str, data: dict[str, Any] | None = None) -> Any:
    return getattr(client, method.lower())(path, data or {})


def text_of(response: Any) -> str:
    """The body as text; JSON is re-encoded without \\u escapes so Chinese markers are found too, and a
    workbook (exports, reports) is read cell by cell. Streamed bodies are read once and kept."""
    if not hasattr(response, "_walk_text"):
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        body: str = raw.decode("utf-8", errors="replace")
        if response.get("Content-Type", "").startswith("application/json"):
            body = json.dumps(json.loads(body), ensure_ascii=False)
        elif response.get("Content-Type", "") == XLSX_TYPE:
            body = workbook_text(raw)
        response._walk_text = body + str(response.get("Location") or "")
    return str(response._walk_text)


def workbook_text(raw: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(BytesIO(raw), read_only=True)
    return "\n".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
                     if v is not None)


def assert_no_foreign_data(world: World, response: Any, where: str) -> None:
    body = text_of(response)
    leaked = [m for m in world.foreign_markers if m in body]
    assert not leaked, f"{where} shows data of another village or user: {leaked}"


def with_auth(routes: list[str]) -> list[tuple[str, str]]:
    """Each route with the session; API routes also with cadre_a1's bearer token."""
    return [(r, "session") for r in routes] + [(r, "token") for r in routes if r.startswith("api/")]


# --- the table is complete -----------------------------------------------------------------------


def test_it_classifies_every_route():
    found = discovered_routes()
    unclassified = sorted(found - set(ROUTES))
    assert not unclassified, f"classify these routes in ROUTES (test_access_walk.py): {unclassified}"
    stale = sorted(set(ROUTES) - found)
    assert not stale, f"ROUTES lists routes that no longer exist: {stale}"


def test_it_classifies_every_api_operation():
    schema = api.get_openapi_schema()
    operations = {(method.upper(), path) for path, ops in schema["paths"].items() for method in ops}
    assert operations == set(API_OPERATIONS), f"classify API operations: {operations ^ set(API_OPERATIONS)}"
    assert set(API_OPERATIONS.values()) <= set(API)
    assert all(ROUTES[route].method == method for (method, _), route in API_OPERATIONS.items())


def test_it_registers_no_village_data_in_the_admin():
    registered = {f"{m._meta.app_label}/{m._meta.model_name}" for m in admin.site._registry}
    assert registered == set(ADMIN_MODELS)
    assert not registered & {"registry/household", "registry/member", "registry/incomerecord", "areas/area",
                             "accounts/user", "core/auditentry"}


# --- OBJECT routes: other villages' objects are indistinguishable from missing ones --------------


@pytest.mark.parametrize(("route", "auth"), with_auth(routes_of(OBJECT)))
def test_it_answers_other_villages_objects_like_missing_ones(world, route, auth):
    spec = ROUTES[route]
    client = client_for(world, world.personas.cadre_a1, auth)
    _, foreign = world.targets(spec.target)
    before = snapshot()
    for method in METHODS:
        missing = call(client, method, url_of(route, MISSING_PK))
        assert missing.status_code in (404, 405), (method, route, missing.status_code)
        for pk in foreign:
            response = call(client, method, url_of(route, pk))
            assert (response.status_code, response.content) == (missing.status_code, missing.content), (method, pk)
            assert_no_foreign_data(world, response, f"{method} {route}")
    refused = call(client, spec.method, url_of(route, foreign[-1]))
    assert refused.status_code == 404, "the route's own method must look the object up and refuse it"
    assert snapshot() == before, f"a refused request to {route} changed data"


@pytest.mark.parametrize(("route", "auth"), with_auth(routes_of(OBJECT)))
def test_it_serves_the_cadre_s_own_object(world, route, auth):
    spec = ROUTES[route]
    client = client_for(world, world.personas.cadre_a1, auth)
    own, _ = world.targets(spec.target)
    before = snapshot()
    response = call(client, spec.method, url_of(route, own))
    assert response.status_code == spec.status, response.content[:300]
    assert_no_foreign_data(world, response, route)
    if spec.method == "GET":
        assert OWN_MARKERS[spec.target] in text_of(response), f"{route} does not show a1's own object"
    if spec.method == "POST":
        assert snapshot() != before, "the permitted write must change something, or the refusal proves nothing"


# --- LIST and SUMMARY routes: only a1's rows, whatever the filters ask for -----------------------


def _foreign_filters(world: World) -> list[dict[str, Any]]:
    a = world.personas.areas
    return [{}, {"village": a.village_b1.pk}, {"village": a.village_a2.pk}, {"township": a.town_b.pk},
            {"q": "H-B1"}, {"q": "zs"}, {"level": "village"}, {"current": "false"}, {"limit": 500}]


@pytest.mark.parametrize(("route", "auth"), with_auth(routes_of(LIST)))
def test_it_lists_only_the_cadre_s_village(world, route, auth):
    spec = ROUTES[route]
    client = client_for(world, world.personas.cadre_a1, auth)
    response = call(client, "GET", url_of(route))
    assert response.status_code == 200
    for shown in spec.shows:
        assert shown in text_of(response), f"{route} misses cadre_a1's own {shown}"
    for params in _foreign_filters(world):
        response = call(client, "GET", url_of(route), params)
        assert response.status_code == 200, (params, response.content[:300])
        assert_no_foreign_data(world, response, f"{route}?{params}")


@pytest.mark.parametrize("route", routes_of(SUMMARY))
def test_it_counts_only_the_cadre_s_village(world, route):
    client = client_for(world, world.personas.cadre_a1, "session")
    response = call(client, "GET", url_of(route))
    assert response.status_code == 200
    assert response.context["totals"]["total"] == 1
    assert response.context["members"] == Member.objects.filter(household=world.households["a1"]).count()
    assert response.context["villages"] == 1
    assert_no_foreign_data(world, response, route)


# --- CAPABILITY routes: 403 for cadre_a1, open to a persona holding the capability ---------------


@pytest.mark.parametrize(("route", "auth"), with_auth(routes_of(CAPABILITY)))
def test_it_refuses_capability_routes_to_a_village_cadre(world, route, auth):
    spec = ROUTES[route]
    client = client_for(world, world.personas.cadre_a1, auth)
    before = snapshot()
    response = call(client, spec.method, url_of(route))
    assert response.status_code == 403
    if route.startswith("api/"):
        assert response.json()["code"] == "FORBIDDEN"
    assert snapshot() == before
    allowed = call(client_for(world, getattr(world.personas, spec.allowed), "session"), spec.method, url_of(route))
    assert allowed.status_code == spec.status


# --- PERSONAL and PUBLIC routes: no village data --------------------------------------------------


@pytest.mark.parametrize(("route", "auth"), with_auth(routes_of(PERSONAL, PUBLIC)))
def test_it_shows_no_village_data_on_personal_and_public_routes(world, route, auth):
    spec = ROUTES[route]
    client = client_for(world, world.personas.cadre_a1, auth)
    before = village_snapshot(world)
    data = {"name": "新令牌", "days": 30} if route == "accounts/me/tokens/" else {"language": "en"}
    response = call(client, spec.method, url_of(route), data if spec.method == "POST" else None)
    assert response.status_code == spec.status, response.content[:300]
    assert_no_foreign_data(world, response, route)
    assert village_snapshot(world) == before


def test_it_creates_tokens_only_for_the_signed_in_user(world):
    client = client_for(world, world.personas.cadre_a1, "session")
    client.post(url_of("accounts/me/tokens/"), {"name": "新令牌", "days": 30})
    assert ApiToken.objects.get(name="新令牌").user == world.personas.cadre_a1


# --- the Django admin: superusers only -------------------------------------------------------------


def _admin_path(world: World, route: str) -> str:
    path = url_of(route, world.households["b1"].pk)
    ct = ContentType.objects.get_for_model(Household).pk
    return path.replace(f"/r/{world.households['b1'].pk}/", f"/r/{ct}/", 1)


@pytest.mark.parametrize("persona", ["cadre_a1", "admin"])
def test_it_sends_non_staff_users_to_the_admin_login_on_every_admin_route(world, persona):
    client = client_for(world, getattr(world.personas, persona), "session")
    before = snapshot()
    for route in routes_of(ADMIN):
        path = _admin_path(world, route)
        if route == "admin/logout/":
            continue  # signing out exposes nothing; checked below
        response = call(client, "GET", path)
        assert_no_foreign_data(world, response, path)
        if route == "admin/login/":
            assert response.status_code == 200 and b'name="password"' in response.content
            continue
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), path
        posted = call(client, "POST", path, {"name": "x"})
        assert posted.status_code == 302 and posted["Location"].startswith("/admin/login/"), path
    assert snapshot() == before
    assert call(client, "POST", "/admin/logout/").status_code in (200, 302)


def test_it_opens_the_admin_to_a_superuser(world):
    client = client_for(world, world.personas.superuser, "session")
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "H-A1-0001" not in response.content.decode()
