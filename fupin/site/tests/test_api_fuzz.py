"""schemathesis against /api/v1/openapi.json: no server error and no schema violation (ADR 0020).

The document is read from the running WSGI application (``schemathesis.openapi.from_wsgi``) and every
operation is called with generated requests, valid and invalid, under the bearer token of a district
administrator and of a village cadre, on a seeded demo county. Each response must not be a server error,
must have a status the operation documents, the documented content type, a body that conforms to the
documented schema, and invalid input must be refused; a token-protected route must refuse a request
without the token.

Bounded so the whole module takes well under a minute per engine: one fixed seed (the same requests on
every run, so a failure is reproducible), the fuzzing phase only, a few examples per operation; the
boundary values that the coverage phase would enumerate are checked, deterministically, by
``test_api_schema.py``.

It runs on both engines: a server error can be the engine's own (PostgreSQL refuses a NUL character in
text and a number beyond its column's type, where SQLite stores them), so it is not engine-independent.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from schemathesis import checks

from fupin.accounts.models import User
from fupin.accounts.services import api_token_create
from fupin.core.testing import ModuleDB
from fupin.site.demo import seed_demo
from fupin.site.reference import seed_reference

OPENAPI = "/api/v1/openapi.json"
EXAMPLES = int(os.environ.get("FUPIN_FUZZ_EXAMPLES", "6"))
"""Generated requests per operation and token (the run's time grows linearly with it). A deeper run by
hand: ``FUPIN_FUZZ_EXAMPLES=100 FUPIN_FUZZ_COVERAGE=1 .venv/bin/pytest -n 0 fupin/site/tests/test_api_fuzz.py``
(the coverage phase adds every parameter's boundary values)."""
SEED = int(os.environ.get("FUPIN_FUZZ_SEED", "20181231"))
CONFIG = {
    "seed": SEED,
    "generation": {"max-examples": EXAMPLES, "mode": "all"},
    "phases": {"examples": {"enabled": False}, "stateful": {"enabled": False}, "fuzzing": {"enabled": True},
               "coverage": {"enabled": os.environ.get("FUPIN_FUZZ_COVERAGE") == "1"}},
}
CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance, checks.negative_data_rejection, checks.ignored_auth]
USERS = ("demo_admin", "demo_village")  # 区管理员, 村干部 (fupin.site.demo.DEMO_USERS)


def build_county() -> dict[str, str]:
    seed_reference()
    seed_demo(households=60, seed=7)
    return {username: api_token_create(user=User.objects.get(username=username), name="schemathesis", days=30)[1]
            for username in USERS}


@pytest.fixture(scope="module")
def _tokens(module_db: ModuleDB) -> dict[str, str]:
    """The demo county and one token per user, built once per module (fupin/conftest.py, module_db)."""
    return module_db.build(build_county)


@pytest.fixture
def tokens(_tokens: dict[str, str], db: None) -> dict[str, str]:
    return _tokens


@pytest.fixture
def wsgi_application() -> Iterator[Any]:
    """Django's WSGI application. Its handler closes the database connection after each request
    (``close_old_connections``), which would end the test's transaction on PostgreSQL; as Django's own test
    client does, the handler keeps it while the test runs."""
    from fupin.config.wsgi import application

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _schema(application: Any, token: str) -> Any:
    """The document as the application serves it; the token is a configured header, so schemathesis sends
    it with every request (and without it for the authentication check) and never generates it."""
    config = schemathesis.Config.from_dict({**CONFIG, "headers": {"Authorization": f"Bearer {token}"}})
    return schemathesis.openapi.from_wsgi(OPENAPI, application, config=config)


@pytest.fixture
def administrator_schema(wsgi_application: Any, tokens: dict[str, str]) -> Any:
    return _schema(wsgi_application, tokens["demo_admin"])


@pytest.fixture
def village_cadre_schema(wsgi_application: Any, tokens: dict[str, str]) -> Any:
    return _schema(wsgi_application, tokens["demo_village"])


as_administrator = schemathesis.pytest.from_fixture("administrator_schema")
as_village_cadre = schemathesis.pytest.from_fixture("village_cadre_schema")


def _call(case: Any) -> None:
    response = case.call_and_validate(checks=CHECKS)
    # Every request carries a valid token: a 401 would mean it was not sent, and the run tested nothing.
    assert response.status_code != 401, (case.operation.label, response.text[:200])


@as_administrator.parametrize()
def test_the_api_holds_its_document_for_a_district_administrator(case: Any) -> None:
    _call(case)


@as_village_cadre.parametrize()
def test_the_api_holds_its_document_for_a_village_cadre(case: Any) -> None:
    _call(case)
