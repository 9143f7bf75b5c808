"""The OpenAPI document says what the server accepts and answers (ADR 0020).

- Schema names are unique: django-ninja files every pydantic model under its class name, so two apps'
  ``HouseholdOut`` would silently share one entry and one route would be documented with the other's shape.
- Every parameter is bounded (IDs, paging, years, days) and out-of-range values answer 422 in the envelope,
  never 500 (the shapes schemathesis found before: ``offset=-1``, IDs of 2**63, years like 99999 or -5).
- Every operation documents the error statuses it answers, in the envelope.
"""

from __future__ import annotations

import typing
from collections import defaultdict
from typing import Any

import pytest
from django.test import Client
from pydantic import BaseModel

from fupin.config.api import api
from fupin.core.api_errors import ERROR_SCHEMA
from fupin.core.api_types import ID_MAX, limit_max

# The document is read from the code, and every request here must be refused by validation (422) before the
# view reaches the database: once, in the SQLite half (docs/testing.md).
pytestmark = [pytest.mark.django_db, pytest.mark.engine_independent]


def _models(annotation: Any, seen: set[type[BaseModel]]) -> None:
    """Every pydantic model reachable from ``annotation`` (fields, lists, unions, nested models)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        for field in annotation.model_fields.values():
            _models(field.annotation, seen)
        return
    for argument in typing.get_args(annotation):
        _models(argument, seen)


def api_models() -> set[type[BaseModel]]:
    seen: set[type[BaseModel]] = set()
    for bound in api._get_bound_routers():
        for path_view in bound.path_operations.values():
            for operation in path_view.operations:
                for model in operation.models:
                    _models(model, seen)
                for model in operation.response_models.values():
                    _models(model, seen)
    return seen


def test_every_schema_name_is_used_by_one_model_only():
    by_name: dict[str, set[str]] = defaultdict(set)
    for model in api_models():
        if model.__module__.startswith("fupin."):
            by_name[model.__name__].add(f"{model.__module__}.{model.__qualname__}")
    collisions = {name: sorted(classes) for name, classes in by_name.items() if len(classes) > 1}
    assert collisions == {}
    assert len(by_name) > 50  # the walk found the API's models


def test_every_documented_schema_is_the_route_s_own():
    """Each route's response schema in the document is the one the route validates with."""
    document = api.get_openapi_schema()
    components = document["components"]["schemas"]
    for model in api_models():
        if model.__module__.startswith("fupin.") and model.__name__ in components:
            documented = set(components[model.__name__].get("properties", {}))
            assert documented == set(model.model_fields), model


def test_every_operation_documents_its_errors_in_the_envelope():
    document = api.get_openapi_schema()
    assert set(document["components"]["schemas"][ERROR_SCHEMA]["properties"]) == {"message", "code", "fields"}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            if operation.get("security"):
                assert {401, 403} <= codes, (method, path)
            if "{" in path:
                assert 404 in codes, (method, path)
            if operation.get("parameters") or operation.get("requestBody"):
                assert 422 in codes, (method, path)


def _integer_parameters() -> list[tuple[str, str, str, dict[str, Any]]]:
    document = api.get_openapi_schema()
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                options = schema.get("anyOf", [schema])
                integer = next((o for o in options if o.get("type") == "integer"), None)
                if integer is not None:
                    found.append((method, path, parameter["name"], integer))
    return found


def test_every_integer_parameter_has_a_range():
    parameters = _integer_parameters()
    assert len(parameters) > 40
    unbounded = [(m, p, n) for m, p, n, s in parameters if "minimum" not in s or "maximum" not in s]
    assert unbounded == []


def _url(path: str, name: str, value: Any) -> str:
    """``path`` with every path parameter 1, and ``name`` (a path or query parameter) ``value``."""
    url = path
    query = ""
    for part in path.split("{")[1:]:
        param = part.split("}")[0]
        url = url.replace("{" + param + "}", str(value) if param == name else "1")
    if name and "{" + name + "}" not in path:
        query = f"?{name}={value}"
    return url + query


OUT_OF_RANGE = {
    "offset": [-1, 10**12],
    "limit": [0, -5, limit_max() + 1],
    "year": [-5, 99999, 1999],
    "month": [0, 13],
}


@pytest.fixture
def admin_client(personas) -> Client:
    client = Client()
    client.force_login(personas.officer)
    return client


def test_out_of_range_parameters_answer_422_in_the_envelope(admin_client):
    checked = 0
    for method, path, name, _schema in _integer_parameters():
        values = OUT_OF_RANGE.get(name, [0, -1, ID_MAX + 1])
        for value in values:
            response = admin_client.generic(method.upper(), _url(path, name, value))
            assert response.status_code == 422, (method, path, name, value, response.status_code)
            body = response.json()
            assert body["code"] == "INVALID" and name in body["fields"], (method, path, name, body)
            checked += 1
    assert checked > 100


@pytest.mark.parametrize("query", ["offset=-1", "limit=0", "limit=100000", "offset=9223372036854775808"])
@pytest.mark.parametrize("path", ["/api/v1/registry/households", "/api/v1/hotline/tickets", "/api/v1/measures/",
                                  "/api/v1/projects/", "/api/v1/notices/", "/api/v1/crosscheck/findings",
                                  "/api/v1/monitoring/cases", "/api/v1/assessment/results",
                                  "/api/v1/monitoring/results", "/api/v1/measures/loans"])
def test_the_list_routes_refuse_bad_paging(admin_client, path, query):
    response = admin_client.get(f"{path}?{query}")
    assert response.status_code == 422, (path, query, response.content[:200])
    assert response.json()["code"] == "INVALID"


def test_a_text_parameter_with_a_nul_character_is_refused(admin_client):
    response = admin_client.get("/api/v1/registry/households", {"q": "张\x00"})
    assert response.status_code == 422 and list(response.json()["fields"]) == ["q"]


def test_a_json_body_that_is_not_an_object_is_refused(admin_client):
    """ninja's Schema reads attributes of any value: a list would pass as an object with every field
    defaulted (``BodyIn`` refuses it), and change something nobody asked for."""
    document = api.get_openapi_schema()
    checked = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if "application/json" not in operation.get("requestBody", {}).get("content", {}):
                continue
            for body in ("[null, null]", "5", '"x"'):
                response = admin_client.generic(method.upper(), _url(path, "", 1), body,
                                                content_type="application/json")
                assert response.status_code == 422, (method, path, body, response.status_code)
                checked += 1
    assert checked >= 3 * 10
