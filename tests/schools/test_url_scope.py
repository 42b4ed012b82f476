"""Every URL that takes an object identifier answers 404 to every persona for objects outside that
persona's scope, and changes nothing. New URLs are picked up automatically; a new identifier name
must be added to OBJECT_KWARGS in tests/security/pages.py (the test fails until it is)."""

import datetime
import hashlib

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from oversight.models import GeneratedReport, GoodPractice, TermReport
from safety.models import Incident
from schools.models import (
    School,
)
from subsidies.models import Claim
from tests.security.pages import OBJECT_KWARGS

pytestmark = pytest.mark.django_db

PERSONAS = [
    "hn_bureau",
    "zz_bureau",
    "zy_bureau",
    "gy_bureau",
    "s1_admin",
    "s1_head31",
    "s1_head32",
    "s1_staff",
    "s1_guard",
    "s1_parent",
    "s1_parent2",
    "s2_admin",
    "s2_parent",
    "s3_admin",
    "s3_parent",
]

SKIP_NAMESPACES = {"admin"}  # Django admin: staff only, its own permission system
# URL keywords of national records that no regional scope narrows, so nothing lies outside a
# province officer's: F11's year of the State Council schedule (province officers and superusers
# only; tests/activities/test_official_calendar.py checks everyone else's 404).
NOT_OBJECTS = {"year"}
PROJECT_APPS = {
    "schools",
    "privacy",
    "audit",
    "notices",
    "activities",
    "enrollment",
    "safety",
    "subsidies",
    "oversight",
}


def object_patterns():
    found = []

    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                if ns in SKIP_NAMESPACES:
                    continue
                walk(p.url_patterns, ":".join(filter(None, [namespace, p.namespace])) or None)
            elif isinstance(p, URLPattern) and set(p.pattern.converters) - NOT_OBJECTS:
                found.append((f"{namespace}:{p.name}" if namespace else p.name, list(p.pattern.converters)))

    walk(get_resolver().url_patterns, None)
    return found


def fingerprint(exclude: tuple = ()) -> str:
    """A digest of every row of every project model (sessions and login attempts are not ours)."""
    digest = hashlib.sha256()
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or model in exclude:
            continue
        # last_login moves with every sign-in (force_login included); it is not data a request changes.
        fields = [f.attname for f in model._meta.concrete_fields if f.name != "last_login"]
        rows = model.objects.order_by("pk").values_list(*fields)
        digest.update(f"{model._meta.label}:{list(rows)!r}".encode())
    return digest.hexdigest()


def outside(user, kwarg):
    model, field, visible = OBJECT_KWARGS[kwarg]
    obj = model.objects.exclude(pk__in=visible(user).values("pk")).order_by("pk").first()
    assert obj is not None, f"no {model.__name__} outside the scope of {user}"
    return getattr(obj, field)


def test_every_identifier_in_a_url_is_known():
    patterns = object_patterns()
    assert patterns, "no URL takes an identifier?"
    unknown = {(name, kw) for name, kws in patterns for kw in kws if kw not in OBJECT_KWARGS}
    assert not unknown, f"add to OBJECT_KWARGS (tests/security/pages.py): {sorted(unknown)}"


def test_it_answers_404_for_every_object_outside_each_personas_scope(client, demo):
    from notices import services

    for username in ("admin", "s1_parent", "s1_admin"):
        services.notification_send(recipient=demo.user(username), kind="system/welcome")
    # hn_bureau sees every demo region and school: one in another province is outside every scope.
    from schools import services as org

    hubei = org.region_save(code="42", name="湖北省", level="province")
    jiangan = org.region_save(code="420102", name="江岸区", level="county", parent=hubei)
    org.class_create(
        school=org.school_save(identifier="4201020001", name="江岸区实验小学", region=jiangan),
        grade=1,
        number=1,
    )
    # F6: an incident in another province, outside even hn_bureau's scope.
    Incident.objects.create(
        school=School.objects.get(identifier="4201020001"),
        occurred_at=datetime.datetime(2026, 11, 2, 16, 30, tzinfo=datetime.UTC),
        place="操场",
        kind="other",
        severity="minor",
        description="-",
        actions_taken="-",
        reported_by=demo.user("admin"),
    )
    # F7: a claim in another province, outside even hn_bureau's scope.
    Claim.objects.create(
        school=School.objects.get(identifier="4201020001"),
        kind="month",
        period_start=datetime.date(2026, 11, 1),
        period_end=datetime.date(2026, 11, 30),
        prepared_by=demo.user("admin"),
        prepared_at=datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC),
    )
    # F8: a report of another province, outside even hn_bureau's scope.
    GeneratedReport.objects.create(
        kind="monthly",
        region=jiangan,
        scope_key="region:420102",
        period_key="2026-10",
        period_first=datetime.date(2026, 10, 1),
        period_last=datetime.date(2026, 10, 31),
        format="xlsx",
        status="done",
        file="2026/11/elsewhere.xlsx",
    )
    # F8: a term report and a good practice of another province, outside even hn_bureau's scope.
    elsewhere = School.objects.get(identifier="4201020001")
    TermReport.objects.create(school=elsewhere, term="2026-autumn", prepared_by=demo.user("admin"))
    GoodPractice.objects.create(
        school=elsewhere, title="-", summary="-", body="-", submitted_by=demo.user("admin")
    )
    before = fingerprint()
    failures = []
    for username in PERSONAS:
        user = demo.user(username)
        client.force_login(user)
        for name, kwargs in object_patterns():
            url = reverse(name, kwargs={kw: outside(user, kw) for kw in kwargs})
            statuses = {method: getattr(client, method)(url).status_code for method in ("get", "post")}
            if set(statuses.values()) - {404, 405} or 404 not in statuses.values():
                failures.append(f"{username} {name} {url} -> {statuses}")
    assert not failures, "\n".join(failures)
    assert fingerprint() == before, "an out-of-scope request changed data"
