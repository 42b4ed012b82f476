"""F13, bad input never answers 500: malformed values in every path, query and form parameter of
every URL, sent as each role's persona, answer 4xx (or the page with the value ignored), never a 5xx,
and change no data.

The URLs come from the resolver, with the identifiers each persona sees (the same machinery as the URL
matrix, tests/security/test_url_matrix.py). The parameter names of each view are those its module
reads (request.GET / request.POST in the source) and those its pages offer: the fields of the forms
that submit to it and the query keys of the links that lead to it, read from the rendered pages.
"""

import html.parser
import inspect
import re
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from django.conf import settings
from django.contrib.sessions.backends.cached_db import KEY_PREFIX as SESSION_CACHE_PREFIX
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from audit.models import AccessLog
from schools import access
from tests.support import url_matrix
from tests.support.url_patterns import all_patterns, inside, special_values
from tests.support.url_scope import fingerprint

pytestmark = pytest.mark.django_db

MALFORMED = [
    "not-a-uuid",
    "x" * 300,
    "１２３",  # full-width digits
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "\x00",
    "-1",
    "-99999999999999999999",
    "99999999999999999999999",
]
# Signing out ends the sweep's session; the language switch is a public form with its own test.
SKIP = {"logout"}
# Every POST is sent in a savepoint rolled back afterwards; one that writes rows must write no more
# than the same POST with the field left empty (a button such as "mark all read" writes by design).
READS = re.compile(r"""request\.(?:GET|POST)(?:\.get|\.getlist)?[\[(]\s*["'](\w+)["']""")


class _Page(html.parser.HTMLParser):
    """Form fields by the path their form submits to, and query keys by the path links lead to."""

    def __init__(self, path):
        super().__init__()
        self.path, self.form_action, self.fields, self.links = path, None, {}, {}
        self.free = set()  # free text and checkboxes

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.form_action = urlsplit(attrs.get("action") or self.path).path or self.path
        elif tag in ("input", "select", "textarea", "button") and attrs.get("name") and self.form_action:
            self.fields.setdefault(self.form_action, set()).add(attrs["name"])
            if tag == "textarea" or attrs.get("type") == "checkbox":
                self.free.add((self.form_action, attrs["name"]))
        elif tag == "a" and attrs.get("href"):
            parts = urlsplit(attrs["href"])
            keys = {key for key, _v in parse_qsl(parts.query, keep_blank_values=True)}
            if keys:
                self.links.setdefault(parts.path or self.path, set()).update(keys)

    def handle_endtag(self, tag):
        if tag == "form":
            self.form_action = None


