"""Schemathesis against the served OpenAPI document: every operation, called as an admin (who may
call them all) with generated input — valid and invalid — over a real store holding a company with
posted documents and a published serving file. No answer may be a 5xx, and every error is the
API's JSON error shape with a message. Bounded: ``MAX_EXAMPLES`` per operation, no deadline."""

from __future__ import annotations

import pytest
import schemathesis
from api_support import ApiWorld
from hypothesis import HealthCheck, settings

from api.app import create_app

MAX_EXAMPLES = 15

app = create_app()  # its store is set per module below (app.state.engine)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module", autouse=True)
def _store(shared_world: ApiWorld):
    app.state.engine = shared_world.company.engine
    yield
    app.state.engine = None


@pytest.fixture(scope="module")
def admin_headers(shared_world: ApiWorld) -> dict[str, str]:
    return shared_world.headers("admin", "en")


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_error(case, admin_headers):  # noqa: ANN001 - a schemathesis Case
    response = case.call(headers=admin_headers)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["code"] and error["message"], response.text
        assert "Traceback" not in response.text
