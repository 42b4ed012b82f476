"""The OpenAPI schema: valid OpenAPI 3, served at /api/schema/, with every endpoint under /api/v1/ in
it with its shapes; the docs page loads its vendored assets under the portal's CSP."""

import re

import pytest
import yaml
from django.urls import reverse
from openapi_spec_validator import validate

from tests.support import api_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get(reverse("api:schema"))
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def _openapi_path(route: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def test_the_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate(schema)


def test_every_endpoint_is_in_the_schema_with_its_shapes(schema):
    wrong, checked = [], 0
    for name, _kwargs, callback, route in api_matrix.api_patterns(with_routes=True):
        if api_matrix.ENDPOINTS.get(name) == api_matrix.PUBLIC and not route.startswith("/api/v1/"):
            continue  # the schema and docs themselves
        operations = schema["paths"].get(_openapi_path(route))
        if operations is None:
            wrong.append(f"{name}: {route} missing")
            continue
        for method in api_matrix.methods_of(callback):
            checked += 1
            wrong += _shape_problems(name, method, operations.get(method), callback)
    assert not wrong, "\n".join(wrong)
    assert checked >= 6


def _shape_problems(name, method, operation, callback) -> list[str]:
    if operation is None:
        return [f"{name}: {method} missing"]
    problems = []
    responses = operation.get("responses", {})
    if not any("content" in r or code == "204" for code, r in responses.items() if code.startswith("2")):
        problems.append(f"{name} {method}: no response schema")
    wants_body = method in ("post", "put", "patch") and name not in api_matrix.BODYLESS
    if wants_body != ("requestBody" in operation):
        problems.append(f"{name} {method}: request body {'missing' if wants_body else 'unexpected'}")
    if getattr(getattr(callback.cls, method, None), "idempotent", False) or _idempotent(callback, method):
        headers = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        if "Idempotency-Key" not in headers:
            problems.append(f"{name} {method}: Idempotency-Key not documented")
    return problems


def _idempotent(callback, method) -> bool:
    """Whether the view function under @api_view is wrapped by api.idempotency.idempotent."""
    handler = getattr(callback.cls, method, None)
    for cell in getattr(handler, "__closure__", None) or ():
        if getattr(cell.cell_contents, "idempotent", False):
            return True
    return False


def test_the_docs_page_loads_vendored_assets_under_the_csp(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html.replace(" ", "") or "nonce" in html
    assert "cdn" not in html.lower()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    script = client.get(reverse("api:docs") + "?script=")
    assert script.status_code == 200
    assert b"SwaggerUIBundle" in script.content
