"""One error envelope for the whole API: ``{"message", "code", "fields"}``."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from ninja import NinjaAPI
from ninja.testing import TestClient

from fupin.accounts.services import api_token_create, api_token_revoke
from fupin.core.api_errors import install_error_handlers
from fupin.core.errors import BadInput, DomainError, TransitionRefused


def _envelope(response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    body: dict[str, Any] = response.json()
    assert set(body) == {"message", "code", "fields"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and " / " in body["message"]  # 中文 / English
    return body


@pytest.fixture
def cadre(client, personas):
    client.force_login(personas.cadre_a1)
    return client


class TestEnvelope:
    def test_it_answers_an_unknown_household_with_not_found(self, cadre):
        body = _envelope(cadre.get("/api/v1/registry/households/987654321"), 404, "NOT_FOUND")
        assert body["fields"] == {}

    def test_it_answers_another_village_s_household_with_the_same_not_found(self, cadre, households):
        other = cadre.get(f"/api/v1/registry/households/{households['b1'].pk}")
        missing = cadre.get("/api/v1/registry/households/987654321")
        assert other.content == missing.content

    def test_it_answers_a_missing_capability_with_forbidden(self, cadre):
        body = _envelope(cadre.get("/api/v1/audit/entries"), 403, "FORBIDDEN")
        assert body["fields"] == {}

    def test_it_names_the_invalid_field(self, cadre):
        body = _envelope(cadre.get("/api/v1/registry/households", {"limit": "abc"}), 422, "INVALID")
        assert list(body["fields"]) == ["limit"]
        assert body["fields"]["limit"]

    def test_it_answers_a_wrong_method_in_the_envelope_with_the_allowed_ones(self, cadre, households):
        response = cadre.delete(f"/api/v1/registry/households/{households['a1'].pk}")
        body = _envelope(response, 405, "METHOD_NOT_ALLOWED")
        assert body["fields"] == {} and response["Allow"] == "GET"
        assert cadre.get(f"/api/v1/registry/households/{households['a1'].pk}").status_code == 200

    def test_it_names_an_invalid_path_parameter(self, cadre):
        body = _envelope(cadre.get("/api/v1/registry/households/abc"), 422, "INVALID")
        assert "household_id" in body["fields"]

    def test_it_asks_for_credentials_without_auth(self, client, households):
        _envelope(client.get("/api/v1/registry/households"), 401, "UNAUTHENTICATED")

    def test_it_refuses_a_revoked_token(self, client, personas):
        token, raw = api_token_create(user=personas.cadre_a1, name="已吊销")
        assert client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
        api_token_revoke(user=personas.cadre_a1, token_id=token.pk)
        _envelope(client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {raw}"}), 401,
                  "UNAUTHENTICATED")

    def test_it_refuses_an_expired_token(self, client, personas, time_machine):
        _, raw = api_token_create(user=personas.cadre_a1, name="短期", days=1)
        time_machine.move_to(timezone.now() + timedelta(days=2))
        _envelope(client.get("/api/v1/accounts/me", headers={"Authorization": f"Bearer {raw}"}), 401,
                  "UNAUTHENTICATED")

    def test_it_publishes_a_valid_openapi_schema(self, client, db):
        response = client.get("/api/v1/openapi.json")
        assert response.status_code == 200
        schema = json.loads(response.content)
        assert "/api/v1/registry/households" in schema["paths"]
        assert schema["openapi"].startswith("3.")


# A throwaway API with the same handlers, to see each exception class map to its envelope.
scratch = NinjaAPI(urls_namespace="walker-envelope-test", auth=None)
install_error_handlers(scratch)


@scratch.get("/domain")
def _domain(request):
    raise DomainError("不行 / no", code="CUSTOM_CODE", fields={"year": ["超出范围 / out of range"]})


@scratch.get("/transition")
def _transition(request):
    raise TransitionRefused("状态不允许 / not in this state")


@scratch.get("/bad")
def _bad(request):
    raise BadInput("数据无效 / bad data")


@scratch.get("/denied")
def _denied(request):
    raise PermissionDenied("x")


@scratch.get("/absent")
def _absent(request):
    raise Http404("x")


class TestDomainErrors:
    client = TestClient(scratch)

    def test_it_maps_a_domain_error_to_its_code_and_fields(self):
        body = _envelope(self.client.get("/domain"), 400, "CUSTOM_CODE")
        assert body == {"message": "不行 / no", "code": "CUSTOM_CODE", "fields": {"year": ["超出范围 / out of range"]}}

    def test_it_maps_a_refused_transition_to_409(self):
        _envelope(self.client.get("/transition"), 409, "TRANSITION_REFUSED")

    def test_it_maps_bad_input_to_422(self):
        _envelope(self.client.get("/bad"), 422, "BAD_INPUT")

    def test_it_maps_permission_denied_and_http404(self):
        _envelope(self.client.get("/denied"), 403, "FORBIDDEN")
        _envelope(self.client.get("/absent"), 404, "NOT_FOUND")


def test_it_sends_chinese_as_utf8_not_escapes(client, personas):
    client.force_login(personas.cadre_a1)
    body = client.get("/api/v1/accounts/me").content.decode("utf-8")
    assert "村干部" in body
    assert "\\u" not in body
