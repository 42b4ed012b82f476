"""The personas and the machinery of the URL scope tests (tests/schools/test_url_scope.py and the
tests that reuse them): every URL that takes an object identifier, an object outside a persona's
scope for each, and a digest of every row to show a request changed nothing."""

import hashlib

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from tests.support.url_patterns import OBJECT_KWARGS

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

# Django admin: staff only, its own permission system. The API: its twin crawl, tests/api/test_api_matrix.py.
SKIP_NAMESPACES = {"admin", "api"}
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
    "api",
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
        # An app token's last_used moves with every request it authenticates, refused ones too.
        fields = [f.attname for f in model._meta.concrete_fields if f.name not in ("last_login", "last_used")]
        rows = model.objects.order_by("pk").values_list(*fields)
        digest.update(f"{model._meta.label}:{list(rows)!r}".encode())
    return digest.hexdigest()


def outside(user, kwarg):
    model, field, visible = OBJECT_KWARGS[kwarg]
    obj = model.objects.exclude(pk__in=visible(user).values("pk")).order_by("pk").first()
    assert obj is not None, f"no {model.__name__} outside the scope of {user}"
    return getattr(obj, field)
