"""F13/F16, bad input never answers 500 on the API either (the twin of test_malformed_input.py): every
operation under /api/v1/ (read from the OpenAPI schema, tests/support/api_inputs.py), called with a
valid token by the persona of a role it serves, with in-scope identifiers, receives malformed bodies
(broken JSON, bytes that are no UTF-8, deep nesting, JSON of the wrong kind, undeclared fields) and,
field by field, values of the wrong type, nested junk, huge strings, NUL bytes, values outside the
choices and UUIDs or dates that are none; its query parameters and path identifiers get the same.
Every answer is a 4xx (never a 5xx, never accepted) with a JSON body in the caller's language, and
nothing is written."""

import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api import services
from audit.models import AccessLog
from schools.models import User
from tests.support import api_inputs, api_matrix, url_matrix
from tests.support.url_scope import fingerprint

pytestmark = pytest.mark.django_db

ROLES = sorted(url_matrix.PERSONAS)
# Half the personas read the portal in English: each answer must come in the caller's language.
LANGUAGES = {role: ("en" if n % 2 else "zh-hans") for n, role in enumerate(ROLES)}


@pytest.fixture(scope="module")
def operations():
    return {(op.path, op.method): op for op in api_inputs.operations()}


@pytest.fixture(autouse=True)
def unthrottled(settings):
    """The crawl sends hundreds of writes a minute: throttling is tested in tests/api/test_tokens.py."""
    from django.core.cache import cache

    settings.API_THROTTLE_RATES = dict.fromkeys(settings.API_THROTTLE_RATES, "1000000/minute")
    cache.clear()


class Crawl:
    def __init__(self, headers, language):
        self.client = Client(raise_request_exception=False)  # a server error is a status to report
        self.headers, self.language, self.failures, self.sent = headers, language, [], 0

    def send(self, method, url, label, *, body=None, query=None, must_refuse=True):
        if method == "get":
            response = self.client.get(url, query, **self.headers)
        else:
            raw = body if isinstance(body, bytes) else json.dumps(body).encode()
            response = getattr(self.client, method)(url, raw, content_type="application/json", **self.headers)
        self.sent += 1
        self.judge(response, f"{method.upper()} {url} {label}", must_refuse)

    def judge(self, response, label, must_refuse):
        status = response.status_code
        if status >= 500:
            self.failures.append(f"{label} -> {status}")
        elif must_refuse and status < 400:
            self.failures.append(f"{label} -> {status}, accepted")
        if 400 <= status < 500:
            if "application/json" not in response.get("Content-Type", ""):
                self.failures.append(f"{label} -> {status} without a JSON body")
                return
            words = " ".join(api_inputs.texts(response.json()))
            if (self.language == "en") == bool(api_inputs.CJK.search(words)) or not words:
                self.failures.append(f"{label} -> {status}, not in {self.language}: {words[:80]!r}")


def _label(field, value) -> str:
    return f"{field}={json.dumps(value)[:24]}"


def _crawl_body(crawl, url, op):
    today = timezone.localdate().isoformat()
    for raw in api_inputs.RAW_BODIES:
        crawl.send(op.method, url, f"body={raw[:12]!r}", body=raw)
    if not op.has_body:
        return
    crawl.send(op.method, url, "undeclared fields", body=api_inputs.UNKNOWN, must_refuse=op.method != "patch")
    baseline = {name: api_inputs.plausible(schema, today) for name, schema in op.fields.items()}
    for name, schema in op.fields.items():
        for value in api_inputs.malformed(schema):
            crawl.send(op.method, url, _label(name, value), body={**baseline, name: value})


def _crawl_query(crawl, url, op):
    for name, schema in op.query.items():
        for value in api_inputs.malformed(schema):
            query = {name: value if isinstance(value, str) else json.dumps(value)}
            crawl.send("get", url, _label(name, value), query=query, must_refuse=False)


def _crawl_path(crawl, name, kwargs, values, op):
    """Each identifier replaced by one that is none, and by a well-formed one that names nothing."""
    for kw in kwargs:
        for bad in ("not-a-uuid", "' OR 1=1 --", uuid.uuid4() if not kw.endswith("_id") else 2**40):
            good = reverse(name, kwargs=values)
            url = good.replace(str(values[kw]), str(bad).replace(" ", "%20"), 1)
            crawl.send(op.method, url, f"{kw}={str(bad)[:12]}", body={}, must_refuse=True)


@pytest.mark.parametrize("role", ROLES)
def test_no_malformed_api_input_answers_a_server_error_or_changes_data(demo, operations, role):
    user = demo.user(url_matrix.PERSONAS[role])
    User.objects.filter(pk=user.pk).update(language=LANGUAGES[role])
    _token, secret = services.token_issue(user=user, name="crawler")
    signed_in = Crawl({"HTTP_AUTHORIZATION": f"Bearer {secret}"}, LANGUAGES[role])
    anonymous = Crawl({}, "zh-hans")  # sign-in: no account yet, so the portal's first language
    before = fingerprint(exclude=(AccessLog,))
    for name, kwargs, _callback, path in api_inputs.endpoints_for(role):
        crawl = anonymous if api_matrix.ENDPOINTS[name] == api_matrix.PUBLIC else signed_in
        values = api_inputs.identifiers(name, kwargs, user)
        url = reverse(name, kwargs=values)
        for method in api_matrix.methods_of(_callback):
            op = operations[(path, method)]
            if method in api_inputs.WRITES:
                _crawl_body(crawl, url, op)
            else:
                _crawl_query(crawl, url, op)
            _crawl_path(crawl, name, kwargs, values, op)
    failures = signed_in.failures + anonymous.failures
    assert not failures, f"{role} ({signed_in.sent} requests):\n" + "\n".join(failures)
    assert signed_in.sent > 50
    assert fingerprint(exclude=(AccessLog,)) == before
