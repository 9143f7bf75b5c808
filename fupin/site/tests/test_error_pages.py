"""The platform's own error pages (400, 403, CSRF failure, 404, 500) with DEBUG off: in Chinese, in English
when the viewer chose English, with a way home and nothing of the failure itself; and the API's JSON envelope
for the same errors under /api/."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings
from django.test import Client, RequestFactory
from django.urls import get_resolver, reverse

from fupin.core.testing import make_household
from fupin.site.tests.error_urls import SECRET

ERROR_URLS = "fupin.site.tests.error_urls"
# What a failure page must never show: Django's debug and default pages, exception classes, their texts.
LEAKS = ("Traceback", "Exception", "Error", "PermissionDenied", "Http404", "Resolver404", "DisallowedHost",
         "SuspiciousOperation", "CSRF", "Forbidden", "Not Found", "Bad Request", "Server Error", "accounts.manage",
         "Household", SECRET, "evil.example", "<script", "nonce=", "csrfmiddlewaretoken")


@dataclass(frozen=True)
class Expected:
    lang: str
    title: str
    message: str
    home: str = "返回首页"


ZH = {
    400: Expected("zh-hans", "请求无效", "服务器无法处理此请求。"),
    403: Expected("zh-hans", "无权访问", "您没有访问此页面或执行此操作的权限。"),
    "csrf": Expected("zh-hans", "页面已过期", "表单已过期或无法核实来源，本次提交没有处理。"),
    404: Expected("zh-hans", "页面不存在", "您要找的页面或记录不存在，或不在您的管辖范围内。"),
    500: Expected("zh-hans", "系统出错", "服务器处理您的请求时出错，本次操作可能没有完成。"),
}
EN = {
    400: Expected("en", "Invalid request", "The server cannot handle this request.", "Back to the home page"),
    403: Expected("en", "Access denied", "You do not have permission to open this page or to do this.",
                  "Back to the home page"),
    "csrf": Expected("en", "The page has expired", "The form has expired or its origin could not be verified",
                     "Back to the home page"),
    404: Expected("en", "Page not found",
                  "The page or record you asked for does not exist, or is outside your area.", "Back to the home page"),
    500: Expected("en", "System error", "The server failed while handling your request", "Back to the home page"),
}
LANGUAGES = {"zh-hans": ZH, "en": EN}


def assert_error_page(response, status: int, expected: Expected) -> str:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("text/html")
    html: str = response.content.decode()
    assert f'<html lang="{expected.lang}">' in html
    assert f"<title>{expected.title} · " in html and f"<h1>{expected.title}</h1>" in html
    assert expected.message in html and expected.home in html and 'data-testid="error-home"' in html
    assert [leak for leak in LEAKS if leak in html] == []
    other = ZH if expected.lang == "en" else EN
    assert [e.title for e in other.values() if e.title in html] == []  # no half-sentence in the other language
    return html


def choose(client: Client, language: str) -> Client:
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    return client


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


@pytest.fixture
def signed_in(client, personas):
    client.force_login(personas.cadre_a1)
    return client


@pytest.mark.parametrize("language", ["zh-hans", "en"])
class TestPages:
    def test_an_unknown_address_answers_the_404_page(self, signed_in, language):
        html = assert_error_page(choose(signed_in, language).get("/no/such/page/"), 404, LANGUAGES[language][404])
        assert "/no/such/page/" not in html and reverse("public:home") not in html

    def test_an_unknown_address_answers_the_404_page_without_a_sign_in(self, client, language):
        html = assert_error_page(choose(client, language).get("/no/such/page/"), 404, LANGUAGES[language][404])
        assert reverse("public:home") in html  # the public side, for a visitor without an account

    def test_a_household_outside_the_area_answers_the_same_404_page_as_a_missing_one(self, client, personas, areas,
                                                                                   language):
        household = make_household(areas.village_a1, "H-A1-0001")
        client.force_login(personas.cadre_b1)
        choose(client, language)
        foreign = client.get(reverse("registry:household-detail", args=[household.pk]))
        missing = client.get(reverse("registry:household-detail", args=[987654321]))
        html = assert_error_page(foreign, 404, LANGUAGES[language][404])
        assert foreign.content == missing.content
        assert "H-A1-0001" not in html and "张三" not in html

    def test_a_page_without_the_capability_answers_the_403_page(self, signed_in, language):
        assert_error_page(choose(signed_in, language).get(reverse("accounts:user-list")), 403,
                          LANGUAGES[language][403])

    def test_a_form_without_its_csrf_token_answers_the_csrf_page(self, personas, language):
        client = Client(enforce_csrf_checks=True)
        client.force_login(personas.cadre_a1)
        # What set_language stores (its own POST would fail the check under test).
        client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
        response = client.post(reverse("accounts:token-create"), {"name": "报表系统", "days": 30})
        html = assert_error_page(response, 403, LANGUAGES[language]["csrf"])
        assert reverse("public:home") not in html  # drawn with the request: it knows the viewer has an account
        assert not personas.cadre_a1.api_tokens.exists()

    def test_a_bad_host_answers_the_400_page(self, client, language):
        response = choose(client, language).get("/", HTTP_HOST="evil.example")
        assert_error_page(response, 400, LANGUAGES[language][400])

    @pytest.mark.urls(ERROR_URLS)
    def test_a_suspicious_request_answers_the_400_page(self, signed_in, language):
        assert_error_page(choose(signed_in, language).get("/test-only/suspicious/"), 400, LANGUAGES[language][400])

    @pytest.mark.urls(ERROR_URLS)
    def test_a_view_that_fails_answers_the_500_page(self, signed_in, language):
        signed_in.raise_request_exception = False
        response = choose(signed_in, language).get("/test-only/broken/")
        assert_error_page(response, 500, LANGUAGES[language][500])


@pytest.mark.parametrize(("accept", "language"), [("", "zh-hans"), ("en-GB,en;q=0.9", "en")])
def test_the_500_page_needs_no_database_session_or_static_manifest(settings, tmp_path, accept, language):
    """No ``db`` fixture: a query would fail the test. A manifest storage without a manifest fails every
    static tag. The request has no session and no user, and LocaleMiddleware never ran."""
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
    settings.STATIC_ROOT = tmp_path
    request = RequestFactory().get("/anywhere/", HTTP_ACCEPT_LANGUAGE=accept)
    handler = get_resolver().resolve_error_handler(500)
    response = handler(request)
    assert_error_page(response, 500, LANGUAGES[language][500])
    assert f'href="{settings.STATIC_URL}fupin/app.css"' in response.content.decode()


# --- the API keeps its envelope ----------------------------------------------------------------------------
def assert_envelope(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"message", "code", "fields"} and body["code"] == code and body["fields"] == {}
    assert " / " in body["message"]  # 中文 / English, as every envelope
    assert [leak for leak in ("Traceback", "LedgerBroken", SECRET) if leak in response.content.decode()] == []


def test_an_unknown_api_address_answers_the_envelope(signed_in):
    assert_envelope(signed_in.get("/api/v1/no/such/endpoint"), 404, "NOT_FOUND")


@pytest.mark.urls(ERROR_URLS)
@pytest.mark.parametrize("path", ["/api/v1/test-only/broken/", "/api/v1/test-only/ninja/broken"])
def test_a_failing_api_view_answers_the_envelope(signed_in, path):
    signed_in.raise_request_exception = False
    assert_envelope(signed_in.get(path), 500, "SERVER_ERROR")


@pytest.mark.urls(ERROR_URLS)
def test_a_suspicious_api_request_answers_the_envelope(signed_in):
    signed_in.raise_request_exception = False
    assert_envelope(signed_in.get("/api/v1/test-only/suspicious/"), 400, "BAD_REQUEST")