def _name_of(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def _source_names(name: str, url: str) -> set[str]:
    """The parameters the view's module reads from request.GET / request.POST."""
    view = inspect.unwrap(resolve(urlsplit(url).path).func)
    module = inspect.getmodule(view)
    return set(READS.findall(inspect.getsource(module))) if module else set()


def _urls_for(user):
    """(name, url) of every page the persona reaches with identifiers it sees."""
    roles = access.roles(user)
    for name, kwargs in all_patterns():
        allowed = url_matrix.URLS.get(name)
        if name in SKIP or allowed in ("public", "token", url_matrix.PROVINCE) or not (roles & allowed):
            continue
        values = special_values(name, user) if kwargs else False
        if values is False:
            values = {kw: inside(user, kw) for kw in kwargs}
        if not values and kwargs:
            continue
        if any(v is None for v in values.values()):
            continue
        yield name, reverse(name, kwargs=values), values


def _parameters(client, urls) -> tuple[dict[str, set[str]], set[tuple[str, str]]]:
    """Parameter names per URL name: read in the source, offered by forms and links; and the
    (URL name, field) pairs that are free text or checkboxes."""
    found = {name: _source_names(name, url) for name, url, _v in urls}
    free = set()
    for _name, url, _v in urls:
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        page = _Page(url)
        page.feed(response.content.decode(errors="replace"))
        for target, names in [*page.fields.items(), *page.links.items()]:
            target_name = _name_of(target)
            if target_name in found:
                found[target_name] |= names
        free |= {(_name_of(target), field) for target, field in page.free}
    found = {name: names - {"csrfmiddlewaretoken"} for name, names in found.items()}
    return found, free


class _Rollback(Exception):
    pass


def _rows_written() -> int | None:
    """Rows inserted, updated or deleted on this connection so far (SQLite), else None."""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT total_changes()")
        return cursor.fetchone()[0]


def _post(client, url, data):
    """POST in a savepoint rolled back afterwards: (status, rows it wrote, None off SQLite)."""
    before = _rows_written()
    try:
        with transaction.atomic():
            response = client.post(url, data)
            raise _Rollback(response.status_code, _rows_written())
    except _Rollback as rolled:
        status, after = rolled.args
    # The rollback undid the session row's writes, not its copy in the cache (cached_db): drop the
    # copy, so that the next request reads the session as the database now holds it.
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    if cookie is not None:
        cache.delete(SESSION_CACHE_PREFIX + cookie.value)
    return status, None if before is None else after - before


def _sweep(client, user, values_for, *, only_read=False):
    """What went wrong, as "METHOD name param=value -> status" lines, and how many parameters."""
    urls = list(_urls_for(user))
    parameters, free_fields = _parameters(client, urls)
    failures = []

    def check(method, name, url, label, data=None):
        if method == "get":
            status = client.get(url, data).status_code
        else:
            status, written = _post(client, url, data or {})
            # Free text (a note, a reply) is stored as written and a checkbox is ticked whatever its
            # value: such a field may change data by design; it is still checked for server errors.
            free = data and all((name, field) in free_fields for field in data)
            if written and data and not free:
                # Else the malformed value must write no more than the same field left empty
                # (a form bound without its select clears it, by design).
                _s, written_empty = _post(client, url, dict.fromkeys(data, ""))
                if written > written_empty:
                    failures.append(f"POST {name} {label} wrote {written} rows, {written_empty} without it")
        if status >= 500:
            failures.append(f"{method.upper()} {name} {label} -> {status}")
        return status

    for name, url, kwargs in urls:
        methods = ["get", "post"]
        names = parameters[name] & _source_names(name, url) if only_read else parameters[name]
        for position, param in enumerate(sorted(names)):
            for value in values_for(position):
                for method in list(methods):
                    if check(method, name, url, f"{param}={value[:20]!r}", {param: value}) == 405:
                        methods.remove(method)  # the view takes no such request: no need to ask again
        # Path identifiers: each replaced by a malformed value answers "not there".
        for position, (kw, good) in enumerate(sorted(kwargs.items())):
            for value in values_for(position):
                bad = url.replace(str(good), quote(value, safe=""), 1)
                status = check(methods[0] if methods else "get", name, bad, f"{kw}={value[:20]!r}")
                if status not in (404, 405):
                    failures.append(f"{name} {kw}={value[:20]!r} -> {status}, not 404")
    return failures, sum(len(p) for p in parameters.values())


ROLES = sorted(url_matrix.PERSONAS)


def _client(user) -> Client:
    client = Client(raise_request_exception=False)  # a server error is a status to report here
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ROLES)
def test_no_malformed_parameter_answers_a_server_error_or_changes_data(demo, role):
    """Each role: one malformed value per parameter, a different one per parameter and role."""
    user = demo.user(url_matrix.PERSONAS[role])
    offset = ROLES.index(role)
    before = fingerprint(exclude=(AccessLog,))
    failures, fuzzed = _sweep(_client(user), user, lambda i: [MALFORMED[(i + offset) % len(MALFORMED)]])
    assert not failures, f"{role}:\n" + "\n".join(failures)
    assert fuzzed > 5
    assert fingerprint(exclude=(AccessLog,)) == before


@pytest.mark.parametrize("role", [url_matrix.BUREAU, url_matrix.PARENT])
def test_no_malformed_value_at_all_answers_a_server_error_or_changes_data(demo, role):
    """The bureau officer and the parent (the school admin, with the most pages, gets one value per
    parameter above to keep the suite quick): every malformed value in every
    parameter the views read straight from request.GET / request.POST (form fields go through
    Django's form validation, and get one value each above), and in every path identifier."""
    user = demo.user(url_matrix.PERSONAS[role])
    before = fingerprint(exclude=(AccessLog,))
    failures, _fuzzed = _sweep(_client(user), user, lambda i: MALFORMED, only_read=True)
    assert not failures, f"{role}:\n" + "\n".join(failures)
    assert fingerprint(exclude=(AccessLog,)) == before


@pytest.mark.parametrize("value", MALFORMED)
def test_the_reported_urls_answer_404_for_a_malformed_school(demo, value):
    """Found by a web scanner: ?school= on the good-practice form, school= on preparing a report."""
    client = _client(demo.user("s1_admin"))
    before = fingerprint(exclude=(AccessLog,))
    assert client.get(reverse("oversight:practice-new"), {"school": value}).status_code == 404
    response = client.post(reverse("oversight:term-report-prepare"), {"school": value, "term": "2026-autumn"})
    assert response.status_code == 404
    assert fingerprint(exclude=(AccessLog,)) == before


def test_the_access_helpers_answer_404_for_a_malformed_code(demo):
    from django.http import Http404

    user = demo.user("admin")
    for get in (access.get_school_for_user, access.get_student_for_user, access.get_region_for_user):
        for value in MALFORMED:
            with pytest.raises(Http404):
                get(user, value)
    school = demo.school("s1")
    assert access.get_school_for_user(user, str(school.code)) == school
    assert access.get_school_for_user(user, school.code) == school
    assert not access.filter_by_code(access.schools_for(user), "not-a-uuid").exists()
    assert list(access.filter_by_codes(access.schools_for(user), ["x", str(school.code)])) == [school]
