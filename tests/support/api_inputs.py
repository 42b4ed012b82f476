"""The API's inputs, read from its OpenAPI schema: for every operation under /api/v1/, the fields of
its request body and its query parameters, with malformed values for each (the twin of the pages'
MALFORMED values in tests/security/test_malformed_input.py). Shared by the API's malformed-input and
CSRF/GET crawls (tests/security/test_api_*.py); an endpoint added to the API is crawled as soon as it
is in the schema (tests/api/test_schema.py makes sure it is)."""

import re
import uuid
from dataclasses import dataclass, field

from drf_spectacular.generators import SchemaGenerator

from tests.support import api_matrix, url_matrix
from tests.support.url_patterns import inside, special_values

# Nested junk: an object where a scalar belongs, lists in lists.
NESTED = {"a": [[[{"b": [None, {}]}]]], "code": {"$gt": ""}}
HUGE = "x" * 100_000
# Bodies that are no JSON object of any shape: broken JSON, bytes that are no UTF-8, a NUL, nesting
# deeper than a parser recurses, and JSON of another kind than an object.
RAW_BODIES = [
    b'{"choices": [',
    b"\xff\xfe\x00garbage",
    b"\x00",
    b"[" * 100_000 + b"]" * 100_000,
    b"null",
    b"[]",
    b'"x"',
    b"42",
]
# Fields that no endpoint declares (mass assignment): with them alone, a body is no valid request.
UNKNOWN = {"status": "approved", "id": 1, "user": 1, "school": str(uuid.UUID(int=1)), "is_staff": True}
CJK = re.compile(r"[\u3400-\u9fff]")
WRITES = ("post", "put", "patch", "delete")
# The endpoints that need a child on a session's roster (as the pages' release-child).
ROSTER = {"api:staff-release-child", "api:staff-release"}


@dataclass
class Operation:
    path: str  # OpenAPI path: /api/v1/devices/{device_code}/revoke/
    method: str
    fields: dict = field(default_factory=dict)  # request body property -> its schema
    query: dict = field(default_factory=dict)  # query parameter -> its schema

    @property
    def has_body(self) -> bool:
        return bool(self.fields)


def operations() -> list[Operation]:
    """Every operation of the schema under /api/v1/, with its body's fields and query parameters."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    found = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            shape = _resolve(body.get("schema", {}), components)
            fields = {
                name: _resolve(prop, components)
                for name, prop in shape.get("properties", {}).items()
                if not prop.get("readOnly")
            }
            query = {
                p["name"]: _resolve(p.get("schema", {}), components)
                for p in operation.get("parameters", [])
                if p.get("in") == "query"
            }
            found.append(Operation(path, method, fields, query))
    return found


def endpoints_for(role):
    """(name, identifier kwargs, view, OpenAPI path) of every /api/v1/ endpoint this role's persona
    calls: those of its role, and the public ones (sign-in) once, in the parent's crawl."""
    for name, kwargs, callback, route in api_matrix.api_patterns(with_routes=True):
        allowed = api_matrix.ENDPOINTS[name]
        if not route.startswith("/api/v1/"):
            continue
        if allowed == api_matrix.PUBLIC and role != url_matrix.PARENT:
            continue
        if allowed != api_matrix.PUBLIC and role not in allowed:
            continue
        yield name, kwargs, callback, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def identifiers(name, kwargs, user) -> dict:
    """The user's own identifiers for the endpoint's URL; a well-formed one naming nothing where the
    user sees no such object."""
    values = special_values("safety:release-child", user) if name in ROSTER else None
    values = values or {kw: inside(user, kw) for kw in kwargs}
    return {kw: values.get(kw) or (999_999_999 if kw.endswith("_id") else uuid.uuid4()) for kw in kwargs}


def _resolve(node: dict, components: dict) -> dict:
    if "$ref" in node:
        return _resolve(components[node["$ref"].rsplit("/", 1)[1]], components)
    for combined in ("allOf", "oneOf", "anyOf"):
        if combined in node:
            merged = {k: v for k, v in node.items() if k != combined}
            for part in node[combined]:
                merged.update(_resolve(part, components))
            return merged
    return node


def malformed(schema: dict) -> list:
    """Values no field of this schema accepts: wrong types, nested junk, a huge string, a NUL, a
    value outside the choices, a UUID or date that is none."""
    kind, fmt = schema.get("type"), schema.get("format")
    values = [NESTED]
    if not schema.get("nullable"):
        values.append(None)
    if "enum" in schema:
        return [*values, "not-a-choice", HUGE, 12]
    if kind == "string":
        values += [12, [], HUGE, "abc\x00def"]
        values += {
            "uuid": ["not-a-uuid", "' OR 1=1 --", "１２３"],
            "date": ["2026-02-30", "-1"],
            "date-time": ["yesterday"],
            "email": ["not an address"],
        }.get(fmt, [])
    elif kind in ("integer", "number"):
        values += ["abc", 1.5 if kind == "integer" else "1e999", 10**30, -(10**30)]
    elif kind == "boolean":
        values += ["maybe", [], 2]
    elif kind == "array":
        items = schema.get("items", {})
        values += ["x", {"a": 1}, [NESTED], [malformed(items)[-1]]]
        if "maxItems" in schema:
            values.append([str(uuid.UUID(int=n)) for n in range(schema["maxItems"] + 1)])
    elif kind == "object":
        values += ["x", []]
    return values


def plausible(schema: dict, today: str):
    """A well-formed value of this schema that names nothing that exists (a fresh UUID)."""
    kind, fmt = schema.get("type"), schema.get("format")
    if "enum" in schema:
        return next(v for v in schema["enum"] if v not in ("", None))
    if kind == "string":
        return {"uuid": str(uuid.uuid4()), "date": today, "date-time": f"{today}T10:00:00+08:00"}.get(
            fmt, "a@example.com" if fmt == "email" else "x"
        )
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return True
    if kind == "array":
        return [plausible(schema.get("items", {}), today)] * schema.get("minItems", 1)
    return {}


def texts(body) -> list[str]:
    """Every string in a JSON body (keys aside): the sentences it shows a person."""
    if isinstance(body, str):
        return [body]
    if isinstance(body, dict):
        return [t for v in body.values() for t in texts(v)]
    if isinstance(body, list):
        return [t for v in body for t in texts(v)]
    return []
